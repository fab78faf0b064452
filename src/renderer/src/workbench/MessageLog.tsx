// A socket's message log (newest first), frames shown as text, hex or JSON.
import { useState } from 'react';
import type { LoggedMessage } from '../../../../core/host/protocol.js';
import { fmtBytes, fmtTime, showFrame, type View } from '../format.js';
import { Badge, Button, Empty } from '../ui/common.js';

const SHOW = 300;

export function MessageLog({ messages, selected, onSelect, onReply, canReply }: {
  messages: LoggedMessage[];
  selected: number | null;
  onSelect: (seq: number | null) => void;
  onReply: (m: LoggedMessage) => void;
  canReply: boolean;
}) {
  const [view, setView] = useState<View>('text');
  const shown = messages.slice(-SHOW).reverse();
  return (
    <div className="flex min-h-0 flex-col gap-2">
      <div className="flex items-center gap-1" role="group" aria-label="Frame view">
        {(['text', 'hex', 'json'] as View[]).map((v) => (
          <Button key={v} variant={view === v ? 'primary' : 'ghost'} aria-pressed={view === v} onClick={() => setView(v)}>{v.toUpperCase()}</Button>
        ))}
        <span className="ml-auto text-xs text-slate-500">{messages.length} message{messages.length === 1 ? '' : 's'}</span>
      </div>
      {shown.length === 0 ? (
        <Empty title="No messages yet">Bind or connect this socket, then send from the composer or from a peer.</Empty>
      ) : (
        <ol className="flex max-h-[28rem] flex-col gap-1 overflow-auto" data-testid="message-log">
          {shown.map((m) => (
            <li
              key={m.seq}
              data-testid="message"
              data-dir={m.dir}
              tabIndex={0}
              onClick={() => onSelect(selected === m.seq ? null : m.seq)}
              onKeyDown={(e) => { if (e.key === 'Enter') onSelect(m.seq); if (e.key === 'r' && canReply && m.dir === 'in') onReply(m); }}
              className={`cursor-pointer rounded-md border px-2 py-1 text-sm ${selected === m.seq ? 'border-sky-500 bg-sky-50 dark:bg-sky-950' : 'border-slate-200 dark:border-slate-700'}`}
            >
              <div className="flex items-center gap-2 text-xs text-slate-500">
                <Badge tone={m.dir === 'in' ? 'green' : 'sky'}>{m.dir === 'in' ? '← received' : '→ sent'}</Badge>
                <span className="mono">{fmtTime(m.ts)}</span>
                <span>{m.frames.length} frame{m.frames.length === 1 ? '' : 's'}, {fmtBytes(m.sizes.reduce((a, b) => a + b, 0))}</span>
                {m.routingId !== undefined && <Badge tone="violet"><span data-testid="envelope">routing id {m.routingId}</span></Badge>}
                {m.group !== undefined && <Badge tone="violet"><span data-testid="envelope">group {m.group}</span></Badge>}
                {canReply && m.dir === 'in' && selected === m.seq && (
                  <Button variant="secondary" className="ml-auto" onClick={(e) => { e.stopPropagation(); onReply(m); }}>Reply</Button>
                )}
              </div>
              <ol className="mt-1 flex flex-col gap-0.5">
                {m.frames.map((f, i) => {
                  const shownFrame = showFrame(f, view);
                  return (
                    <li key={i} className="flex gap-2" data-testid="frame">
                      <span className="w-5 shrink-0 text-right text-xs text-slate-400">{i + 1}</span>
                      <pre className={`mono whitespace-pre-wrap break-all ${shownFrame.fallback ? 'text-amber-700 dark:text-amber-300' : ''}`}>
                        {m.sizes[i] === 0 ? <span className="text-slate-400">(empty)</span> : shownFrame.text}
                        {m.sizes[i] > f.length / 2 && <span className="text-slate-400"> … ({fmtBytes(m.sizes[i])})</span>}
                      </pre>
                    </li>
                  );
                })}
              </ol>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
