// One readable line per record, for `zmtp decode` without --json: time, sender -> receiver, what, and
// a summary with printable previews of the frames.
import type { InspectRecord } from './records.js';

const PREVIEW_BYTES = 24;

/** A frame as text when it is printable ASCII, otherwise as (the start of) its hex. */
export function previewFrame(hex: string, size?: number): string {
  const b = Buffer.from(hex, 'hex');
  const total = size ?? b.length;
  if (total === 0) return '""';
  const printable = b.every((x) => x >= 0x20 && x < 0x7f);
  if (printable) {
    const text = b.toString('latin1');
    return text.length > 40 || total > b.length ? `${JSON.stringify(text.slice(0, 40))}…(${total}B)` : JSON.stringify(text);
  }
  const head = b.subarray(0, PREVIEW_BYTES).toString('hex');
  return total > PREVIEW_BYTES ? `0x${head}…(${total}B)` : `0x${head}`;
}

/** UTC date and time to the microsecond, e.g. 2026-12-02 11:22:41.000123. */
export function formatTime(ts: number): string {
  // Rounded as a whole number of microseconds first, so .9999996 carries into the next second.
  const micros = Math.round(ts * 1e6);
  const seconds = Math.floor(micros / 1e6);
  const d = new Date(seconds * 1000);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros - seconds * 1e6).padStart(6, '0')}`;
}

function props(p: Record<string, string>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${/^[\x20-\x7e]*$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}

function topic(hex: string): string {
  return hex === '' ? '"" (everything)' : previewFrame(hex);
}

export function summarize(r: InspectRecord): string {
  switch (r.type) {
    case 'open':
      return r.reason === 'midstream' ? 'connection seen mid-stream' : (r.reason ?? 'connection');
    case 'close':
      return r.reason ?? '';
    case 'gap':
      return `${r.bytes} bytes never captured; resynchronising`;
    case 'error':
      return `${r.code ? `[${r.code}] ` : ''}${r.offset !== undefined ? `${r.message} (at byte ${r.offset})` : r.message}`;
    case 'greeting': {
      const parts = [`ZMTP ${r.version}`];
      if (r.version >= '3.0') parts.push(r.mechanism, r.asServer ? 'as-server' : 'as-client');
      if (r.socketType) parts.push(`socket ${r.socketType}`);
      if (r.identity !== undefined) parts.push(`identity ${previewFrame(r.identity)}`);
      if (r.offered) parts.push(`(offered ZMTP 3, fell back for the peer)`);
      return parts.join(' ');
    }
    case 'upgrade':
      return r.dir === 'c2s'
        ? `WebSocket upgrade GET ${r.path ?? ''} offering ${(r.offered ?? []).join(', ')}`
        : `WebSocket upgrade answered ${r.status ?? '?'}${r.protocol ? `, ${r.protocol}` : ''}${r.mechanism ? ` (mechanism ${r.mechanism}, no ZMTP greeting)` : ''}`;
    case 'command': {
      const parts = [r.name];
      if (r.properties) parts.push(props(r.properties));
      if (r.topic !== undefined) parts.push(`topic ${topic(r.topic)}`);
      if (r.username !== undefined)
        parts.push(`username=${JSON.stringify(r.username)} password=${JSON.stringify(r.password ?? '')} [credentials in clear text]`);
      if (r.reason !== undefined) parts.push(`reason ${JSON.stringify(r.reason)}`);
      if (r.ttl !== undefined) parts.push(`ttl ${r.ttl / 10}s`);
      if (r.context) parts.push(`context 0x${r.context}`);
      if (r.curve) {
        const c = r.curve;
        parts.push(
          Object.entries(c)
            .map(([k, v]) => `${k}=${typeof v === 'string' && v.length > 24 ? `${v.slice(0, 24)}…` : v}`)
            .join(' '),
        );
      }
      if (r.gssapi)
        parts.push(
          `GSS-API token ${r.gssapi.tokenLength} bytes${r.gssapi.token ? ` 0x${r.gssapi.token.slice(0, 24)}${r.gssapi.token.length > 24 ? '…' : ''}` : ''}`,
        );
      if (r.encrypted) parts.push('[encrypted]');
      if (r.fields)
        parts.push(
          Object.entries(r.fields)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        );
      return parts.join(' ');
    }
    case 'pgm': {
      const parts: string[] = [r.packet];
      if (r.sqn !== undefined) parts.push(`sqn ${r.sqn}`);
      if (r.trail !== undefined) parts.push(`trail ${r.trail}`);
      if (r.lead !== undefined) parts.push(`lead ${r.lead}`);
      if (r.nla) parts.push(`nla ${r.nla}`);
      if (r.sourceNla) parts.push(`(${r.sourceNla} -> ${r.groupNla})`);
      if (r.tsduLength !== undefined) parts.push(`${r.tsduLength}B`);
      if (r.firstMessage !== undefined) parts.push(r.firstMessage === null ? 'no message start' : `first message at ${r.firstMessage}`);
      if (r.options) parts.push(`options ${r.options.map((o) => o.name).join(',')}`);
      if (r.status && r.status !== 'in-order') parts.push(`[${r.status}]`);
      parts.push(`tsi ${r.tsi}`);
      return parts.join(' ');
    }
    case 'loss':
      return `PGM data ${r.first === r.last ? `sqn ${r.first}` : `sqn ${r.first}-${r.last}`} lost (${r.count}, ${r.reason}); messages resume at the next message start`;
    case 'message': {
      const parts = [`[${r.frames.length}]`];
      if (r.subscription) {
        parts.push(`${r.subscription.subscribe ? 'subscribe' : 'cancel'} ${topic(r.subscription.topic)} (subscription message)`);
      } else {
        parts.push(r.frames.map((f, i) => previewFrame(f, r.sizes?.[i])).join(' | '));
      }
      if (r.envelope) parts.push(`envelope ${r.envelope.length ? r.envelope.map((e) => previewFrame(e)).join(',') : '(delimiter only)'}`);
      if (r.replyTo) parts.push(`reply after ${(r.replyTo.latency * 1000).toFixed(3)} ms`);
      if (r.heuristic) parts.push('(decoded without greeting)');
      if (r.sqn !== undefined) parts.push(`(pgm sqn ${r.sqn}${r.repaired ? ', repaired' : ''})`);
      if (r.group !== undefined) parts.push(`(udp RADIO/DISH group ${JSON.stringify(r.group)})`);
      return parts.join(' ');
    }
  }
}

/** The whole line: time, src -> dst, type, summary. */
export function formatRecord(r: InspectRecord): string {
  const what = r.type === 'command' ? 'command' : r.type;
  return `${formatTime(r.ts)}  #${String(r.conn).padEnd(4)} ${r.src.padStart(21)} -> ${r.dst.padEnd(21)}  ${what.toUpperCase().padEnd(8)}  ${summarize(r)}`;
}
