// libzmq's specified socket behaviours, checked with the engine against real libzmq peers
// (zeromq.js / libzmq 4.3.5 and pyzmq / libzmq 4.3.4): round-robin, fair-queue, envelopes through
// ROUTER and REP, EAGAIN with no peers, multipart all-or-nothing at the HWM, SUB re-subscription
// after the publisher restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dealer, Pull, Push, Reply, Router, Subscriber } from '../../../core/engine/sockets.js';
import { setWireTap } from '../../../core/engine/wiretap.js';
import type { ZmqError } from '../../../core/engine/errors.js';
import { endpointFor, pyzmq, text, zeromqJs, type PeerLib } from './peers/peers.js';
import { keepingAlive } from '../../helpers/keep-alive.js';

const libs: Array<[string, () => Promise<PeerLib>]> = [
  ['zeromq.js (libzmq 4.3.5)', zeromqJs],
  ['pyzmq (libzmq 4.3.4)', pyzmq],
];

for (const [libName, makeLib] of libs) {
  describe(`spec behaviours against ${libName}`, () => {
    let lib: PeerLib;
    before(async () => {
      lib = await makeLib();
    });
    after(async () => {
      await lib?.close();
    });

    for (const kind of ['PUSH', 'DEALER'] as const) {
      test(`${kind} round-robins across 3 libzmq peers`, async () => {
        const peers = await Promise.all([0, 1, 2].map(() => lib.socket(kind === 'PUSH' ? 'PULL' : 'ROUTER')));
        const ours = kind === 'PUSH' ? new Push({ linger: 0 }) : new Dealer({ linger: 0 });
        try {
          // Connecting creates each peer's queue at once, in this order, so the rotation is known.
          for (const p of peers) ours.connect(await p.bind(endpointFor('tcp')));
          for (let i = 0; i < 9; i++) await ours.send([`m${i}`, 'part']);
          for (let k = 0; k < 3; k++) {
            const got: string[] = [];
            for (let j = 0; j < 3; j++) {
              const m = text(await peers[k].receive());
              got.push(kind === 'PUSH' ? m[0] : m[1]);
              assert.equal(m.at(-1), 'part');
            }
            assert.deepEqual(got, [`m${k}`, `m${k + 3}`, `m${k + 6}`]);
          }
        } finally {
          ours.close();
          for (const p of peers) await p.close();
        }
      });
    }

    test('PULL fair-queues from 3 libzmq peers', async () => {
      const ours = new Pull({ linger: 0 });
      const senders = await Promise.all([0, 1, 2].map(() => lib.socket('PUSH')));
      // Wait until every sender's last message has reached our connections (the wire tap sees the
      // bytes just before they are decoded into the socket's queues), then read: fairness shows.
      const markers = new Set(['s0-4', 's1-4', 's2-4']);
      const seenAll = new Promise<void>((resolve) => {
        const inbound = new Map<number, string>();
        setWireTap((chunk) => {
          if (chunk.direction !== 'in') return;
          // Per connection, so a marker split across two reads is still found.
          const s = (inbound.get(chunk.connectionId) ?? '') + chunk.data.toString('latin1');
          inbound.set(chunk.connectionId, s);
          for (const m of markers) if (s.includes(m)) markers.delete(m);
          if (markers.size === 0) resolve();
        });
      });
      try {
        const endpoint = (await ours.bind('tcp://127.0.0.1:*'), ours.lastEndpoint!);
        for (const s of senders) await s.connect(endpoint);
        for (let k = 0; k < 5; k++) for (let i = 0; i < 3; i++) await senders[i].send(`s${i}-${k}`);
        await keepingAlive(seenAll);
        await new Promise((r) => setImmediate(r));
        const got: string[] = [];
        for (let n = 0; n < 15; n++) got.push((await ours.receive())[0].toString());
        const order = got.slice(0, 3).map((m) => m.slice(0, 2));
        assert.equal(new Set(order).size, 3, `first three from three different peers: ${got.join(' ')}`);
        got.forEach((m, n) => {
          assert.equal(m, `${order[n % 3]}-${Math.floor(n / 3)}`, `one message per peer in turn: ${got.join(' ')}`);
        });
      } finally {
        setWireTap(undefined);
        ours.close();
        for (const s of senders) await s.close();
      }
    });

    test('envelopes are preserved through ROUTER and REP', async () => {
      // libzmq DEALER -> engine ROUTER: multi-hop envelope in, same envelope back out.
      const router = new Router({ linger: 0 });
      const dealer = await lib.socket('DEALER');
      // libzmq ROUTER -> engine REP: the REP strips and restores the whole envelope.
      const rep = new Reply({ linger: 0 });
      const front = await lib.socket('DEALER');
      try {
        await dealer.set('routingId', 'client-1');
        await dealer.connect((await router.bind('tcp://127.0.0.1:*'), router.lastEndpoint!));
        await dealer.send(['hopA', 'hopB', '', 'request']);
        const inbound = text(await router.receive());
        assert.deepEqual(inbound, ['client-1', 'hopA', 'hopB', '', 'request']);
        await router.send(['client-1', 'hopA', 'hopB', '', 'reply']);
        assert.deepEqual(text(await dealer.receive()), ['hopA', 'hopB', '', 'reply']);

        // A DEALER in front of the REP stands for a chain of ROUTER hops: x1, x2 are their ids.
        await front.connect((await rep.bind('tcp://127.0.0.1:*'), rep.lastEndpoint!));
        await front.send(['x1', 'x2', '', 'job', 'part2']);
        assert.deepEqual(text(await rep.receive()), ['job', 'part2']);
        await rep.send(['done']);
        assert.deepEqual(text(await front.receive()), ['x1', 'x2', '', 'done']);
      } finally {
        router.close();
        rep.close();
        await dealer.close();
        await front.close();
      }
    });

    test('SUB re-subscribes after the libzmq PUB restarts on the same endpoint', async () => {
      const sub = new Subscriber({ linger: 0, reconnectInterval: 50 });
      let pub = await lib.socket('PUB');
      try {
        const endpoint = await pub.bind('tcp://127.0.0.1:*');
        sub.subscribe('news');
        sub.connect(endpoint);
        sub.receiveTimeout = 100;
        const receiveFrom = async (p: typeof pub) => {
          for (let i = 0; i < 200; i++) {
            await p.send(['news', `try ${i}`]);
            await p.send(['other', 'filtered']);
            try {
              return text(await sub.receive());
            } catch {
              // not subscribed yet (or not reconnected yet)
            }
          }
          throw new Error('no message after 200 tries');
        };
        assert.equal((await receiveFrom(pub))[0], 'news');
        await pub.close();
        pub = await lib.socket('PUB');
        // A new publisher knows no subscriptions; only the SUB's re-subscription makes data flow.
        // The freed port may briefly serve as some other connection's source port (EADDRINUSE): retry.
        for (let i = 0; ; i++) {
          try {
            await pub.bind(endpoint);
            break;
          } catch (e) {
            if ((e as { code?: string }).code !== 'EADDRINUSE' || i >= 100) throw e;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        const again = await receiveFrom(pub);
        assert.equal(again[0], 'news');
      } finally {
        sub.close();
        await pub.close();
      }
    });
  });
}

describe('the same script against the engine and against zeromq.js', () => {
  type Lib = Record<
    string,
    new (o?: object) => {
      bind(a: string): Promise<void>;
      send(m: unknown): Promise<void>;
      close(): void;
      sendTimeout: number;
      lastEndpoint: string | null;
      connect(a: string): void;
      sendHighWaterMark: number;
    }
  >;
  const engines: Array<[string, () => Promise<Lib>]> = [
    ['engine', async () => (await import('../../../core/engine/sockets.js')) as unknown as Lib],
    ['zeromq.js', async () => (await import('zeromq')) as unknown as Lib],
  ];

  for (const [name, load] of engines) {
    test(`${name}: EAGAIN on send with no peers and sendTimeout 0`, async () => {
      const z = await load();
      for (const cls of ['Push', 'Dealer', 'Request', 'Pair']) {
        const s = new z[cls]({ linger: 0, sendTimeout: 0 });
        try {
          await s.bind('tcp://127.0.0.1:*');
          await assert.rejects(s.send('nobody listens'), (e: ZmqError) => e.code === 'EAGAIN', `${cls}`);
        } finally {
          s.close();
        }
      }
    });
  }

  test('engine PUB never blocks on a slow libzmq SUB: at the HWM it drops whole messages', async () => {
    const zmq = await import('zeromq');
    const { Publisher } = await import('../../../core/engine/sockets.js');
    const pub = new Publisher({ linger: 0, sendHighWaterMark: 10, sendTimeout: 0 });
    const sub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 10 });
    try {
      await pub.bind('tcp://127.0.0.1:*');
      sub.connect(pub.lastEndpoint!);
      sub.subscribe('');
      sub.receiveTimeout = 100;
      // Wait for the subscription, then stop reading while the publisher floods.
      for (let i = 0; ; i++) {
        await pub.send(['hello', 'x']);
        try {
          await sub.receive();
          break;
        } catch {
          assert.ok(i < 200, 'subscription never arrived');
        }
      }
      const total = 2000;
      const body = Buffer.alloc(16384, 7);
      // sendTimeout 0: a blocking PUB would reject with EAGAIN here.
      for (let i = 0; i < total; i++) await pub.send([`n${i}`, body, 'end']);
      // "last" may itself be dropped while the queue is full: send it again whenever the SUB goes quiet.
      await pub.send(['last', 'end']);
      let received = 0;
      for (;;) {
        let m: Buffer[];
        try {
          m = await sub.receive();
        } catch {
          await pub.send(['last', 'end']);
          continue;
        }
        assert.equal(m.at(-1)!.toString(), 'end', 'every delivered message is whole');
        if (m[0].toString() === 'last') break;
        if (m.length === 3) {
          assert.equal(m[1].length, body.length);
          received++;
        }
      }
      assert.ok(received < total, `some messages were dropped at the HWM (got ${received} of ${total})`);
    } finally {
      pub.close();
      sub.close();
    }
  });

  test('engine: multipart messages are all-or-nothing at the HWM, delivered whole to libzmq', async () => {
    const zmq = await import('zeromq');
    const push = new Push({ linger: 0, sendTimeout: 0, sendHighWaterMark: 5 });
    const pull = new zmq.Pull({ linger: 0 });
    try {
      // Connect before anyone listens (an ipc path nobody uses yet): messages queue up to the HWM.
      const endpoint = endpointFor('ipc');
      push.connect(endpoint);
      let accepted = 0;
      for (;;) {
        try {
          await push.send([`msg${accepted}`, 'part-2', 'part-3']);
          accepted++;
        } catch (e) {
          assert.equal((e as ZmqError).code, 'EAGAIN');
          break;
        }
      }
      assert.equal(accepted, 5, 'the queue holds exactly sendHighWaterMark whole messages');
      await pull.bind(endpoint);
      for (let i = 0; i < accepted; i++) assert.deepEqual(text(await pull.receive()), [`msg${i}`, 'part-2', 'part-3']);
      // After the queue drained, sending works again.
      for (let i = 0; i < 50 && !push.writable; i++) await new Promise((r) => setTimeout(r, 10));
      await push.send(['after', 'x']);
      assert.deepEqual(text(await pull.receive()), ['after', 'x']);
    } finally {
      push.close();
      pull.close();
    }
  });
});
