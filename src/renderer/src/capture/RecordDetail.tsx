// Every field and every frame of one record: hex dump, text or JSON.
import { useEffect, useState } from 'react';
import type { AppClient } from '../client.js';
import type { InspectRecord } from '../../../../core/inspect/records.js';
import { asJson, asText, fmtTime, hexDump, type View } from '../format.js';
import { Badge, Button, Empty, ErrorText, errorMessage } from '../ui/common.js';

export function RecordDetail({ client, captureId, index }: { client: AppClient; captureId: string; index: number | null }) {
  const [record, setRecord] = useState<InspectRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<View>('hex');
  useEffect(() => {
    setRecord(null);
    setError(null);
    if (index === null) return;
    let live = true;
    client.request('capture.record', { id: captureId, index }).then((r) => live && setRecord(r.record), (e) => live && setError(errorMessage(e)));
    return () => { live = false; };
  }, [client, captureId, index]);
  if (index === null) return <Empty title="No record selected">Click a row (or use ↑/↓ in the table) to see every frame.</Empty>;
  if (error) return <ErrorText error={error} />;
  if (!record) return <p className="p-2 text-xs text-slate-500">Loading…</p>;
  const { frames, ...fields } = record as InspectRecord & { frames?: string[] };
  return (
    <div className="flex flex-col gap-2 text-sm" data-testid="record-detail">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="violet">#{index}</Badge>
        <Badge tone="sky">{record.type}</Badge>
        <span className="mono text-xs">{fmtTime(record.ts)}</span>
        <span className="mono text-xs">{record.src} → {record.dst}</span>
      </div>
      <pre className="mono max-h-40 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{JSON.stringify(fields, null, 2)}</pre>
      {frames && (
        <>
          <div className="flex items-center gap-1" role="group" aria-label="Detail view">
            {(['hex', 'text', 'json'] as View[]).map((v) => (
              <Button key={v} variant={view === v ? 'primary' : 'ghost'} aria-pressed={view === v} onClick={() => setView(v)}>{v.toUpperCase()}</Button>
            ))}
          </div>
          {frames.map((f, i) => {
            const text = view === 'hex' ? hexDump(f) : view === 'json' ? (asJson(f) ?? '(not JSON)') : (asText(f) ?? '(binary — see hex)');
            return (
              <div key={i}>
                <div className="text-xs font-medium text-slate-500">Frame {i + 1} · {f.length / 2} bytes</div>
                <pre className="mono max-h-64 overflow-auto whitespace-pre-wrap break-all rounded border border-slate-200 p-2 text-xs dark:border-slate-700" data-testid="detail-frame">{f.length === 0 ? '(empty)' : text}</pre>
              </div>
            );
          })}
        </>
      )}
    </div>
  );
}
