// The committed sample captures (resources/captures, real libzmq traffic made by make-samples.ts)
// reassemble to exactly the byte streams Wireshark's own TCP reassembly gives (tshark follow,tcp,raw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAll, reassemblePackets, tshark } from './helpers.js';

const dir = fileURLToPath(new URL('../../../resources/captures/', import.meta.url));
const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f));

/** tshark's reassembled stream: lines from node 0 (the first sender, here the client) and, indented, node 1. */
function follow(file: string, stream: number): { node0: string; c2s: Buffer; s2c: Buffer } {
  const out = execFileSync('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  let node0 = '';
  for (const line of out.split('\n')) {
    const m = /^Node 0: (.*)$/.exec(line);
    if (m) node0 = m[1];
    else if (/^\t[0-9a-f]+$/.test(line)) s2c.push(Buffer.from(line.slice(1), 'hex'));
    else if (/^[0-9a-f]+$/.test(line)) c2s.push(Buffer.from(line, 'hex'));
  }
  return { node0, c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c) };
}

test('there are sample captures to check', () => {
  assert.ok(files.length >= 6, files.join(', '));
});

for (const name of files) {
  test(`sample ${name}: reassembly equals tshark's follow,tcp,raw for every stream`, async () => {
    const file = join(dir, name);
    const { packets, warnings } = await readAll(file);
    assert.deepEqual(warnings, []);
    const r = reassemblePackets(packets);
    assert.equal(r.gaps, 0);
    const streams = [...new Set(tshark(file, ['tcp.stream']).map((row) => Number(row[0])))];
    assert.equal(r.conns.length, streams.length);
    for (const s of streams) {
      const w = follow(file, s);
      const conn = r.conns.find((c) => `${c.client.ip}:${c.client.port}` === w.node0);
      assert.ok(conn, `stream ${s} from ${w.node0}`);
      assert.ok(w.c2s.length > 0 && w.s2c.length > 0);
      assert.ok(r.stream(conn.id, 'c2s').equals(w.c2s), `stream ${s} client -> server`);
      assert.ok(r.stream(conn.id, 's2c').equals(w.s2c), `stream ${s} server -> client`);
    }
  });
}
