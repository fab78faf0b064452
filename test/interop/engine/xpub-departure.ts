// What an XPUB application and the peers that stay see when a subscriber holding many topics leaves,
// run with the same code against zeromq.js (libzmq 4.3.5; xpub-departure-zeromq.test.ts) and against
// the engine (xpub-departure-engine.test.ts), whose removal of the departed topics is spread over
// several loop turns (issue 11; the turns are counted in test/unit/engine/xpub-departure.test.ts).
// libzmq reports the departed peer's unsubscriptions at once, walking its trie bytewise (a prefix
// before its extensions): only topics no other peer holds, or all of them with verbosity
// 'allSubsUnsubs'. A peer that subscribes to the same topics afterwards is reported as new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as zeromq from 'zeromq';
import { freedPort } from '../../helpers/port.js';

type Zmq = typeof zeromq;

const N = 2000;
const SHARED = 100;
const topic = (i: number) => `t/${i}/`;
const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function departureSuite(name: string, zmq: Zmq): void {
  for (const verbosity of [null, 'allSubsUnsubs'] as const) {
    test(`${name}: XPUB verbosity ${verbosity}: a subscriber with ${N} topics leaves; notices and deliveries`, async () => {
      const opts = { linger: 0, receiveTimeout: 30_000 };
      const xpub = new zmq.XPublisher({ ...opts, verbosity, receiveHighWaterMark: 0 });
      const stays = new zmq.Subscriber(opts);
      // An XSUB (subscriptions as messages) without a send high-water mark: a SUB's subscribe() drops
      // what is beyond libzmq's 1,000 when its pipe credit is not refreshed meanwhile.
      const leaves = new zmq.XSubscriber({ ...opts, sendHighWaterMark: 0 });
      const late = new zmq.Subscriber(opts);
      try {
        const address = `tcp://127.0.0.1:${await freedPort()}`;
        await xpub.bind(address);
        const notices = async (count: number) => {
          const got: string[] = [];
          while (got.length < count) got.push((await xpub.receive())[0].toString());
          return got;
        };

        stays.connect(address);
        stays.subscribe(...Array.from({ length: SHARED }, (_, i) => topic(i)));
        assert.equal((await notices(SHARED)).length, SHARED);
        leaves.connect(address);
        for (let i = 0; i < N; i++) await leaves.send(`\x01${topic(i)}`);
        const fresh = Array.from({ length: N }, (_, i) => i)
          .filter((i) => verbosity || i >= SHARED)
          .map((i) => `\x01${topic(i)}`);
        assert.deepEqual(await notices(fresh.length), fresh);

        leaves.close();
        const held = Array.from({ length: N }, (_, i) => topic(i)).slice(verbosity ? 0 : SHARED);
        const expectedUnsubs = held.sort(bytewise).map((t) => `\x00${t}`);
        assert.deepEqual(await notices(expectedUnsubs.length), expectedUnsubs);

        // The same topics again from a new peer: new to the XPUB once the old holder has left.
        const lateTopics = [50, 150, N - 1, 7].map(topic);
        late.connect(address);
        late.subscribe(...lateTopics);
        const expectedLate = lateTopics.filter((t) => verbosity || (t !== topic(50) && t !== topic(7))).map((t) => `\x01${t}`);
        assert.deepEqual(await notices(expectedLate.length), expectedLate);

        for (let i = 0; i < N; i++) await xpub.send(topic(i));
        await xpub.send([topic(7), 'end']);
        const until = async (s: zeromq.Subscriber) => {
          const got: string[] = [];
          for (;;) {
            const m = (await s.receive()).map((f) => f.toString());
            got.push(m.join('|'));
            if (m[1] === 'end') return got;
          }
        };
        assert.deepEqual(await until(stays), [...Array.from({ length: SHARED }, (_, i) => topic(i)), `${topic(7)}|end`]);
        assert.deepEqual(await until(late), [topic(7), topic(50), topic(150), topic(N - 1), `${topic(7)}|end`]);
        // Nothing else was reported: the next notice is the next subscription.
        stays.subscribe('z/');
        assert.deepEqual(await notices(1), ['\x01z/']);
      } finally {
        for (const s of [xpub, stays, leaves, late] as Array<{ closed: boolean; close(): void }>) if (!s.closed) s.close();
      }
    });
  }
}
