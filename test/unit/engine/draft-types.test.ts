// Draft socket types (SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, DGRAM) on real pipes: libzmq's rules
// for routing ids, HWM (EAGAIN vs drop), single-part messages and group filtering. Interop with libzmq is
// in test/interop/engine/draft.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientType } from '../../../core/engine/types/client.js';
import { DgramType } from '../../../core/engine/types/dgram.js';
import { DishType } from '../../../core/engine/types/dish.js';
import { GatherType } from '../../../core/engine/types/gather.js';
import { RadioType } from '../../../core/engine/types/radio.js';
import { ScatterType } from '../../../core/engine/types/scatter.js';
import { ServerType } from '../../../core/engine/types/server.js';
import { Server, Client, Radio, Dish, Context } from '../../../core/internal.js';
import { attachPeer, TestHost } from './harness.js';

const b = (s: string) => Buffer.from(s);
const rid = (n: number) => {
  const r = Buffer.alloc(4);
  r.writeUInt32BE(n);
  return r;
};

describe('ServerType', () => {
  test('gives each peer a distinct non-zero 32-bit id and tags received messages with it', () => {
    const server = new ServerType(new TestHost());
    const p1 = attachPeer(server);
    const p2 = attachPeer(server);
    p1.remote.write([b('one')]);
    p2.remote.write([b('two')]);
    const got = [server.receive()!, server.receive()!];
    const ids = got.map((m) => m[0].readUInt32BE(0));
    assert.equal(
      got
        .map((m) => m[1].toString())
        .sort()
        .join(),
      'one,two',
    );
    assert.notEqual(ids[0], ids[1]);
    assert.ok(ids.every((id) => id !== 0));
    // Replies go to the peer the id names.
    const idOfOne = ids[got.findIndex((m) => m[1].toString() === 'one')];
    assert.equal(server.send([rid(idOfOne), b('back')]), true);
    assert.deepEqual(p1.drain(), [['back']]);
    assert.deepEqual(p2.drain(), []);
  });

  test('unknown id: EHOSTUNREACH; peer at its HWM: would block (EAGAIN); multipart from a peer dropped', () => {
    const server = new ServerType(new TestHost());
    const p = attachPeer(server, { sendHwm: 1 });
    p.remote.write([b('multi'), b('part')]);
    p.remote.write([b('hi')]);
    const m = server.receive()!;
    assert.equal(m[1].toString(), 'hi', 'the two-frame message was skipped');
    const id = m[0].readUInt32BE(0);
    assert.throws(() => server.send([rid(id + 1 || 1), b('x')]), { code: 'EHOSTUNREACH' });
    assert.equal(server.send([rid(id), b('first')]), true);
    assert.equal(server.send([rid(id), b('second')]), false, 'full: the Socket waits or answers EAGAIN');
    p.local.terminate();
    server.detach(p.local);
    assert.throws(() => server.send([rid(id), b('gone')]), { code: 'EHOSTUNREACH' });
  });
});

describe('ClientType / ScatterType / GatherType', () => {
  test('CLIENT round-robins, rejects multipart, drops multipart input', () => {
    const client = new ClientType(new TestHost());
    const a = attachPeer(client);
    const c = attachPeer(client);
    for (const s of ['1', '2', '3', '4']) assert.equal(client.send([b(s)]), true);
    assert.deepEqual(
      [a.drain().flat(), c.drain().flat()],
      [
        ['1', '3'],
        ['2', '4'],
      ],
    );
    assert.throws(() => client.send([b('x'), b('y')]), { code: 'EINVAL' });
    a.remote.write([b('x'), b('y')]);
    a.remote.write([b('z')]);
    assert.deepEqual(client.receive()?.map(String), ['z']);
  });

  test('CLIENT with no peer would block', () => {
    assert.equal(new ClientType(new TestHost()).send([b('x')]), false);
  });

  test('SCATTER round-robins single parts; GATHER fair-queues and drops multipart; conflate keeps the newest', () => {
    const scatter = new ScatterType(new TestHost());
    const g1 = attachPeer(scatter);
    const g2 = attachPeer(scatter);
    assert.equal(scatter.send([b('a')]), true);
    assert.equal(scatter.send([b('b')]), true);
    assert.deepEqual([g1.drain(), g2.drain()], [[['a']], [['b']]]);
    assert.throws(() => scatter.send([b('a'), b('b')]), { code: 'EINVAL' });
    assert.throws(() => scatter.receive(), { code: 'ENOTSUP' });

    const gather = new GatherType(new TestHost());
    const s1 = attachPeer(gather);
    const s2 = attachPeer(gather);
    s1.remote.write([b('x1')]);
    s1.remote.write([b('x'), b('multi')]);
    s1.remote.write([b('x2')]);
    s2.remote.write([b('y1')]);
    const order: string[] = [];
    for (let m = gather.receive(); m; m = gather.receive()) order.push(m[0].toString());
    assert.deepEqual(order, ['x1', 'y1', 'x2']);
    assert.throws(() => gather.send(), { code: 'ENOTSUP' });

    const conflating = new GatherType(new TestHost({ conflate: true }));
    const s3 = attachPeer(conflating);
    for (const s of ['old', 'older', 'newest']) s3.remote.write([b(s)]);
    assert.deepEqual(conflating.receive()?.map(String), ['newest']);
    assert.equal(conflating.receive(), undefined);
  });
});

describe('RadioType / DishType', () => {
  test('RADIO sends a group only to peers that joined it, and never blocks at the HWM', () => {
    const radio = new RadioType(new TestHost());
    const d1 = attachPeer(radio, { sendHwm: 2 });
    const d2 = attachPeer(radio);
    d1.remote.write([Buffer.from('\x01news')]);
    d2.remote.write([Buffer.from('\x01sport')]);
    for (let i = 0; i < 5; i++) assert.equal(radio.send([b('news'), b(`n${i}`)]), true);
    radio.send([b('sport'), b('s0')]);
    radio.send([b('weather'), b('w0')]);
    assert.deepEqual(
      d1.drain(),
      [
        ['news', 'n0'],
        ['news', 'n1'],
      ],
      'two fit under the HWM, the rest were dropped',
    );
    assert.deepEqual(d2.drain(), [['sport', 's0']]);
    d2.remote.write([Buffer.from('\x00sport')]);
    radio.send([b('sport'), b('s1')]);
    assert.deepEqual(d2.drain(), []);
  });

  test('RADIO with noDrop waits while a joined peer is full instead of dropping', () => {
    const radio = new RadioType(new TestHost());
    assert.equal(radio.setOption('noDrop', true), true);
    assert.equal(radio.getOption('noDrop'), true);
    assert.throws(
      () => radio.setOption('noDrop', 1),
      { name: 'TypeError', message: 'Option value must be a boolean' },
      'a value of the wrong type is a TypeError, as in zeromq.js',
    );
    const d = attachPeer(radio, { sendHwm: 1 });
    const other = attachPeer(radio, { sendHwm: 1 });
    d.remote.write([Buffer.from('\x01g')]);
    assert.equal(radio.send([b('g'), b('1')]), true);
    assert.equal(radio.send([b('h'), b('nobody joined h')]), true, 'no matching pipe is full');
    assert.equal(radio.send([b('g'), b('2')]), false, 'the joined peer is at its HWM');
    assert.deepEqual(d.drain(), [['g', '1']]);
    assert.equal(radio.send([b('g'), b('2')]), true);
    assert.deepEqual(d.drain(), [['g', '2']]);
    assert.deepEqual(other.drain(), []);
  });

  test('a udp:// pipe gets every group', () => {
    const radio = new RadioType(new TestHost());
    const udp = attachPeer(radio, {
      before: (remote) => {
        remote.peer.endpoint = 'udp://127.0.0.1:5555';
      },
    });
    radio.send([b('any'), b('x')]);
    assert.deepEqual(udp.drain(), [['any', 'x']]);
  });

  test('DISH sends joins to new and existing peers, filters groups, rejects double join and unknown leave', () => {
    const dish = new DishType(new TestHost());
    dish.join(b('a'));
    const r1 = attachPeer(dish);
    assert.deepEqual(r1.drain(), [['\x01a']], 'a new peer learns the groups already joined');
    dish.join(b('b'));
    assert.deepEqual(r1.drain(), [['\x01b']]);
    assert.throws(() => dish.join(b('b')), { code: 'EINVAL' });
    assert.throws(() => dish.leave(b('c')), { code: 'EINVAL' });
    assert.throws(() => dish.join(Buffer.alloc(256)), { code: 'EINVAL' });
    r1.remote.write([b('z'), b('not joined')]);
    r1.remote.write([b('a'), b('yes')]);
    r1.remote.write([b('single frame')]);
    assert.deepEqual(dish.receive()?.map(String), ['a', 'yes']);
    assert.equal(dish.receive(), undefined);
    // hasIn looks past messages of other groups, like libzmq's dish (so Poller's POLLIN means a message).
    r1.remote.write([b('z'), b('skip me')]);
    assert.equal(dish.hasIn(), false);
    r1.remote.write([b('z'), b('skip me too')]);
    r1.remote.write([b('b'), b('for b')]);
    assert.equal(dish.hasIn(), true);
    assert.deepEqual(dish.receive()?.map(String), ['b', 'for b']);
    dish.leave(b('a'));
    assert.deepEqual(r1.drain(), [['\x00a']]);
    r1.remote.write([b('a'), b('after leave')]);
    assert.equal(dish.receive(), undefined);
  });
});

describe('DgramType', () => {
  test('one pipe, [address, body] messages only', () => {
    const d = new DgramType(new TestHost());
    assert.equal(d.send([b('1.2.3.4:5'), b('x')]), false, 'no udp endpoint yet');
    const p = attachPeer(d);
    const second = attachPeer(d);
    assert.equal(second.events.terminated || !second.local.active, true, 'a second pipe is refused');
    assert.throws(() => d.send([b('x')]), { code: 'EINVAL' });
    assert.equal(d.send([b('1.2.3.4:5'), b('x')]), true);
    assert.deepEqual(p.drain(), [['1.2.3.4:5', 'x']]);
  });
});

describe('public draft classes over inproc', () => {
  test('Server/Client: receive gives [msg, { routingId }], async iteration too; sendTimeout 0 at the HWM is EAGAIN', async () => {
    const ctx = new Context();
    const server = new Server({ linger: 0, sendHighWaterMark: 1, receiveHighWaterMark: 1 }, ctx);
    const client = new Client({ linger: 0, sendHighWaterMark: 1, receiveHighWaterMark: 1 }, ctx);
    try {
      await server.bind('inproc://draft-unit');
      client.connect('inproc://draft-unit');
      await client.send('hello');
      const [msg, { routingId }] = await server.receive();
      assert.equal(msg.toString(), 'hello');
      server.sendTimeout = 0;
      let sent = 0;
      await assert.rejects(
        async () => {
          for (;;) {
            await server.send(`m${sent}`, { routingId });
            sent++;
          }
        },
        { code: 'EAGAIN' },
      );
      assert.ok(sent >= 1 && sent <= 2, `${sent} messages fit in HWM 1+1`);
      await client.send('again');
      for await (const [m, opts] of server as AsyncIterable<unknown> as AsyncIterable<[Buffer, { routingId: number }]>) {
        assert.equal(m.toString(), 'again');
        assert.equal(opts.routingId, routingId);
        break;
      }
    } finally {
      server.close();
      client.close();
    }
  });

  test('Radio/Dish: receive gives [msg, { group }]', async () => {
    const ctx = new Context();
    const radio = new Radio({ linger: 0 }, ctx);
    const dish = new Dish({ linger: 0 }, ctx);
    try {
      await radio.bind('inproc://draft-unit-rd');
      dish.connect('inproc://draft-unit-rd');
      dish.join('g', Buffer.from('h'));
      await radio.send('for h', { group: 'h' });
      const [msg, { group }] = await dish.receive();
      assert.deepEqual([msg.toString(), group.toString()], ['for h', 'h']);
    } finally {
      radio.close();
      dish.close();
    }
  });
});
