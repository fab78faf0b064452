// How frames are shown: text, hex (with a dump), JSON; and the reverse for the composer.

export type View = 'text' | 'hex' | 'json';

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function asText(hex: string): string | null {
  try {
    const s = decoder.decode(hexToBytes(hex));
    // Control characters other than whitespace mean it is binary, not text.
    // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's purpose
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(s) ? null : s;
  } catch {
    return null;
  }
}

export function asJson(hex: string): string | null {
  const text = asText(hex);
  if (text === null || !/^\s*[[{"0-9tfn-]/.test(text)) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

export function hexDump(hex: string, maxBytes = 4096): string {
  const bytes = hexToBytes(hex.slice(0, maxBytes * 2));
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.subarray(off, off + 16);
    const h = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const a = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(6, '0')}  ${h.padEnd(47)}  ${a}`);
  }
  if (hex.length > maxBytes * 2) lines.push(`… ${hex.length / 2 - maxBytes} more bytes`);
  return lines.join('\n');
}

export function showFrame(hex: string, view: View): { text: string; fallback: boolean } {
  if (view === 'hex') return { text: hex.match(/.{1,2}/g)?.join(' ') ?? '', fallback: false };
  if (view === 'json') {
    const j = asJson(hex);
    if (j !== null) return { text: j, fallback: false };
  }
  const t = asText(hex);
  if (t !== null) return { text: t, fallback: view === 'json' };
  return { text: hex.match(/.{1,2}/g)?.join(' ') ?? '', fallback: true };
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// One formatter for every time shown, and the text of the last second kept: toLocaleTimeString with
// options builds a formatter per call (about 0.1 ms in Chromium), which a list of events paid per row.
// hourCycle h23, not hour12: false (which Chromium may show as 24:05 after midnight).
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
let shownSecond = NaN;
let shownText = '';

/** Local wall-clock time to the millisecond, e.g. 12:00:03.412 (ts in seconds since the epoch). */
export function fmtTime(ts: number): string {
  const ms = Math.round(ts * 1000);
  const second = Math.floor(ms / 1000);
  if (second !== shownSecond) {
    shownSecond = second;
    shownText = clock.format(second * 1000);
  }
  return `${shownText}.${String(ms - second * 1000).padStart(3, '0')}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
