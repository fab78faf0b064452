// Closing: linger flushes queued messages (even to a peer that appears after close), linger 0 drops
// them, Context.term() waits for lingering sockets; pending operations and iteration end cleanly;
// send/receive timeouts and EAGAIN/EBUSY like zeromq.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { freedPort } from '../../helpers/port.js';
import { ours } from './machinery-helpers.js';
import { Context } from '../../../core/engine/context.js';
import type { AnySocket } from '../../../core/engine/socket.js';

test('close() right after many sends still delivers every message (linger -1)', async () => {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const ctx = new Context();
  const push = ours('PUSH', {}, ctx);
  push.connect(pull.lastEndpoint!);
  const n = 500;
  for (let i = 0; i < n; i++) await push.send(['m', String(i)]);
  push.close();
  for (let i = 0; i < n; i++) assert.deepEqual((await pull.receive()).map(String), ['m', String(i)]);
  await ctx.term();
  pull.close();
});

test('a socket closed before its peer exists keeps trying during linger and delivers when the peer binds', async () => {
  const port = await freedPort();
  const ctx = new Context();
  const push = ours('PUSH', { reconnectInterval: 20 }, ctx);
  push.connect(`tcp://127.0.0.1:${port}`);
  await push.send('from the grave');
  push.close();
  assert.equal(push.closed, true);
  const pull = new zmq.Pull();
  try {
    await pull.bind(`tcp://127.0.0.1:${port}`);
    assert.equal((await pull.receive())[0].toString(), 'from the grave');
    await ctx.term();
  } finally {
    pull.close();
  }
});

test('linger 0 drops queued messages and term() does not wait; a positive linger ends term() too', async () => {
  const port = await freedPort();
  const ctx = new Context();
  const dropping = ours('PUSH', { linger: 0 }, ctx);
  dropping.connect(`tcp://127.0.0.1:${port}`);
  await dropping.send('dropped');
  const bounded = ours('PUSH', { linger: 50 }, ctx);
  bounded.connect(`tcp://127.0.0.1:${port}`);
  await bounded.send('given up after 50 ms');
  assert.equal(ctx.socketCount, 2);
  dropping.close();
  bounded.close();
  assert.equal(ctx.socketCount, 0);
  await ctx.term();
});

test('Context.destroy() closes every socket of the context', async () => {
  const ctx = new Context();
  const a = ours('PULL', {}, ctx);
  const b = ours('PUSH', {}, ctx);
  await a.bind('inproc://destroy-me');
  b.connect('inproc://destroy-me');
  const pending = a.receive();
  ctx.destroy();
  assert.equal(a.closed, true);
  assert.equal(b.closed, true);
  await assert.rejects(pending, { code: 'EAGAIN' });
  await ctx.term();
});

test('pending receive rejects on close and async iteration ends', async () => {
  const pull = ours('PULL');
  await pull.bind('tcp://127.0.0.1:*');
  const push = new zmq.Push();
  push.connect(pull.lastEndpoint!);
  await push.send('1');
  await push.send('2');
  const got: string[] = [];
  const iterating = (async () => {
    for await (const [m] of pull) {
      got.push(m.toString());
      if (got.length === 2) setImmediate(() => pull.close());
    }
  })();
  await iterating;
  assert.deepEqual(got, ['1', '2']);
  push.close();
});

test('timeouts and errors like zeromq.js: EAGAIN with no peer, receiveTimeout, EBUSY, ENOTSUP', async () => {
  const push = ours('PUSH', { sendTimeout: 0 });
  const pull = ours('PULL', { receiveTimeout: 30 });
  try {
    await assert.rejects(push.send('nobody'), { code: 'EAGAIN' });
    push.sendTimeout = 30;
    await assert.rejects(push.send('nobody'), { code: 'EAGAIN' });
    await assert.rejects(pull.receive(), { code: 'EAGAIN' });
    pull.receiveTimeout = -1;
    const first = pull.receive();
    assert.throws(() => pull.receive(), { code: 'EBUSY' }, 'a second receive throws at once, as in zeromq.js');
    await pull.bind('inproc://timeouts');
    push.connect('inproc://timeouts');
    await push.send('now');
    assert.equal((await first)[0].toString(), 'now');
    // PUSH has no receive() in its type (Writable only); at run time it rejects as zeromq.js's does.
    await assert.rejects((push as AnySocket).receive(), { code: 'ENOTSUP' });
    assert.throws(
      () => {
        push.sendHighWaterMark = -5;
      },
      { code: 'EINVAL', detail: /sendHighWaterMark must be between 0/ },
    );
    assert.throws(
      () => {
        (push as unknown as { linger: unknown }).linger = 'long';
      },
      { name: 'TypeError', message: 'Option value must be a number', detail: /linger must be a number/ },
    );
    assert.throws(() => ours('PUSH', { noSuchOption: 1 }), {
      name: 'TypeError',
      message: 'Cannot add property noSuchOption, object is not extensible',
    });
    assert.throws(() => (push as unknown as { send(): unknown }).send(), { name: 'TypeError', message: 'Message must be present' });
  } finally {
    push.close();
    pull.close();
  }
});

test('multipart all-or-nothing at the HWM: a blocked multipart send waits whole, then goes whole', async () => {
  const ctx = new Context();
  const push = ours('PUSH', { sendHighWaterMark: 1 }, ctx);
  const pull = ours('PULL', { receiveHighWaterMark: 1 }, ctx);
  try {
    await pull.bind('inproc://hwm');
    push.connect('inproc://hwm');
    push.sendTimeout = 0;
    let sent = 0;
    for (;;) {
      try {
        await push.send(['a', 'b', String(sent)]);
        sent++;
      } catch (e) {
        assert.equal((e as { code: string }).code, 'EAGAIN');
        break;
      }
    }
    assert.equal(sent, 2, 'inproc HWM is the sum of both sides');
    for (let i = 0; i < sent; i++) assert.deepEqual((await pull.receive()).map(String), ['a', 'b', String(i)]);
  } finally {
    push.close();
    pull.close();
  }
  await ctx.term();
});

test('close() with megabytes still unwritten hands them all to the peer before ending the connection', async () => {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const ctx = new Context();
  const push = ours('PUSH', {}, ctx);
  const up = new Promise<void>((r) => push.events.on('handshake', () => r()));
  push.connect(pull.lastEndpoint!);
  await up;
  const n = 300;
  const big = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; i < n; i++) await push.send([String(i), big]);
  push.close();
  for (let i = 0; i < n; i++) {
    const [idx, body] = await pull.receive();
    assert.equal(idx.toString(), String(i));
    assert.equal(body.length, big.length);
  }
  await ctx.term();
  pull.close();
});

test('a script that sends and closes right away exits only after its messages are delivered (blocky, like zeromq.js)', async () => {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const engine = new URL('../../../core/internal.ts', import.meta.url).href;
  const script = `
    const { Push } = await import(${JSON.stringify(engine)});
    const push = new Push();
    push.connect(process.argv[1]);
    for (let i = 0; i < 100; i++) await push.send(['late', String(i)]);
    push.close();
  `;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, pull.lastEndpoint!], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    for (let i = 0; i < 100; i++) assert.deepEqual((await pull.receive()).map(String), ['late', String(i)]);
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill();
    pull.close();
  }
});
