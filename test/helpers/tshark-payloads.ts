// tshark's own reading of a capture's TCP payloads, without any ZMTP dissector: the outside reference the
// real-capture tests compare the decoder's frames against.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** TCP payload bytes (hex) per direction "src:port -> dst:port", in capture order, retransmissions left out. */
export function tsharkPayloads(file: string): Map<string, string> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-T',
      'fields',
      '-e',
      'ip.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.payload',
      '-o',
      'tcp.desegment_tcp_streams:FALSE',
      '-Y',
      'tcp.len > 0 && !tcp.analysis.retransmission',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
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
  for (const m of haystack.matchAll(pattern)) if (m.index % 2 === 0) n++;
  return n;
}

/**
 * Every decoded message's frames occur in tshark's payload of its direction, in order and without
 * overlap: the decoder found real bytes, in the order they were sent.
 */
export function assertFramesInPayloadOrder(
  messages: readonly { src: string; dst: string; frames: unknown }[],
  payloads: Map<string, string>,
): void {
  const cursors = new Map<string, number>();
  for (const m of messages) {
    const key = `${m.src} -> ${m.dst}`;
    const stream = payloads.get(key);
    assert.ok(stream, `tshark saw no payload ${key}`);
    let at = cursors.get(key) ?? 0;
    for (const frame of m.frames as string[]) {
      const found = stream.indexOf(frame, at);
      assert.ok(found >= at, `${key}: frame ${frame} not found after byte ${at / 2} of tshark's payload`);
      at = found + frame.length;
    }
    cursors.set(key, at);
  }
}
