// A capture's records as JSON lines or CSV, made a chunk at a time as the reader takes them: a million
// rows stream into a file or an HTTP download in bounded memory, and the download starts at once.
import { Readable } from 'node:stream';
import { formatTime } from '../inspect/format.js';
import { summarize, type CaptureStore } from './capture-store.js';

export { exportFileName } from './export-name.js';

export type ExportFormat = 'jsonl' | 'csv';

export const CSV_HEADER = 'index,time_utc,ts,since_start,delta,conn,dir,src,dst,type,socket_type,summary,frames_hex\n';
/** Text gathered per chunk: big enough that per-chunk costs vanish, small enough to bound memory. */
const CHUNK_CHARS = 64 * 1024;

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Makes CSV lines; the date-and-time text is made once per second of capture time, not once per row. */
function csvLines(store: CaptureStore, indices: readonly number[]): (k: number) => string {
  const start = store.size ? store.records.ts(0) : 0;
  let second = NaN;
  let secondText = '';
  return (k) => {
    const i = indices[k];
    const r = store.get(i)!;
    const micros = Math.round(r.ts * 1e6);
    const whole = Math.floor(micros / 1e6);
    if (whole !== second) {
      second = whole;
      secondText = formatTime(whole).slice(0, 19);
    }
    const time = `${secondText}.${String(micros - whole * 1e6).padStart(6, '0')}`;
    const delta = k > 0 ? r.ts - store.records.ts(indices[k - 1]) : 0;
    const frames = r.type === 'message' ? r.frames.join('|') : '';
    return (
      [
        i,
        time,
        r.ts,
        (r.ts - start).toFixed(6),
        delta.toFixed(6),
        r.conn,
        r.dir,
        r.src,
        r.dst,
        r.type,
        store.socketTypeOf(i) ?? '',
        summarize(r),
        frames,
      ]
        .map(csvCell)
        .join(',') + '\n'
    );
  };
}

/**
 * The first `total` records of `indices` (a filtered list, which may still grow) as a byte stream.
 * `onRows` hears how many rows have been made, after each chunk and at the end.
 */
export function exportStream(
  store: CaptureStore,
  indices: readonly number[],
  total: number,
  format: ExportFormat,
  onRows: (rows: number) => void,
): Readable {
  function* chunks(): Generator<string> {
    let text = format === 'csv' ? CSV_HEADER : '';
    const line = format === 'csv' ? csvLines(store, indices) : (k: number) => JSON.stringify(store.get(indices[k])) + '\n';
    for (let k = 0; k < total; k++) {
      text += line(k);
      if (text.length >= CHUNK_CHARS) {
        onRows(k + 1);
        yield text;
        text = '';
      }
    }
    if (text) yield text;
    onRows(total);
  }
  return Readable.from(chunks(), { objectMode: false });
}
