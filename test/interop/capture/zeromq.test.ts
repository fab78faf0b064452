// ZeroMQ traffic between real libzmq peers (zeromq.js 4.3.5 and pyzmq 4.3.4), captured by tcpdump
// and dumpcap: each reassembled direction must be exactly greeting + READY + the message frames
// that were sent, in order, with nothing missing or repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { portOf } from '../../helpers/port.js';
import { startPython } from '../../helpers/python.js';
import { captureToFile, pseudoRandom, readAll, reassemblePackets, tshark, waitForFins } from './helpers.js';

/** ZMTP 3 frame encoding: short frames for bodies up to 255 bytes, long ones above. */
function frame(body: Buffer, more: boolean): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([more ? 1 : 0, body.length]), body]);
  const h = Buffer.alloc(9);
  h[0] = more ? 3 : 2;
  h.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([h, body]);
}

function message(parts: Buffer[]): Buffer {
  return Buffer.concat(parts.map((p, i) => frame(p, i < parts.length - 1)));
}

/** Checks the greeting and the READY command, returns what follows them. */
function afterHandshake(stream: Buffer, socketType: string, minor: number): Buffer {
  assert.ok(stream.length >= 64, `stream has a greeting (${stream.length} bytes)`);
  assert.equal(stream[0], 0xff);
  assert.equal(stream[9], 0x7f);
  assert.equal(stream[10], 3, 'ZMTP major version 3');
  assert.equal(stream[11], minor, `ZMTP minor version ${minor}`);
  assert.equal(stream.subarray(12, 32).toString('latin1').replace(/\0+$/, ''), 'NULL');
  assert.equal(stream[64], 0x04, 'a short command frame follows the greeting');
  const size = stream[65];
  const cmd = stream.subarray(66, 66 + size);
  assert.equal(cmd.subarray(0, 6).toString('latin1'), '\x05READY');
  assert.ok(
    cmd.includes(Buffer.from(`Socket-Type\0\0\0${String.fromCharCode(socketType.length)}${socketType}`, 'latin1')),
    `READY says ${socketType}`,
  );
  return stream.subarray(66 + size);
}

function tempDir(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'cap-zmq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `bound` bound to a free port, `tool` capturing that port into `file`, then `connecting` connected (all closed after the test). */
async function capturedPair(
  t: { after: (fn: () => unknown) => void },
  tool: 'tcpdump' | 'dumpcap',
  file: string,
  bound: zmq.Socket,
  connecting: zmq.Socket,
) {
  t.after(() => {
    bound.close();
    connecting.close();
  });
  await bound.bind('tcp://127.0.0.1:*');
  const port = portOf(bound.lastEndpoint);
  const cap = await captureToFile({ tool, filter: `tcp port ${port}`, file });
  t.after(() => cap.stop());
  connecting.connect(`tcp://127.0.0.1:${port}`);
  return { port, cap };
}

/** Closes both sockets, waits for their FINs in the file, stops the capture; the one connection reassembled without gaps. */
async function closeAndReassemble(file: string, cap: { stop(): Promise<unknown> }, a: zmq.Socket, b: zmq.Socket) {
  a.close();
  b.close();
  await waitForFins(file, 2);
  await cap.stop();
  const { packets, warnings } = await readAll(file);
  assert.deepEqual(warnings, []);
  const r = reassemblePackets(packets);
  assert.equal(r.conns.length, 1);
  assert.equal(r.gaps, 0);
  return { packets, r, conn: r.conns[0] };
}

test('DEALER/ROUTER (zeromq.js) captured by tcpdump: both directions are exactly greeting + READY + frames sent', async (t) => {
  const file = join(tempDir(t), 'dealer-router.pcap');
  const router = new zmq.Router({ linger: 1000 });
  const dealer = new zmq.Dealer({ linger: 1000 });
  const { port, cap } = await capturedPair(t, 'tcpdump', file, router, dealer);

  const requests: Buffer[][] = [];
  const replies: Buffer[][] = [];
  for (let i = 0; i < 40; i++) {
    // Sizes cross the short/long frame boundary and reach 70 KB.
    const body = pseudoRandom([0, 1, 255, 256, 1000, 70_000][i % 6] + i, i);
    const req = [Buffer.from(`req-${i}`), body];
    requests.push(req);
    await dealer.send(req);
    const [id, ...got] = await router.receive();
    assert.deepEqual(got, req);
    const rep = [Buffer.from(`rep-${i}`), body.subarray(0, 100 + i)];
    replies.push(rep);
    await router.send([id, ...rep]);
    assert.deepEqual(await dealer.receive(), rep);
  }
  const { packets, r, conn } = await closeAndReassemble(file, cap, dealer, router);
  assert.equal(conn.server.port, port);
  assert.ok(afterHandshake(r.stream(conn.id, 'c2s'), 'DEALER', 1).equals(Buffer.concat(requests.map(message))), 'dealer -> router frames');
  assert.ok(afterHandshake(r.stream(conn.id, 's2c'), 'ROUTER', 1).equals(Buffer.concat(replies.map(message))), 'router -> dealer frames');
  assert.equal(tshark(file, ['frame.number']).length, packets.length);
});

test('PUSH/PULL (zeromq.js) with large multipart messages captured by dumpcap (pcapng)', async (t) => {
  const file = join(tempDir(t), 'push-pull.pcapng');
  const pull = new zmq.Pull({ linger: 1000 });
  const push = new zmq.Push({ linger: 1000 });
  const { cap } = await capturedPair(t, 'dumpcap', file, pull, push);
  const sent: Buffer[][] = [];
  for (let i = 0; i < 12; i++) {
    const msg = [Buffer.from(`part-a-${i}`), pseudoRandom(200_000 + i * 1000, 100 + i), Buffer.alloc(0), Buffer.from('end')];
    sent.push(msg);
    await push.send(msg);
  }
  for (const msg of sent) assert.deepEqual(await pull.receive(), msg);
  const { r, conn } = await closeAndReassemble(file, cap, push, pull);
  const c2s = r.stream(conn.id, 'c2s');
  assert.ok(afterHandshake(c2s, 'PUSH', 1).equals(Buffer.concat(sent.map(message))), 'push -> pull frames');
  afterHandshake(r.stream(conn.id, 's2c'), 'PULL', 1);
  assert.equal(afterHandshake(r.stream(conn.id, 's2c'), 'PULL', 1).length, 0, 'PULL sends nothing after READY');
});

const PY_REQ = `
import sys, zmq
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
s.setsockopt(zmq.LINGER, 1000)
s.connect("tcp://127.0.0.1:%d" % port)
for i in range(n):
    body = bytes((i * 7 + k) % 256 for k in range(i * 41))
    s.send_multipart([b"py-%d" % i, body])
    rep = s.recv_multipart()
    assert rep == [b"ok-%d" % i, body[::-1]], rep
s.close()
ctx.term()
print("done", zmq.zmq_version())
`;

test('pyzmq REQ (libzmq 4.3.4) against a zeromq.js REP, captured by tcpdump with nanosecond timestamps', async (t) => {
  const file = join(tempDir(t), 'req-rep-nano.pcap');
  const rep = new zmq.Reply({ linger: 1000 });
  t.after(() => rep.close());
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const cap = await captureToFile({ tool: 'tcpdump', filter: `tcp port ${port}`, file, args: ['--time-stamp-precision=nano'] });
  t.after(() => cap.stop());
  const n = 25;
  const py = startPython(['-c', PY_REQ, String(port), String(n)], 'pyzmq REQ');
  t.after(() => {
    if (py.child.exitCode === null) py.child.kill();
  });
  const requests: Buffer[][] = [];
  const replies: Buffer[][] = [];
  for (let i = 0; i < n; i++) {
    const req = await rep.receive();
    requests.push(req);
    const reply = [Buffer.from(`ok-${i}`), Buffer.from(req[1]).reverse()];
    replies.push(reply);
    await rep.send(reply);
  }
  assert.equal(await py.exited, 0, py.stderr);
  assert.match(await py.line(), /^done 4\.3\.4/);
  await waitForFins(file, 1); // the REQ side closed; REP stays bound
  rep.close();
  await waitForFins(file, 2);
  await cap.stop();

  const { packets } = await readAll(file);
  assert.ok(
    packets.some((p) => p.tsNsec % 1000 !== 0),
    'nanosecond timestamps carry sub-microsecond digits',
  );
  const r = reassemblePackets(packets);
  assert.equal(r.conns.length, 1);
  assert.equal(r.gaps, 0);
  const id = r.conns[0].id;
  // REQ and REP put an empty delimiter frame before the body on the wire.
  const withDelimiter = (m: Buffer[]) => message([Buffer.alloc(0), ...m]);
  assert.ok(afterHandshake(r.stream(id, 'c2s'), 'REQ', 1).equals(Buffer.concat(requests.map(withDelimiter))), 'pyzmq REQ -> REP frames');
  assert.ok(afterHandshake(r.stream(id, 's2c'), 'REP', 1).equals(Buffer.concat(replies.map(withDelimiter))), 'REP -> pyzmq REQ frames');
  const rows = tshark(file, ['frame.time_epoch']);
  assert.deepEqual(
    rows.map((x) => x[0]),
    packets.map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`),
  );
});
