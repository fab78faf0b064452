// Type-specific options of the engine's sockets against real libzmq peers (zeromq.js and pyzmq):
// REQ correlate/relaxed, probeRouter, ROUTER handover, XPUB verbose/manual/welcome, conflate.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dealer, Pull, Reply, Request, Router, XPublisher, XSubscriber, Subscriber } from '../../../core/engine/sockets.js';
import { pyzmq, text, zeromqJs, type PeerLib, type PeerSocket } from './peers/peers.js';

const libs: Array<[string, () => Promise<PeerLib>]> = [
  ['zeromq.js (libzmq 4.3.5)', zeromqJs],
  ['pyzmq (libzmq 4.3.4)', pyzmq],
];

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'EAGAIN' && code !== 'EHOSTUNREACH' && !/no message within/.test(String(e))) throw e;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: gave up after 200 tries`);
}

for (const [libName, makeLib] of libs) {
  describe(`socket options against ${libName}`, () => {
    let lib: PeerLib;
    const open: Array<{ close(): unknown }> = [];
    const ours = <T extends { close(): unknown }>(s: T): T => (open.push(s), s);
    const theirs = async (type: Parameters<PeerLib['socket']>[0]): Promise<PeerSocket> => {
      const s = await lib.socket(type);
      open.push(s);
      return s;
    };
    before(async () => {
      lib = await makeLib();
    });
    after(async () => {
      for (const s of open) await s.close();
      await lib?.close();
    });

    test('REQ correlate + relaxed: a stale reply from libzmq REP is dropped, the current one accepted', async () => {
      const rep = await theirs('REP');
      const req = ours(new Request({ linger: 0, correlate: true, relaxed: true }));
      req.connect(await rep.bind('tcp://127.0.0.1:*'));
      await req.send('first');
      assert.deepEqual(text(await rep.receive()), ['first']);
      // Relaxed: ask again before the answer came; then the late answer to "first" arrives.
      await req.send('second');
      await rep.send('answer to first');
      assert.deepEqual(text(await rep.receive()), ['second']);
      await rep.send('answer to second');
      assert.deepEqual(text(await req.receive()), ['answer to second']);
    });

    test('REQ correlate: libzmq ROUTER sees the request id frame and echoes it', async () => {
      const router = await theirs('ROUTER');
      const req = ours(new Request({ linger: 0, correlate: true }));
      req.connect(await router.bind('tcp://127.0.0.1:*'));
      await req.send('q');
      const m = await router.receive();
      assert.equal(m.length, 4, 'routing id, request id, delimiter, body');
      assert.equal(m[1].length, 4);
      assert.equal(m[2].length, 0);
      // A reply with a wrong request id is dropped; the right one is delivered.
      const wrong = Buffer.from(m[1]);
      wrong[0] ^= 0xff;
      await router.send([m[0], wrong, Buffer.alloc(0), Buffer.from('forged')]);
      await router.send([m[0], m[1], Buffer.alloc(0), Buffer.from('genuine')]);
      assert.deepEqual(text(await req.receive()), ['genuine']);
    });

    test('libzmq REQ with correlate-style ids through engine REP keeps the whole envelope', async () => {
      const rep = ours(new Reply({ linger: 0 }));
      const dealer = await theirs('DEALER');
      await rep.bind('tcp://127.0.0.1:*');
      await dealer.connect(rep.lastEndpoint!);
      const id = Buffer.from([1, 2, 3, 4]);
      await dealer.send([id, Buffer.alloc(0), Buffer.from('q')]);
      assert.deepEqual(text(await rep.receive()), ['q']);
      await rep.send('r');
      const back = await dealer.receive();
      assert.deepEqual(back[0], id);
      assert.deepEqual(text(back.slice(1)), ['', 'r']);
    });

    test('probeRouter: engine DEALER announces itself to libzmq ROUTER with an empty message', async () => {
      const router = await theirs('ROUTER');
      const dealer = ours(new Dealer({ linger: 0, probeRouter: true, routingId: 'prober' }));
      dealer.connect(await router.bind('tcp://127.0.0.1:*'));
      assert.deepEqual(text(await router.receive()), ['prober', '']);
    });

    test('ROUTER handover: a second libzmq DEALER with the same routing id takes over', async () => {
      const router = ours(new Router({ linger: 0, handover: true, mandatory: true }));
      await router.bind('tcp://127.0.0.1:*');
      const first = await theirs('DEALER');
      await first.set('routingId', 'same');
      await first.connect(router.lastEndpoint!);
      await first.send('from first');
      assert.deepEqual(text(await router.receive()), ['same', 'from first']);
      const second = await theirs('DEALER');
      await second.set('routingId', 'same');
      await second.connect(router.lastEndpoint!);
      await second.send('from second');
      assert.deepEqual(text(await router.receive()), ['same', 'from second']);
      await router.send(['same', 'to the newest']);
      assert.deepEqual(text(await second.receive()), ['to the newest']);
    });

    test('Router.connect(address, { routingId }) names a libzmq peer that announces no id', async () => {
      const server = await theirs('ROUTER');
      const endpoint = await server.bind('tcp://127.0.0.1:*');
      const router = ours(new Router({ linger: 0, mandatory: true, routingId: 'client' }));
      router.connect(endpoint, { routingId: 'server-1' });
      await retry('ROUTER knows server-1', () => router.send(['server-1', 'hello']));
      assert.deepEqual(text(await server.receive()), ['client', 'hello']);
      await server.send(['client', 'back']);
      assert.deepEqual(text(await router.receive()), ['server-1', 'back']);
      assert.throws(() => router.connect(endpoint, { routingId: '' }), { code: 'EINVAL', detail: /1 to 255 bytes/ });
    });

    test('ROUTER without handover ignores a duplicate routing id', async () => {
      const router = ours(new Router({ linger: 0 }));
      await router.bind('tcp://127.0.0.1:*');
      const first = await theirs('DEALER');
      await first.set('routingId', 'dup');
      await first.connect(router.lastEndpoint!);
      await first.send('one');
      assert.deepEqual(text(await router.receive()), ['dup', 'one']);
      const second = await theirs('DEALER');
      await second.set('routingId', 'dup');
      await second.connect(router.lastEndpoint!);
      await second.send('ignored');
      await first.send('two');
      assert.deepEqual(text(await router.receive()), ['dup', 'two'], 'the duplicate peer is not heard');
      await router.send(['dup', 'reply']);
      assert.deepEqual(text(await first.receive()), ['reply'], 'the first peer keeps the id');
    });

    test('XPUB verbose sees every libzmq subscription; default sees each topic once', async () => {
      for (const verbosity of [null, 'allSubs'] as const) {
        const xpub = ours(new XPublisher({ linger: 0, verbosity }));
        await xpub.bind('tcp://127.0.0.1:*');
        const subs = [await theirs('SUB'), await theirs('SUB')];
        for (const s of subs) {
          await s.set('subscribe', 'topic');
          await s.connect(xpub.lastEndpoint!);
        }
        xpub.receiveTimeout = 300;
        const seen: string[] = [];
        for (;;) {
          try {
            seen.push((await xpub.receive())[0].toString());
          } catch {
            if (seen.length >= (verbosity ? 2 : 1)) break;
          }
        }
        assert.deepEqual(seen, verbosity ? ['\x01topic', '\x01topic'] : ['\x01topic']);
      }
    });

    test('XPUB manual with welcome message: the application applies the subscription', async () => {
      const xpub = ours(new XPublisher({ linger: 0, manual: true, welcomeMessage: 'WELCOME' }));
      await xpub.bind('tcp://127.0.0.1:*');
      const sub = await theirs('SUB');
      await sub.set('subscribe', 'WELCOME');
      await sub.set('subscribe', 'weather');
      await sub.connect(xpub.lastEndpoint!);
      assert.deepEqual(text(await sub.receive()), ['WELCOME']);
      const got = [text(await xpub.receive())[0], text(await xpub.receive())[0]];
      assert.deepEqual(got.sort(), ['\x01WELCOME', '\x01weather']);
      // Manual: nothing is applied until the application says so (for the peer heard last).
      xpub.subscribe('weather');
      await xpub.send(['weather', 'sunny']);
      assert.deepEqual(text(await sub.receive()), ['weather', 'sunny']);
    });

    test('conflate: engine PULL keeps only the newest of many libzmq messages', async () => {
      const pull = ours(new Pull({ linger: 0, conflate: true }));
      await pull.bind('tcp://127.0.0.1:*');
      const push = await theirs('PUSH');
      await push.connect(pull.lastEndpoint!);
      for (let i = 0; i < 50; i++) await push.send(`v${i}`);
      // Read until the newest arrives: every read returns the newest queued at that moment, so
      // values only go up and fewer than 50 reads are needed.
      const reads: number[] = [];
      while (reads.at(-1) !== 49) reads.push(Number((await pull.receive())[0].toString().slice(1)));
      assert.ok(
        reads.every((v, i) => i === 0 || v > reads[i - 1]),
        `increasing: ${reads.join(',')}`,
      );
    });

    test('engine SUB unsubscribe and XSUB user messages reach a libzmq XPUB', async () => {
      const xpub = await theirs('XPUB');
      const endpoint = await xpub.bind('tcp://127.0.0.1:*');
      const sub = ours(new Subscriber({ linger: 0 }));
      sub.connect(endpoint);
      sub.subscribe('a', 'b');
      assert.deepEqual([text(await xpub.receive())[0], text(await xpub.receive())[0]].sort(), ['\x01a', '\x01b']);
      sub.unsubscribe('a');
      assert.deepEqual(text(await xpub.receive()), ['\x00a'], 'CANCEL for the last reference');
      await xpub.send('b-data');
      assert.deepEqual(text(await sub.receive()), ['b-data']);

      const xsub = ours(new XSubscriber({ linger: 0 }));
      xsub.connect(endpoint);
      await xsub.send(['upstream', 'message']);
      assert.deepEqual(text(await xpub.receive()), ['upstream', 'message']);
    });

    test('SUB invertMatching with a libzmq PUB that inverts too', async () => {
      const pub = await theirs('PUB');
      // libzmq: inverted matching must be set on both sides.
      await pub.set('invertMatching', true);
      const sub = ours(new Subscriber({ linger: 0, invertMatching: true }));
      sub.subscribe('skip');
      sub.connect(await pub.bind('tcp://127.0.0.1:*'));
      sub.receiveTimeout = 100;
      const got = await retry('inverted SUB hears the PUB', async () => {
        await pub.send('skip-this');
        await pub.send('take-this');
        return text(await sub.receive());
      });
      assert.deepEqual(got, ['take-this']);
      await pub.send('skip-again');
      await pub.send('take-again');
      for (;;) {
        const m = text(await sub.receive())[0];
        assert.ok(!m.startsWith('skip'), `delivered ${m}`);
        if (m === 'take-again') break;
      }
    });
  });
}
