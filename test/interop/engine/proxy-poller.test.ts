// Proxy and Poller with real sockets: engine sockets on both sides of the proxy, libzmq (zeromq.js)
// clients and workers through it, and a pyzmq-style poll loop over engine sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import {
  Dealer,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Publisher,
  Subscriber,
  XPublisher,
  XSubscriber,
} from '../../../core/engine/sockets.js';
import { Proxy } from '../../../core/engine/proxy.js';
import { Poller, POLLIN, POLLOUT } from '../../../core/engine/poller.js';
import { ZmqError } from '../../../core/engine/errors.js';
import { text } from './peers/peers.js';

test('Proxy ROUTER/DEALER between libzmq REQ clients and libzmq REP workers, with capture, pause/resume/terminate', async () => {
  const front = new Router({ linger: 0 });
  const back = new Dealer({ linger: 0 });
  const capture = new Push({ linger: 0 });
  const captured = new zmq.Pull({ linger: 0 });
  await front.bind('tcp://127.0.0.1:*');
  await back.bind('tcp://127.0.0.1:*');
  await captured.bind('tcp://127.0.0.1:*');
  capture.connect(captured.lastEndpoint!);
  const workers = [new zmq.Reply({ linger: 0 }), new zmq.Reply({ linger: 0 })];
  const clients = [new zmq.Request({ linger: 0 }), new zmq.Request({ linger: 0 })];
  for (const w of workers) w.connect(back.lastEndpoint!);
  for (const c of clients) c.connect(front.lastEndpoint!);
  const proxy = new Proxy(front, back, { capture });
  const running = proxy.run();
  const serve = workers.map((w, i) =>
    (async () => {
      for await (const [req] of w) await w.send(`worker${i}:${req}`);
    })().catch(() => {}),
  );
  try {
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(
        clients.map(async (c, i) => {
          await c.send(`c${i}-r${round}`);
          return (await c.receive())[0].toString();
        }),
      );
      replies.forEach((r, i) => assert.match(r, new RegExp(`^worker[01]:c${i}-r${round}$`)));
    }
    // Capture saw every request and every reply (12 messages), whole envelopes included.
    const seen: string[][] = [];
    for (let i = 0; i < 12; i++) seen.push(text(await captured.receive()));
    assert.equal(seen.filter((m) => m.at(-1)!.startsWith('worker')).length, 6);
    assert.ok(
      seen.every((m) => m.length >= 2 && m.at(-2) === ''),
      'REQ envelopes travel through the proxy',
    );

    proxy.pause();
    await clients[0].send('while paused');
    const late = clients[0].receive();
    let answered = false;
    late.then(
      () => (answered = true),
      () => {},
    );
    // Let the request reach the proxy's front end, where it must wait.
    for (let i = 0; i < 20 && !front.readable; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(front.readable, true, 'request is waiting at the paused proxy');
    assert.equal(answered, false);
    proxy.resume();
    assert.match((await late)[0].toString(), /^worker[01]:while paused$/);

    proxy.terminate();
    await running;
    assert.equal(front.closed, false, 'terminate leaves the sockets open');
    assert.throws(
      () => proxy.pause(),
      (e: unknown) => e instanceof ZmqError && e.code === 'EBADF',
    );
  } finally {
    for (const s of [...workers, ...clients, captured]) s.close();
    for (const s of [front, back, capture]) s.close();
    await Promise.all(serve);
  }
});

test('Proxy XSUB/XPUB forwards subscriptions upstream and data downstream', async () => {
  const xsub = new XSubscriber({ linger: 0 });
  const xpub = new XPublisher({ linger: 0 });
  const pub = new Publisher({ linger: 0 });
  const sub = new zmq.Subscriber({ linger: 0 });
  await pub.bind('inproc://proxy-upstream');
  xsub.connect('inproc://proxy-upstream');
  await xpub.bind('tcp://127.0.0.1:*');
  sub.connect(xpub.lastEndpoint!);
  sub.subscribe('weather');
  const proxy = new Proxy(xsub, xpub);
  const running = proxy.run();
  try {
    sub.receiveTimeout = 100;
    let got: string[] | undefined;
    for (let i = 0; i < 100 && !got; i++) {
      await pub.send(['weather', 'sunny']);
      await pub.send(['sports', 'no']);
      try {
        got = text(await sub.receive());
      } catch {
        // the subscription has not travelled through the proxy to the publisher yet
      }
    }
    assert.deepEqual(got, ['weather', 'sunny']);
  } finally {
    proxy.terminate();
    await running;
    for (const s of [xsub, xpub, pub]) s.close();
    sub.close();
  }
});

test('Proxy run() rejects with ETERM when one of its sockets is closed', async () => {
  const front = new Pull({ linger: 0 });
  const back = new Push({ linger: 0 });
  // zeromq.js runs a proxy only between sockets that are bound or connected.
  await front.bind('inproc://proxy-eterm-front');
  await back.bind('inproc://proxy-eterm-back');
  const proxy = new Proxy(front, back);
  const running = proxy.run();
  await assert.rejects(proxy.run(), (e: unknown) => e instanceof ZmqError && e.code === 'EBUSY');
  front.close();
  await assert.rejects(running, (e: unknown) => e instanceof ZmqError && e.code === 'ETERM');
  back.close();
});

test('Proxy rejects bad sockets with clear errors', () => {
  const a = new Pull({ linger: 0 });
  try {
    assert.throws(() => new Proxy(a, a), { code: 'EINVAL', detail: /different sockets/ });
    assert.throws(() => new Proxy(a, {} as never), { code: 'EINVAL', detail: /backEnd must be a socket/ });
  } finally {
    a.close();
  }
});

test('Poller: POLLIN/POLLOUT readiness, timeouts, and waking on arrival', async () => {
  const pull = new Pull({ linger: 0 });
  const push = new Push({ linger: 0 });
  const rep = new Reply({ linger: 0 });
  const req = new zmq.Request({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  await rep.bind('tcp://127.0.0.1:*');
  req.connect(rep.lastEndpoint!);
  const poller = new Poller();
  try {
    poller.register(pull, POLLIN);
    poller.register(push, POLLOUT);
    assert.deepEqual(await poller.poll(0), [], 'nothing ready: PUSH has no peer, PULL no message');
    assert.deepEqual(await poller.poll(20), [], 'a timeout resolves with nothing');
    push.connect(pull.lastEndpoint!);
    // PUSH keeps its pipe from connect() on, so it can queue at once.
    const first = await poller.poll(5000);
    assert.deepEqual(
      first.map(([s, f]) => [s === push, f]),
      [[true, POLLOUT]],
    );
    poller.unregister(push);
    const waiting = poller.poll();
    await push.send(['hello', 'poller']);
    const ready = await waiting;
    assert.equal(ready.length, 1);
    assert.equal(ready[0][0], pull);
    assert.equal(ready[0][1], POLLIN);
    assert.deepEqual(text(await pull.receive()), ['hello', 'poller']);

    // REP: readable when a request waits, then writable (and no longer readable) until it replies.
    poller.register(rep, POLLIN | POLLOUT);
    poller.unregister(pull);
    const r1 = poller.poll();
    await req.send('question');
    assert.deepEqual(
      (await r1).map(([, f]) => f),
      [POLLIN],
    );
    await rep.receive();
    assert.deepEqual(
      (await poller.poll(0)).map(([, f]) => f),
      [POLLOUT],
    );
    await rep.send('answer');
    assert.deepEqual(text(await req.receive()), ['answer']);
    assert.deepEqual(await poller.poll(0), []);

    assert.throws(() => poller.register(rep, 8), { detail: /POLLIN \(1\), POLLOUT \(2\)/ });
    assert.throws(() => poller.register(req as never, POLLIN), { detail: /made by this engine/ });
    await assert.rejects(poller.poll(Number.NaN), { detail: /timeout must be a number/ });
  } finally {
    for (const s of [pull, push, rep]) s.close();
    req.close();
  }
});

test('Poller over many sockets: a pyzmq-style loop drains several PULLs fed by libzmq', async () => {
  const pulls = [new Pull({ linger: 0 }), new Pull({ linger: 0 }), new Pull({ linger: 0 })];
  const pushes = [new zmq.Push({ linger: 0 }), new zmq.Push({ linger: 0 }), new zmq.Push({ linger: 0 })];
  try {
    const poller = new Poller();
    for (let i = 0; i < 3; i++) {
      await pulls[i].bind('tcp://127.0.0.1:*');
      pushes[i].connect(pulls[i].lastEndpoint!);
      poller.register(pulls[i], POLLIN);
    }
    for (let i = 0; i < 3; i++) for (let k = 0; k < 5; k++) await pushes[i].send(`p${i}-${k}`);
    const got = new Map<number, string[]>();
    let total = 0;
    while (total < 15) {
      for (const [s] of await poller.poll(10000)) {
        const i = pulls.indexOf(s as Pull);
        while (s.readable) {
          const list = got.get(i) ?? [];
          list.push((await (s as Pull).receive())[0].toString());
          got.set(i, list);
          total++;
        }
      }
    }
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        got.get(i),
        [0, 1, 2, 3, 4].map((k) => `p${i}-${k}`),
      );
  } finally {
    for (const s of pulls) s.close();
    for (const s of pushes) s.close();
  }
});

test('Subscriber/Request option properties behave like zeromq.js', async () => {
  const sub = new Subscriber({ conflate: true, invertMatching: false });
  const req = new Request({ correlate: true, relaxed: true });
  const router = new Router({ mandatory: true });
  try {
    assert.equal(sub.conflate, true);
    assert.equal(req.relaxed, true);
    assert.equal(router.mandatory, true);
    router.handover = true;
    assert.equal(router.handover, true);
    assert.throws(
      () => {
        router.mandatory = 'yes' as never;
      },
      { name: 'TypeError', message: 'Option value must be a boolean', detail: /mandatory/ },
    );
    assert.throws(() => new Router({ handover: 1 as never }), { name: 'TypeError', detail: /handover/ });
    await assert.rejects(router.send(['nobody', 'x']), (e: unknown) => e instanceof ZmqError && e.code === 'EHOSTUNREACH');
  } finally {
    sub.close();
    req.close();
    router.close();
  }
});

test('XPublisher noDrop: a send blocked by a full subscriber resumes once it reads (engine to engine, inproc)', async () => {
  const xpub = new XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 2 });
  const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 2 });
  try {
    await xpub.bind('inproc://nodrop');
    sub.connect('inproc://nodrop');
    sub.subscribe('');
    assert.deepEqual(text(await xpub.receive()), ['\x01']);
    xpub.sendTimeout = 0;
    let queued = 0;
    for (;;) {
      try {
        await xpub.send(`m${queued}`);
        queued++;
      } catch (e) {
        assert.equal((e as ZmqError).code, 'EAGAIN', 'noDrop blocks instead of dropping');
        break;
      }
    }
    assert.ok(queued > 0);
    xpub.sendTimeout = -1;
    const blocked = xpub.send('after the wait');
    for (let i = 0; i < queued; i++) assert.deepEqual(text(await sub.receive()), [`m${i}`]);
    await blocked;
    assert.deepEqual(text(await sub.receive()), ['after the wait'], 'nothing was dropped');
  } finally {
    xpub.close();
    sub.close();
  }
});
