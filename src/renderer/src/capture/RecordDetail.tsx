// Every field and every frame of one record: the fields in words, the frames as hex dump, text or JSON.
import { useEffect, useState } from 'react';
import type { AppClient } from '../client.js';
import type { InspectRecord } from '../../../../core/inspect/records.js';
import { asJson, asText, hexDump, type View } from '../format.js';
import { Badge, Button, Empty, ErrorText, errorMessage } from '../ui/common.js';
import { clockTime, count, fullTime } from './time.js';

/** Fields every record has, shown in the header, and the frames' sizes, shown with each frame. */
const SHOWN_ELSEWHERE = new Set(['type', 'ts', 'src', 'dst', 'conn', 'dir', 'frames', 'sizes']);
const HEX_FIELDS = new Set(['topic', 'identity', 'context']);

/** camelCase field names as words: asServer -> "as server". */
function label(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function hexValue(hex: string): string {
  if (hex === '') return '(empty)';
  const text = asText(hex);
  return text !== null ? `"${text}"` : `0x${hex}`;
}

function fieldValue(key: string, value: unknown): string {
  if (key === 'replyTo' && value && typeof value === 'object') {
    const r = value as { ts: number; latency: number };
    return `the request at ${clockTime(r.ts)}, answered after ${(r.latency * 1000).toFixed(3)} ms`;
  }
  if (HEX_FIELDS.has(key) && typeof value === 'string') return hexValue(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (value && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join('\n');
  return String(value);
}

function RecordFields({ record }: { record: InspectRecord }) {
  const entries = Object.entries(record).filter(([k, v]) => !SHOWN_ELSEWHERE.has(k) && v !== undefined);
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs" data-testid="detail-fields">
      <dt className="text-slate-500">time</dt>
      <dd className="mono">{fullTime(record.ts)}</dd>
      <dt className="text-slate-500">connection</dt>
      <dd className="mono">
        #{record.conn} · {record.dir === 'c2s' ? 'client → server' : 'server → client'}
      </dd>
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{label(k)}</dt>
          <dd className="mono whitespace-pre-wrap break-all">{fieldValue(k, v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function RecordDetail({ client, captureId, index }: { client: AppClient; captureId: string; index: number | null }) {
  // The answer is kept with the record it is for: another selection shows "Loading…", not the old record.
  const key = `${captureId} ${index}`;
  const [answer, setAnswer] = useState<{ key: string; record?: InspectRecord; error?: string } | null>(null);
  const record = answer?.key === key ? (answer.record ?? null) : null;
  const error = answer?.key === key ? (answer.error ?? null) : null;
  const [view, setView] = useState<View>('hex');
  useEffect(() => {
    if (index === null) return;
    let live = true;
    client.request('capture.record', { id: captureId, index }).then(
      (r) => live && setAnswer({ key, record: r.record }),
      (e) => live && setAnswer({ key, error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [client, captureId, index, key]);
  if (index === null) return <Empty title="No record selected">Click a row (or use ↑/↓ in the table) to see every frame.</Empty>;
  if (error) return <ErrorText error={error} />;
  if (!record) return <p className="p-2 text-xs text-slate-500">Loading…</p>;
  const { frames, sizes } = record as InspectRecord & { frames?: string[]; sizes?: number[] };
  return (
    <div className="flex flex-col gap-2 text-sm" data-testid="record-detail">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="violet">#{index}</Badge>
        <Badge tone="sky">{record.type}</Badge>
        <span className="mono text-xs">{clockTime(record.ts)}</span>
        <span className="mono text-xs">
          {record.src} → {record.dst}
        </span>
        {frames && <span className="text-xs text-slate-500">{count(frames.length, 'frame')}</span>}
      </div>
      <RecordFields record={record} />
      {frames && (
        <>
          <div className="flex items-center gap-1" role="group" aria-label="Detail view">
            {(['hex', 'text', 'json'] as View[]).map((v) => (
              <Button key={v} variant={view === v ? 'primary' : 'ghost'} aria-pressed={view === v} onClick={() => setView(v)}>
                {v.toUpperCase()}
              </Button>
            ))}
          </div>
          {frames.map((f, i) => {
            const text = view === 'hex' ? hexDump(f) : view === 'json' ? (asJson(f) ?? '(not JSON)') : (asText(f) ?? '(binary — see hex)');
            return (
              <div key={i}>
                <div className="text-xs font-medium text-slate-500" data-testid="detail-frame-size">
                  Frame {i + 1} · {count(sizes?.[i] ?? f.length / 2, 'byte')}
                  {sizes && sizes[i] > f.length / 2 ? ` (the first ${count(f.length / 2, 'byte')} kept)` : ''}
                </div>
                <pre
                  className={`mono max-h-64 overflow-auto ${view === 'hex' ? 'whitespace-pre' : 'whitespace-pre-wrap break-all'} rounded border border-slate-200 p-2 text-xs dark:border-slate-700`}
                  data-testid="detail-frame"
                >
                  {f.length === 0 ? '(empty)' : text}
                </pre>
              </div>
            );
          })}
        </>
      )}
    </div>
  );
}
