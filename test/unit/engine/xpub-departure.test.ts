// A peer holding many subscriptions leaves a PUB/XPUB (issue 11: removing 100,000 topics in one walk
// stalled the loop for 200-400 ms). Its topics are removed over several loop turns, counted with a
// setImmediate ticker (never timed). Meanwhile: the departed peer gets nothing; a peer that stays, and
// one that subscribes to the same topics during the removal, get exactly what they subscribed to; the
// XPUB application sees libzmq's notices in libzmq's order (the departed peer's unsubscriptions,
// bytewise, before anything that came after it left). zeromq.js's delivery of the same scenario is
// checked in test/interop/engine/xpub-departure*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PubType, XPubType } from '../../../core/engine/types/xpub.js';
import { REMOVALS_PER_TURN } from '../../../core/engine/strategies/trie.js';
import { attachPeer, msg, str, TestHost } from './harness.js';
import { turnCounter } from '../../helpers/turns.js';

const N = 3 * REMOVALS_PER_TURN;
const topic = (i: number) => `t/${i}/`;
const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));

const nextTurn = () => new Promise((r) => setImmediate(r));

for (const verbosity of [null, 'allSubsUnsubs'] as const) {
  test(`XPUB (verbosity ${verbosity}): a departed peer's ${N} topics leave over several turns, in libzmq's order, before later notices`, async () => {
    const xpub = new XPubType(new TestHost({ verbosity }));
    const stays = attachPeer(xpub);
    const leaves = attachPeer(xpub);
    for (let i = 0; i < 100; i++) stays.remote.write(msg(`\x01${topic(i)}`));
    for (let i = 0; i < N; i++) leaves.remote.write(msg(`\x01${topic(i)}`));
    const subs: string[] = [];
    for (let m = xpub.receive(); m; m = xpub.receive()) subs.push(str(m)![0]);
    assert.equal(subs.length, verbosity ? 100 + N : N);

    const counter = turnCounter();
    leaves.remote.terminate();
    const startTurn = counter.turn;
    // Turn by turn: unsubscriptions seen, and in the first turns of the removal a third peer subscribes
    // to topics the departed one held (some shared with the staying peer).
    const notices: Array<{ frame: string; turn: number }> = [];
    const late = attachPeer(xpub);
    const lateTopics = [50, 150, N - 1, 7].map(topic);
    let lateSent = false;
    const expectedUnsubs = (
      verbosity ? Array.from({ length: N }, (_, i) => topic(i)) : Array.from({ length: N - 100 }, (_, i) => topic(i + 100))
    )
      .sort(bytewise)
      .map((t) => `\x00${t}`);
    const expectedLate = (verbosity ? lateTopics : lateTopics.filter((t) => t !== topic(50) && t !== topic(7))).map((t) => `\x01${t}`);
    for (let turns = 0; notices.length < expectedUnsubs.length + expectedLate.length; turns++) {
      assert.ok(turns < 100_000, `only ${notices.length} notices after ${turns} turns`);
      if (!lateSent && xpub.hasIn()) {
        // The removal has begun and is not over (checked below): send the same topics now.
        for (const t of lateTopics) late.remote.write(msg(`\x01${t}`));
        lateSent = true;
        // A message on those topics goes to the staying and the late peer only.
        xpub.send(msg(topic(N - 1), 'during'));
      }
      for (let m = xpub.receive(); m; m = xpub.receive()) notices.push({ frame: str(m)![0], turn: counter.turn });
      await nextTurn();
    }
    counter.stop();
    assert.deepEqual(
      notices.map((n) => n.frame),
      [...expectedUnsubs, ...expectedLate],
    );
    const unsubTurns = new Set(notices.slice(0, expectedUnsubs.length).map((n) => n.turn));
    assert.ok(unsubTurns.size >= 3, `unsubscriptions reached the application over ${unsubTurns.size} turns`);
    assert.ok(Math.min(...unsubTurns) > startTurn, 'none in the turn the peer left');
    assert.equal(xpub.receive(), undefined);

    for (let i = 0; i < N; i++) xpub.send(msg(topic(i)));
    assert.deepEqual(leaves.drain(), [], 'the departed peer got nothing');
    assert.deepEqual(
      stays.drain().map((m) => m[0]),
      Array.from({ length: 100 }, (_, i) => topic(i)),
    );
    assert.deepEqual(late.drain(), [[topic(N - 1), 'during'], [topic(7)], [topic(50)], [topic(150)], [topic(N - 1)]]);
  });
}

test('PUB: a departed peer stops matching at once; its topics leave over several turns', async () => {
  const pub = new PubType(new TestHost());
  const stays = attachPeer(pub);
  const leaves = attachPeer(pub);
  stays.remote.write(msg(`\x01${topic(1)}`));
  for (let i = 0; i < N; i++) leaves.remote.write(msg(`\x01${topic(i)}`));
  const counter = turnCounter();
  leaves.remote.terminate();
  pub.send(msg(topic(1), 'now'));
  assert.deepEqual(stays.drain(), [[topic(1), 'now']]);
  assert.deepEqual(leaves.drain(), []);
  // A new peer for the same topic during the removal.
  const late = attachPeer(pub);
  late.remote.write(msg(`\x01${topic(N - 1)}`));
  const subs = (pub as unknown as { subs: { removing: number } }).subs;
  assert.equal(subs.removing, 1);
  while (subs.removing > 0) await nextTurn();
  counter.stop();
  assert.ok(counter.turn >= 3, `removal took ${counter.turn} turns`);
  pub.send(msg(topic(N - 1)));
  pub.send(msg(topic(N - 2)));
  assert.deepEqual(late.drain(), [[topic(N - 1)]]);
  assert.deepEqual(stays.drain(), []);
});
