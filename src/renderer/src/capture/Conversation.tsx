// The messages of one connection as a conversation between its two ends, with REQ/REP latency and
// PUB/SUB topics.
import { useEffect, useState } from 'react';
import type { AppClient } from '../client.js';
import type { ConnectionSummary, RecordRow } from '../../../../core/host/protocol.js';
import { clockTime } from './time.js';
import { Empty, ErrorText, errorMessage } from '../ui/common.js';

export function Conversation({
  client,
  captureId,
  conn,
  version,
  onPick,
}: {
  client: AppClient;
  captureId: string;
  conn: ConnectionSummary | null;
  /** Changes when the conversation may have grown. */ version: unknown;
  onPick: (index: number) => void;
}) {
  const [rows, setRows] = useState<RecordRow[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const connId = conn?.conn;
  useEffect(() => {
    if (connId === undefined) return;
    let live = true;
    client.request('capture.query', { id: captureId, filter: { conn: connId }, offset: 0, limit: 500 }).then(
      (p) => {
        if (live) {
          setRows(p.items.filter((r) => r.type !== 'open' && r.type !== 'close'));
          setTotal(p.total);
        }
      },
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [client, captureId, connId, version]);
  if (!conn) return <Empty title="Pick a connection">Select a connection in the list above to follow its conversation.</Empty>;
  return (
    <div className="flex flex-col gap-1 text-sm" data-testid="conversation">
      <ErrorText error={error} />
      <div className="grid grid-cols-2 gap-2 text-xs font-semibold text-slate-500">
        <span>
          {conn.client} {conn.clientType && `(${conn.clientType})`}
        </span>
        <span className="text-right">
          {conn.server} {conn.serverType && `(${conn.serverType})`}
        </span>
      </div>
      {rows.length === 0 && <p className="text-xs text-slate-500">Nothing decoded on this connection yet.</p>}
      {rows.map((r) => {
        const latency = /↩ ([\d.]+ ms)/.exec(r.summary)?.[1];
        return (
          <button
            key={r.index}
            onClick={() => onPick(r.index)}
            data-testid="conversation-item"
            className={`max-w-[75%] rounded-lg px-2 py-1 text-left ${r.dir === 'c2s' ? 'self-start' : 'self-end'} ${r.type !== 'message' ? 'border border-dashed border-violet-300 text-violet-800 dark:border-violet-700 dark:text-violet-200' : r.dir === 'c2s' ? 'bg-sky-100 dark:bg-sky-900/50' : 'bg-emerald-100 dark:bg-emerald-900/50'}`}
          >
            <div className="flex gap-2 text-[11px] text-slate-500">
              <span className="mono">{clockTime(r.ts)}</span>
              {r.type !== 'message' && <span className="uppercase">{r.type}</span>}
              {latency && <span className="font-semibold text-amber-700 dark:text-amber-300">reply after {latency}</span>}
              {(r.socketType === 'PUB' || r.socketType === 'XPUB') && r.type === 'message' && (
                <span className="font-semibold text-violet-700 dark:text-violet-300" data-testid="topic">
                  topic {r.summary.split(' | ')[0]}
                </span>
              )}
            </div>
            <div className="mono break-all">{r.summary.replace(/\s+↩ [\d.]+ ms$/, '')}</div>
          </button>
        );
      })}
      {total > 500 && (
        <p className="text-xs text-slate-500">
          Showing the first 500 of {total} records; use the table with this connection's filter for the rest.
        </p>
      )}
    </div>
  );
}
