// Transports against real libzmq: tcp (IPv4, IPv6, wildcard port), ipc on Unix domain sockets and
// inproc (connect before bind), both directions, with zeromq.js (libzmq 4.3.5) and pyzmq (libzmq 4.3.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as zmq from 'zeromq';
import { ours, python } from './machinery-helpers.js';
import { Context } from '../../../core/engine/context.js';
import type { AnySocket } from '../../../core/engine/socket.js';

test('tcp: our PUSH binds a wildcard port, libzmq PULL connects; multipart arrives whole', async () => {
  const push = ours('PUSH');
  const pull = new zmq.Pull();
  try {
    await push.bind('tcp://127.0.0.1:*');
    assert.match(push.lastEndpoint!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(push.lastEndpoint, 'tcp://127.0.0.1:0');
    pull.connect(push.lastEndpoint!);
    await push.send(['one', Buffer.from([0, 1, 2]), '']);
    const msg = await pull.receive();
    assert.deepEqual(msg, [Buffer.from('one'), Buffer.from([0, 1, 2]), Buffer.alloc(0)]);
  } finally {
    push.close();
    pull.close();
  }
});

test('tcp: our PULL connects to libzmq PUSH; large and empty frames', async () => {
  const push = new zmq.Push();
  const pull = ours('PULL');
  try {
    await push.bind('tcp://127.0.0.1:*');
    pull.connect(push.lastEndpoint!);
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    await push.send([big, Buffer.alloc(0), 'tail']);
    const msg = await pull.receive();
    assert.equal(msg.length, 3);
    assert.ok(msg[0].equals(big));
    assert.equal(msg[1].length, 0);
    assert.equal(msg[2].toString(), 'tail');
  } finally {
    push.close();
    pull.close();
  }
});

test('tcp: many messages both ways between our DEALER and libzmq ROUTER keep order', async () => {
  const router = new zmq.Router();
  const dealer = ours('DEALER', { routingId: 'd1' });
  try {
    await router.bind('tcp://127.0.0.1:*');
    dealer.connect(router.lastEndpoint!);
    const n = 2000;
    for (let i = 0; i < n; i++) await dealer.send(['m', String(i)]);
    for (let i = 0; i < n; i++) {
      const [id, a, b] = await router.receive();
      assert.equal(id.toString(), 'd1');
      assert.equal(a.toString(), 'm');
      assert.equal(b.toString(), String(i));
      await router.send([id, 'r', String(i)]);
    }
    for (let i = 0; i < n; i++) {
      const [a, b] = await dealer.receive();
      assert.equal(a.toString(), 'r');
      assert.equal(b.toString(), String(i));
    }
  } finally {
    dealer.close();
    router.close();
  }
});

test('tcp over IPv6: our PULL binds [::1], libzmq PUSH connects (ipv6 option)', async () => {
  const pull = ours('PULL', { ipv6: true });
  const push = new zmq.Push({ ipv6: true });
  try {
    await pull.bind('tcp://[::1]:*');
    assert.match(pull.lastEndpoint!, /^tcp:\/\/\[::1\]:\d+$/);
    push.connect(pull.lastEndpoint!);
    await push.send('six');
    assert.equal((await pull.receive())[0].toString(), 'six');
  } finally {
    pull.close();
    push.close();
  }
});

test('tcp: binding * reports 0.0.0.0 and accepts loopback connections', async () => {
  const pull = ours('PULL');
  const push = new zmq.Push();
  try {
    await pull.bind('tcp://*:*');
    assert.match(pull.lastEndpoint!, /^tcp:\/\/0\.0\.0\.0:\d+$/);
    push.connect(`tcp://127.0.0.1:${pull.lastEndpoint!.split(':').pop()}`);
    await push.send('any');
    assert.equal((await pull.receive())[0].toString(), 'any');
  } finally {
    pull.close();
    push.close();
  }
});

test('ipc: both directions with libzmq on a real Unix domain socket', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zmq-ipc-test-'));
  const a = `ipc://${dir}/a.sock`;
  const b = `ipc://${dir}/b.sock`;
  const ourPull = ours('PULL');
  const theirPush = new zmq.Push();
  const ourPush = ours('PUSH');
  const theirPull = new zmq.Pull();
  try {
    await ourPull.bind(a);
    assert.equal(ourPull.lastEndpoint, a);
    assert.ok(fs.statSync(`${dir}/a.sock`).isSocket());
    theirPush.connect(a);
    await theirPush.send(['via', 'ipc']);
    assert.deepEqual((await ourPull.receive()).map(String), ['via', 'ipc']);

    await theirPull.bind(b);
    ourPush.connect(b);
    await ourPush.send(['back', 'again']);
    assert.deepEqual((await theirPull.receive()).map(String), ['back', 'again']);
  } finally {
    ourPull.close();
    ourPush.close();
    theirPush.close();
    theirPull.close();
    await new Promise((r) => setTimeout(r, 50));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ipc://* binds a fresh path that a libzmq peer can reach', async () => {
  const pull = ours('PULL');
  const push = new zmq.Push();
  try {
    await pull.bind('ipc://*');
    assert.match(pull.lastEndpoint!, /^ipc:\/\/\/.+/);
    push.connect(pull.lastEndpoint!);
    await push.send('star');
    assert.equal((await pull.receive())[0].toString(), 'star');
  } finally {
    const file = pull.lastEndpoint!.slice('ipc://'.length);
    pull.close();
    push.close();
    assert.equal(fs.existsSync(file), false, 'closing removes the socket file');
  }
});

test('inproc: connect before bind queues messages, delivered once bound', async () => {
  const ctx = new Context();
  const push = ours('PUSH', {}, ctx);
  const pull = ours('PULL', {}, ctx);
  try {
    push.connect('inproc://later');
    await push.send(['early', 'bird']);
    await pull.bind('inproc://later');
    assert.deepEqual((await pull.receive()).map(String), ['early', 'bird']);
    await push.send('second');
    assert.deepEqual((await pull.receive()).map(String), ['second']);
    // The name is taken while bound.
    const other = ours('PULL', {}, ctx);
    await assert.rejects(other.bind('inproc://later'), { code: 'EADDRINUSE' });
    other.close();
  } finally {
    push.close();
    pull.close();
  }
  await ctx.term();
});

test('pyzmq (libzmq 4.3.4) peer: our PUSH -> python PULL and python PUSH -> our PULL over tcp', async () => {
  const pull = ours('PULL');
  const push = ours('PUSH');
  await pull.bind('tcp://127.0.0.1:*');
  const py = python(
    `
import sys, zmq
ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
port = pull.bind_to_random_port('tcp://127.0.0.1')
print(port)
push = ctx.socket(zmq.PUSH)
push.connect(sys.argv[1])
msg = pull.recv_multipart()
push.send_multipart([b'py'] + msg)
print('done')
`,
    [pull.lastEndpoint!],
  );
  try {
    const port = Number(await py.line());
    push.connect(`tcp://127.0.0.1:${port}`);
    await push.send(['hello', 'from', 'ts']);
    const echoed = await pull.receive();
    assert.deepEqual(echoed.map(String), ['py', 'hello', 'from', 'ts']);
    assert.equal(await py.line(), 'done');
  } finally {
    push.close();
    pull.close();
    await py.stop();
  }
});

test('endpoint errors are specific: EINVAL, EPROTONOSUPPORT, EADDRINUSE, ENOENT', async () => {
  const s = ours('PULL');
  const t = ours('PULL');
  try {
    assert.throws(() => s.connect('tcp://127.0.0.1'), { code: 'EINVAL', detail: /missing port/ });
    assert.throws(() => s.connect('tcp://127.0.0.1:99999'), { code: 'EINVAL', detail: /port/ });
    assert.throws(() => s.connect('tcp://*:5555'), { code: 'EINVAL' });
    assert.throws(() => s.connect('tcp://::1:5555'), { code: 'EINVAL', detail: /brackets/ });
    assert.throws(() => s.connect('carrier-pigeon://x'), { code: 'EPROTONOSUPPORT' });
    assert.throws(() => s.connect('no-scheme'), { code: 'EINVAL' });
    assert.throws(() => s.connect(42 as unknown as string), { name: 'TypeError', message: 'Address must be a string' });
    await assert.rejects(s.bind('tcp://127.0.0.1:port'), { code: 'EINVAL' });
    await s.bind('tcp://127.0.0.1:*');
    await assert.rejects(t.bind(s.lastEndpoint!), { code: 'EADDRINUSE' });
    await assert.rejects(t.unbind('tcp://127.0.0.1:1'), { code: 'ENOENT' });
    assert.throws(() => t.disconnect('tcp://127.0.0.1:1'), { code: 'ENOENT' });
    await s.unbind(s.lastEndpoint!);
  } finally {
    s.close();
    t.close();
  }
  // A closed socket throws at once, as zeromq.js's do.
  assert.throws(() => s.bind('tcp://127.0.0.1:*'), { code: 'EBADF' });
  assert.throws(() => (s as AnySocket).send('x'), { code: 'EBADF' });
});

test('tcp: mixed frame sizes from libzmq into our bound socket arrive intact (reads land in slabs and frame bodies)', async () => {
  const pull = ours('PULL');
  const push = new zmq.Push();
  try {
    await pull.bind('tcp://127.0.0.1:*');
    push.connect(pull.lastEndpoint!);
    const sizes = [1, 0, 70000, 8191, 8192, 300000, 5, 65536, 1_500_000, 17, 200000];
    const sent: Buffer[][] = [];
    for (let round = 0; round < 5; round++) {
      for (const [i, size] of sizes.entries()) {
        const body = Buffer.alloc(size);
        for (let j = 0; j < size; j += 101) body[j] = (j + i + round) & 0xff;
        const msg = [Buffer.from(`${round}.${i}`), body];
        sent.push(msg);
        await push.send(msg);
      }
    }
    for (const msg of sent) {
      const got = await pull.receive();
      assert.equal(got[0].toString(), msg[0].toString());
      assert.ok(got[1].equals(msg[1]), `frame ${msg[0]} of ${msg[1].length} bytes intact`);
    }
  } finally {
    push.close();
    pull.close();
  }
});

test('pyzmq (libzmq 4.3.4) over ipc: python binds, we connect and get an echo back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zmq-ipc-py-'));
  const endpoint = `ipc://${dir}/py.sock`;
  const py = python(
    `
import sys, zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.bind(sys.argv[1])
print('bound')
msg = rep.recv_multipart()
rep.send_multipart([b'echo'] + msg)
print('done')
`,
    [endpoint],
  );
  const req = ours('REQ');
  try {
    assert.equal(await py.line(), 'bound');
    req.connect(endpoint);
    await req.send(['over', 'ipc']);
    assert.deepEqual((await req.receive()).map(String), ['echo', 'over', 'ipc']);
    assert.equal(await py.line(), 'done');
  } finally {
    req.close();
    await py.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('unbind stops listening and closes the connections accepted on that endpoint; other endpoints go on', async () => {
  const pull = ours('PULL');
  const a = new zmq.Push({ linger: 0, reconnectInterval: 10000 });
  const b = new zmq.Push({ linger: 0 });
  try {
    await pull.bind('tcp://127.0.0.1:*');
    const first = pull.lastEndpoint!;
    await pull.bind('tcp://127.0.0.1:*');
    const second = pull.lastEndpoint!;
    a.connect(first);
    b.connect(second);
    await a.send('via first');
    await b.send('via second');
    const got = [(await pull.receive())[0].toString(), (await pull.receive())[0].toString()].sort();
    assert.deepEqual(got, ['via first', 'via second']);
    const events: string[] = [];
    pull.events.on('disconnect', (e) => events.push(`disconnect ${e.address}`));
    pull.events.on('close', (e) => events.push(`close ${e.address}`));
    await pull.unbind(first);
    while (events.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(events.sort(), [`close ${first}`, `disconnect ${first}`]);
    await b.send('still here');
    assert.equal((await pull.receive())[0].toString(), 'still here');
  } finally {
    a.close();
    b.close();
    pull.close();
  }
});
