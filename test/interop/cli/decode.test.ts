// `zmtp decode` as built (the bundled command and capture thread in out/core, what bin/zmtp.js runs) on a
// real libzmq capture: the tests under core/ run the TypeScript sources, so only this one runs the bundles.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { portOf, startCapture, tempDir } from '../../helpers/capture.js';

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

test('the built zmtp decode gives the same lines with the capture thread on, off and auto, every message there', async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, t.dir, 'req-rep.pcap');
  const req = new zmq.Request({ linger: 0 });
  const ROUNDS = 300;
  try {
    req.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < ROUNDS; i++) {
      await req.send(`request ${i}`);
      const [m] = await rep.receive();
      await rep.send([m, Buffer.alloc(i * 37, i)]);
      await req.receive();
    }
    await req.send('DECODE-END');
    await rep.receive();
    await cap.stopAfter(Buffer.from('DECODE-END'));
  } finally {
    cap.kill();
    req.close();
    rep.close();
  }

  const on = decode(cap.file, '1');
  assert.equal(on.code, 0, on.stderr);
  const lines = on.stdout.trimEnd().split('\n');
  const records = lines.map((l) => JSON.parse(l) as { type: string; dir: string; frames?: string[]; replyTo?: unknown });
  const requests = records.filter((r) => r.type === 'message' && r.dir === 'c2s');
  const replies = records.filter((r) => r.type === 'message' && r.dir === 's2c');
  assert.equal(requests.length, ROUNDS + 1);
  assert.equal(replies.length, ROUNDS);
  // REQ's empty delimiter, then the body; each reply paired with its request.
  assert.deepEqual(requests[7].frames, ['', Buffer.from('request 7').toString('hex')]);
  assert.deepEqual(replies[200].frames, ['', Buffer.from('request 200').toString('hex'), Buffer.alloc(200 * 37, 200).toString('hex')]);
  assert.ok(replies.every((r) => r.replyTo !== undefined));
  for (const mode of ['0', 'auto'] as const) {
    const other = decode(cap.file, mode);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, on.stdout, `ZMTP_CAPTURE_THREAD=${mode}`);
  }
  // A file the thread cannot read fails as it does without the thread.
  const missing = decode(`${t.dir}/missing.pcap`, '1');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^zmtp decode: capture file not found: .*missing\.pcap$/m);
  assert.deepEqual(decode(`${t.dir}/missing.pcap`, '0'), missing);
});
