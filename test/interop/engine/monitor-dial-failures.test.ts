// The monitor events of a connect that never connects, ours against zeromq.js (libzmq) in the same place:
// a refused tcp, ws or ipc connect and a connect timeout close the socket libzmq opened ('close') before
// 'connect:retry'; a host name that does not resolve opens none and gives only 'connect:retry'; ipc
// has no 'connect:delay' (a Unix socket connects or fails at once); with reconnectInterval -1 or 0 nothing follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { ours } from './machinery-helpers.js';
import { freedPort } from '../../helpers/port.js';
import { startPython, type PythonChild } from '../../helpers/python.js';

const RECORDED = ['connect:delay', 'connect', 'close', 'close:error', 'connect:retry', 'disconnect', 'handshake'] as const;
const INTERVAL = 150;
/** How long a run with reconnection off is watched (nothing more comes after its first events). */
const QUIET_MS = 600;
const RUN_LIMIT_MS = 8000;

type Impl = 'ours' | 'libzmq';
type AnyEvent = { type: string; address?: string; interval?: number };

/**
 * Records a PUSH's events while it dials `endpoint`: until the second connect:retry (or for QUIET_MS when
 * reconnection is off). Each event as its type; every event must name the endpoint, and every retry
 * must wait at least reconnectInterval.
 */
async function record(impl: Impl, endpoint: string, options: Record<string, unknown>): Promise<string[]> {
  const all = { linger: 0, reconnectInterval: INTERVAL, ...options };
  const socket = impl === 'ours' ? ours('PUSH', all) : new zmq.Push(all);
  const seen: string[] = [];
  let wake = () => {};
  for (const type of RECORDED)
    socket.events.on(type as never, (e: AnyEvent) => {
      assert.equal(e.address, endpoint, `${impl} ${e.type} names the endpoint`);
      if (e.type === 'connect:retry') assert.ok(e.interval! >= all.reconnectInterval, `${impl} retry interval ${e.interval}`);
      seen.push(e.type);
      wake();
    });
  try {
    socket.connect(endpoint);
    const limit = Date.now() + (all.reconnectInterval <= 0 ? QUIET_MS : RUN_LIMIT_MS);
    while (Date.now() < limit && seen.filter((t) => t === 'connect:retry').length < 2)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, Math.max(0, limit - Date.now()));
      });
    return seen;
  } finally {
    socket.close();
  }
}

async function compare(endpoint: string, options: Record<string, unknown> = {}): Promise<string[]> {
  const theirs = await record('libzmq', endpoint, options);
  assert.deepEqual(await record('ours', endpoint, options), theirs);
  return theirs;
}

const refusedTwice = ['connect:delay', 'close', 'connect:retry', 'connect:delay', 'close', 'connect:retry'];

test('refused tcp connect (nothing listens): connect:delay, close, connect:retry, as libzmq', async () => {
  assert.deepEqual(await compare(`tcp://127.0.0.1:${await freedPort()}`), refusedTwice);
});

test('refused tcp connect to a host name that resolves (localhost): the same as to an address', async () => {
  assert.deepEqual(await compare(`tcp://localhost:${await freedPort()}`), refusedTwice);
});

test('refused ws connect: connect:delay, close, connect:retry, as libzmq', async () => {
  assert.deepEqual(await compare(`ws://127.0.0.1:${await freedPort()}/zmq`), refusedTwice);
});

test('refused tcp connect with reconnectInterval -1 or 0: connect:delay, close, then nothing, as libzmq', async () => {
  for (const reconnectInterval of [-1, 0])
    assert.deepEqual(await compare(`tcp://127.0.0.1:${await freedPort()}`, { reconnectInterval }), ['connect:delay', 'close']);
});

test('the peer goes away with reconnectInterval -1 or 0: disconnect, then nothing (no close, no redial), as libzmq', async () => {
  for (const reconnectInterval of [-1, 0]) {
    const runs: string[][] = [];
    for (const impl of ['libzmq', 'ours'] as const) {
      const peer = new zmq.Pull({ linger: 0 });
      await peer.bind('tcp://127.0.0.1:*');
      const socket = impl === 'ours' ? ours('PUSH', { linger: 0, reconnectInterval }) : new zmq.Push({ linger: 0, reconnectInterval });
      const seen: string[] = [];
      for (const type of RECORDED) socket.events.on(type as never, (e: AnyEvent) => seen.push(e.type));
      const handshaken = new Promise((r) => socket.events.on('handshake' as never, r));
      socket.connect(peer.lastEndpoint!);
      await handshaken;
      peer.close();
      await new Promise((r) => setTimeout(r, QUIET_MS));
      socket.close();
      runs.push(seen);
    }
    assert.deepEqual(runs[1], runs[0], `reconnectInterval ${reconnectInterval}`);
    assert.deepEqual(runs[0], ['connect:delay', 'connect', 'handshake', 'disconnect']);
  }
});

test('a host name that does not resolve: only connect:retry (no socket was opened), as libzmq', async () => {
  // .invalid never resolves (RFC 6761); without a resolver the lookup fails all the same.
  assert.deepEqual(await compare('tcp://no-such-host.invalid:5555'), ['connect:retry', 'connect:retry']);
  assert.deepEqual(await compare('tcp://no-such-host.invalid:5555', { reconnectInterval: -1 }), []);
});

test('refused ipc connect (no such socket file): close, connect:retry without connect:delay, as libzmq', async () => {
  assert.deepEqual(await compare(`ipc://${join(tmpdir(), `zmq-nothing-${process.pid}.sock`)}`), [
    'close',
    'connect:retry',
    'close',
    'connect:retry',
  ]);
});

/**
 * A listener that never completes a connect: its accept queue (backlog 0) is filled by connects nobody
 * accepts, so the kernel drops further SYNs and a dial hangs until connectTimeout.
 */
async function blackHole(): Promise<{ port: number; python: PythonChild }> {
  const script = `
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.2)
print(port, flush=True)
sys.stdin.read()
`;
  const python = startPython(['-c', script], 'black hole');
  return { port: Number(await python.line()), python };
}

test('connect timeout (connectTimeout, a listener that never answers): connect:delay, close, connect:retry, as libzmq', async () => {
  const { port, python } = await blackHole();
  try {
    assert.deepEqual(await compare(`tcp://127.0.0.1:${port}`, { connectTimeout: 200 }), refusedTwice);
  } finally {
    python.child.kill();
    await python.exited;
  }
});
