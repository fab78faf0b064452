import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipe } from '../../../core/engine/pipe.js';
import { LoadBalancer } from '../../../core/engine/strategies/lb.js';
import { FairQueue } from '../../../core/engine/strategies/fq.js';
import { Distributor } from '../../../core/engine/strategies/dist.js';
import { RouterTable } from '../../../core/engine/strategies/router-table.js';
import { MultiTrie, Trie } from '../../../core/engine/strategies/trie.js';
import { msg, str } from './harness.js';

const b = (s: string) => Buffer.from(s);

function pipes(n: number, hwm = 0): [Pipe, Pipe][] {
  return Array.from({ length: n }, () => Pipe.pair(hwm, hwm));
}

test('Trie: prefix matching with reference counts', () => {
  const t = new Trie();
  assert.equal(t.check(b('anything')), false, 'nothing subscribed matches nothing');
  assert.equal(t.add(b('ab')), true);
  assert.equal(t.add(b('ab')), false, 'second reference is not new');
  assert.equal(t.check(b('abc')), true);
  assert.equal(t.check(b('ab')), true);
  assert.equal(t.check(b('a')), false);
  assert.equal(t.check(b('xab')), false);
  assert.equal(t.rm(b('ab')), false, 'one reference left');
  assert.equal(t.check(b('abc')), true);
  assert.equal(t.rm(b('ab')), true, 'last reference removed');
  assert.equal(t.check(b('abc')), false);
  assert.equal(t.rm(b('ab')), false, 'removing what is not there');
  assert.equal(t.size, 0);
  t.add(b(''));
  assert.equal(t.check(b('')), true, 'empty prefix matches everything');
  assert.equal(t.check(b('zzz')), true);
  t.add(b('x\x00y'));
  const all: string[] = [];
  t.forEach((p) => all.push(p.toString('hex')));
  assert.deepEqual(all.sort(), ['', '780079']);
});

test('MultiTrie: pipes per prefix, match each pipe once, removal results', async () => {
  const [[p1], [p2]] = pipes(2);
  const t = new MultiTrie();
  assert.equal(t.add(b('a'), p1), true);
  assert.equal(t.add(b('ab'), p1), true);
  assert.equal(t.add(b('a'), p2), false, 'a prefix already held by another pipe');
  const seen: Pipe[] = [];
  t.match(b('abc'), (p) => seen.push(p));
  assert.deepEqual(seen, [p1, p2], 'p1 matched once although two of its prefixes match');
  seen.length = 0;
  t.match(b('b'), (p) => seen.push(p));
  assert.equal(seen.length, 0);
  assert.equal(t.rm(b('a'), p2), 'values_remain');
  assert.equal(t.rm(b('zz'), p2), 'not_found');
  const removed: string[] = [];
  t.rmPipe(p1, (p) => removed.push(p.toString()), true);
  while (t.removing > 0) await new Promise((r) => setImmediate(r));
  assert.deepEqual(removed, ['a', 'ab']);
  seen.length = 0;
  t.match(b('abc'), (p) => seen.push(p));
  assert.equal(seen.length, 0);
});

test('LoadBalancer: round-robin, skips a full pipe until it has room again', () => {
  const lb = new LoadBalancer();
  const ps = pipes(3, 1);
  for (const [local] of ps) lb.attach(local);
  const order: number[] = [];
  for (let i = 0; i < 3; i++) {
    const took = lb.send(msg(`m${i}`));
    order.push(ps.findIndex(([l]) => l === took));
  }
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(lb.send(msg('x')), undefined, 'all three at HWM 1');
  assert.equal(lb.hasOut(), false);
  // Peer 1 reads: its pipe reports room, and only it gets the next message.
  assert.deepEqual(str(ps[1][1].read()), ['m1']);
  lb.activated(ps[1][0]);
  assert.equal(lb.hasOut(), true);
  assert.equal(lb.send(msg('y')), ps[1][0]);
  lb.detach(ps[0][0]);
  assert.equal(lb.pipeCount, 2);
});

test('FairQueue: one message from each pipe in turn', () => {
  const fq = new FairQueue();
  const ps = pipes(3);
  for (const [local] of ps) fq.attach(local);
  ps.forEach(([, remote], i) => {
    for (let k = 0; k < 3; k++) remote.write(msg(`p${i}-${k}`));
  });
  const got: string[] = [];
  for (let m = fq.recv(); m; m = fq.recv()) got.push(m[0].toString());
  assert.deepEqual(got, ['p0-0', 'p1-0', 'p2-0', 'p0-1', 'p1-1', 'p2-1', 'p0-2', 'p1-2', 'p2-2']);
  assert.equal(fq.hasIn(), false);
  ps[2][1].write(msg('late'));
  fq.activated(ps[2][0]);
  assert.equal(fq.hasIn(), true);
  assert.deepEqual(str(fq.recv()), ['late']);
});

test('Distributor: full pipes miss the message, matching subsets, reverse match', () => {
  const d = new Distributor();
  const ps = pipes(3, 1);
  for (const [local] of ps) d.attach(local);
  d.sendToAll(msg('one'));
  ps[0][1].read();
  d.activated(ps[0][0]);
  d.sendToAll(msg('two'));
  assert.deepEqual(str(ps[0][1].read()), ['two']);
  assert.deepEqual(str(ps[1][1].read()), ['one'], 'pipe 1 was full and missed "two"');
  assert.equal(ps[1][1].read(), undefined);
  // Everyone has room again; match only pipe 2, then the reverse (0 and 1).
  d.activated(ps[1][0]);
  ps[2][1].read();
  d.activated(ps[2][0]);
  d.match(ps[2][0]);
  d.sendToMatching(msg('only2'));
  assert.deepEqual(str(ps[2][1].read()), ['only2']);
  assert.equal(ps[0][1].read(), undefined);
  d.match(ps[2][0]);
  d.reverseMatch();
  d.sendToMatching(msg('not2'));
  assert.deepEqual(str(ps[0][1].read()), ['not2']);
  assert.deepEqual(str(ps[1][1].read()), ['not2']);
  assert.equal(ps[2][1].read(), undefined);
});

test('RouterTable: generated ids are 5 bytes starting with 0 and unique', () => {
  const t = new RouterTable();
  const ids = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const id = t.generate();
    assert.equal(id.length, 5);
    assert.equal(id[0], 0);
    const [p] = Pipe.pair(0, 0);
    t.add(id, p);
    ids.add(id.toString('hex'));
    assert.equal(t.get(id), p);
  }
  assert.equal(ids.size, 100);
});
