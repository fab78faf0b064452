// The radix subscription tries against the plainest model (a map of prefixes), under random adds,
// removals, pipe removals and lookups over a small alphabet (so edges split and merge all the time),
// plus a deep chain of nested prefixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipe } from '../../../core/engine/pipe.js';
import { MultiTrie, Trie } from '../../../core/engine/strategies/trie.js';
import { prng } from '../../helpers/random.js';

function randomKey(rand: () => number): Buffer {
  const n = Math.floor(rand() * 7);
  return Buffer.from(Array.from({ length: n }, () => [0x61, 0x62, 0x00, 0xff][Math.floor(rand() * 4)]));
}

const isPrefix = (p: string, data: Buffer) => data.toString('latin1').startsWith(p);

test('Trie matches a model: reference counts, prefix checks and the prefixes listed', () => {
  const rand = prng(5);
  const t = new Trie();
  const model = new Map<string, number>();
  for (let step = 0; step < 20_000; step++) {
    const key = randomKey(rand);
    const k = key.toString('latin1');
    const r = rand();
    if (r < 0.45) {
      assert.equal(t.add(key), !model.has(k));
      model.set(k, (model.get(k) ?? 0) + 1);
    } else if (r < 0.8) {
      const n = model.get(k) ?? 0;
      assert.equal(t.rm(key), n === 1, `rm ${key.toString('hex')}`);
      if (n === 1) model.delete(k);
      else if (n > 1) model.set(k, n - 1);
    } else {
      assert.equal(
        t.check(key),
        [...model.keys()].some((p) => isPrefix(p, key)),
        `check ${key.toString('hex')} at step ${step}`,
      );
    }
    assert.equal(t.size, model.size);
  }
  const listed: string[] = [];
  t.forEach((p) => listed.push(p.toString('latin1')));
  assert.deepEqual(listed.sort(), [...model.keys()].sort());
});

// A departed pipe's subscriptions are removed over several loop turns (a few nodes a turn here), while
// adds, removals and lookups go on: the model drops the pipe at once, as libzmq does, and the trie must
// answer as if it had; the reports must come in libzmq's order (bytewise, a prefix before its extensions).
test('MultiTrie matches a model: pipes per prefix, each matched once, removal results, whole-pipe removal over turns', async () => {
  const rand = prng(6);
  const ps = Array.from({ length: 3 }, () => Pipe.pair(0, 0)[0]);
  const t = new MultiTrie(3);
  const removals: Array<{ got: string[]; expected: string[] }> = [];
  let turns = 0;
  const model = new Map<string, Set<Pipe>>();
  for (let step = 0; step < 20_000; step++) {
    const key = randomKey(rand);
    const k = key.toString('latin1');
    const pipe = ps[Math.floor(rand() * ps.length)];
    const r = rand();
    if (r < 0.45) {
      assert.equal(t.add(key, pipe), !model.has(k));
      model.set(k, (model.get(k) ?? new Set()).add(pipe));
    } else if (r < 0.75) {
      const set = model.get(k);
      const expected = !set?.has(pipe) ? 'not_found' : set.size === 1 ? 'last_value_removed' : 'values_remain';
      assert.equal(t.rm(key, pipe), expected);
      set?.delete(pipe);
      if (set && set.size === 0) model.delete(k);
    } else if (r < 0.77) {
      const removal = { got: [] as string[], expected: [] as string[] };
      removals.push(removal);
      const onlyLast = rand() < 0.5;
      t.rmPipe(pipe, (p) => removal.got.push(p.toString('latin1')), onlyLast);
      for (const [p, set] of model) {
        if (set.delete(pipe) && (!onlyLast || set.size === 0)) removal.expected.push(p);
        if (set.size === 0) model.delete(p);
      }
      removal.expected.sort();
      // A departed pipe never comes back: a fresh one takes its place.
      ps[ps.indexOf(pipe)] = Pipe.pair(0, 0)[0];
    } else if (r < 0.8) {
      await new Promise((res) => setImmediate(res));
      turns++;
    } else {
      const got: Pipe[] = [];
      t.match(key, (p) => got.push(p));
      const expected = new Set<Pipe>();
      for (const [p, set] of model) if (isPrefix(p, key)) for (const x of set) expected.add(x);
      assert.equal(got.length, new Set(got).size, 'each pipe once');
      assert.deepEqual(new Set(got), expected);
    }
  }
  while (t.removing > 0) {
    await new Promise((res) => setImmediate(res));
    turns++;
  }
  assert.ok(removals.length > 100, `${removals.length} whole-pipe removals exercised`);
  for (const r of removals) assert.deepEqual(r.got, r.expected);
  assert.ok(turns > removals.length, 'removals took turns');
});

test('deep chains (every prefix of a long topic subscribed) are listed, removed and no longer matched', async () => {
  const t = new Trie();
  const m = new MultiTrie();
  const [pipe] = Pipe.pair(0, 0);
  const long = Buffer.alloc(3000, 0x61);
  for (let n = 1; n <= long.length; n++) {
    t.add(long.subarray(0, n));
    m.add(long.subarray(0, n), pipe);
  }
  let count = 0;
  t.forEach(() => count++);
  assert.equal(count, 3000);
  let removed = 0;
  m.rmPipe(pipe, () => removed++, true);
  let matched = 0;
  m.match(long, () => matched++);
  assert.equal(matched, 0, 'a departed pipe matches nothing, even before its removal is done');
  while (m.removing > 0) await new Promise((res) => setImmediate(res));
  assert.equal(removed, 3000);
});
