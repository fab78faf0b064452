// A socket's timeline: monitor events (and what explains them), repeats folded by the host into one row
// with a count and the last time, e.g. "connect:retry ×327, last 12:00:03.412". Newest first, bounded.
import { memo } from 'react';
import type { MonitorEvent } from '../../../../core/host/protocol.js';
import { fmtTime } from '../format.js';
import { Badge, Card, Empty } from '../ui/common.js';

/** Rows drawn at most; the store keeps a few more, the host all distinct ones it has room for. */
const SHOW = 100;

const EVENT_TONE: Record<string, 'green' | 'amber' | 'red' | 'sky' | 'slate'> = {
  handshake: 'green',
  accept: 'sky',
  connect: 'sky',
  bind: 'sky',
  disconnect: 'amber',
  close: 'slate',
  'connect:retry': 'amber',
  'connect:delay': 'slate',
  // Rows the host adds (core/host/security-events.ts): ZAP decisions and hints for failed handshakes.
  'zap:allowed': 'green',
  hint: 'amber',
};

export function toneOf(type: string): 'green' | 'amber' | 'red' | 'sky' | 'slate' {
  return type.includes('error') || type.includes('refused') || type.includes('denied') ? 'red' : (EVENT_TONE[type] ?? 'slate');
}

const Row = memo(function Row({ e }: { e: MonitorEvent }) {
  return (
    <li className="flex flex-wrap items-center gap-x-2 gap-y-0.5" data-testid="event-row" data-type={e.type} data-count={e.count}>
      <span className="mono text-xs text-slate-500">{e.count > 1 ? `since ${fmtTime(e.firstTs)}` : fmtTime(e.ts)}</span>
      <Badge tone={toneOf(e.type)}>{e.type}</Badge>
      {e.count > 1 && (
        <span className="text-xs font-semibold" data-testid="event-count">
          ×{e.count.toLocaleString()}, last {fmtTime(e.ts)}
        </span>
      )}
      {e.address && <span className="mono text-xs">{e.address}</span>}
      {e.reason && <span className="min-w-0 break-words text-xs text-slate-700 dark:text-slate-300">{e.reason}</span>}
      {e.detail && <span className="min-w-0 break-words text-xs text-slate-500">{e.detail}</span>}
    </li>
  );
});

export function Timeline({ events, total }: { events: MonitorEvent[]; total: number }) {
  const shown = events.length > SHOW ? events.slice(events.length - SHOW) : events;
  return (
    <Card title={`Monitor events (${total.toLocaleString()})`}>
      {shown.length === 0 ? (
        <Empty title="No events yet" />
      ) : (
        <ol className="flex max-h-64 flex-col gap-0.5 overflow-auto text-sm" style={{ contain: 'content' }} data-testid="events">
          {[...shown].reverse().map((e) => (
            <Row key={e.key} e={e} />
          ))}
        </ol>
      )}
    </Card>
  );
}
