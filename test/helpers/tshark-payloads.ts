// tshark's own reading of a capture's TCP payloads, without any ZMTP dissector: the outside reference the
// real-capture tests compare the decoder's frames against.
import { execFileSync } from 'node:child_process';

/** TCP payload bytes (hex) per direction "src:port -> dst:port", in capture order, retransmissions left out. */
export function tsharkPayloads(file: string): Map<string, string> {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'tcp.payload',
    '-o', 'tcp.desegment_tcp_streams:FALSE', '-Y', 'tcp.len > 0 && !tcp.analysis.retransmission'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const byDirection = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [src, sport, dst, dport, payload] = line.split('\t');
    if (!payload) continue;
    const key = `${src}:${sport} -> ${dst}:${dport}`;
    byDirection.set(key, (byDirection.get(key) ?? '') + payload.replace(/:/g, ''));
  }
  return byDirection;
}

/** Occurrences of a hex pattern at byte boundaries. */
export function countHex(haystack: string, pattern: RegExp): number {
  let n = 0;
  for (const m of haystack.matchAll(pattern)) if (m.index! % 2 === 0) n++;
  return n;
}
