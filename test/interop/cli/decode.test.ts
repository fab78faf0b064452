// `zmtp decode` as built (the bundled command and capture thread in out/core, what bin/zmtp.js runs) on a
// real libzmq capture: the tests under core/ run the TypeScript sources, so only this one runs the bundles.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/capture.js';
import { captureTwoRequesters, hexOf } from '../inspect/helpers.js';

const zmtp = fileURLToPath(new URL('../../../bin/zmtp.js', import.meta.url));
const t = tempDir();
after(() => t.cleanup());

function decode(file: string, thread: '0' | '1' | 'auto') {
  const r = spawnSync(process.execPath, [zmtp, 'decode', '--json', file], {
    env: { ...process.env, ZMTP_CAPTURE_THREAD: thread },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Line {
  type: string;
  conn: number;
  dir: string;
  frames?: string[];
  replyTo?: unknown;
}

test('the built zmtp decode gives the same lines with the capture thread on, off and auto, every message there', async () => {
  const ROUNDS = 300;
  const file = await captureTwoRequesters(t.dir, 'req-rep.pcap', ROUNDS);
  const on = decode(file, '1');
  assert.equal(on.code, 0, on.stderr);
  const records = on.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  const conns = [...new Set(records.filter((r) => r.type === 'greeting').map((r) => r.conn))];
  assert.equal(conns.length, 2);
  for (const conn of conns) {
    const of = (dir: string) => records.filter((r) => r.type === 'message' && r.conn === conn && r.dir === dir);
    const requests = of('c2s');
    const replies = of('s2c');
    // Which client this connection is, from its first request; then every request and reply, byte for byte
    // (REQ's empty delimiter first), each reply paired with its request.
    const k = Buffer.from(requests[0].frames![1], 'hex').toString() === 'client 0 request 0' ? 0 : 1;
    assert.deepEqual(
      requests.map((r) => r.frames),
      Array.from({ length: ROUNDS }, (_, i) => ['', hexOf(`client ${k} request ${i}`), hexOf(Buffer.alloc(i * 37, k + i))]),
    );
    assert.deepEqual(
      replies.map((r) => r.frames),
      Array.from({ length: ROUNDS }, (_, i) => [
        '',
        hexOf(`reply to client ${k} request ${i}`),
        hexOf(i === ROUNDS - 1 && k === 1 ? 'CAPTURE-END' : 'x'.repeat(i)),
      ]),
    );
    assert.ok(replies.every((r) => r.replyTo !== undefined));
  }
  for (const mode of ['0', 'auto'] as const) {
    const other = decode(file, mode);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, on.stdout, `ZMTP_CAPTURE_THREAD=${mode}`);
  }
  // A file the thread cannot read fails as it does without the thread.
  const missing = decode(`${t.dir}/missing.pcap`, '1');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^zmtp decode: capture file not found: .*missing\.pcap$/m);
  assert.deepEqual(decode(`${t.dir}/missing.pcap`, '0'), missing);
});
