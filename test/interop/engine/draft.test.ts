// Draft socket types against libzmq 4.3.5's (zeromq.js `zeromq/draft.js`), both directions: SERVER/CLIENT,
// RADIO/DISH (tcp, inproc, ws, udp unicast and multicast), GATHER/SCATTER; libzmq semantics (routing ids,
// EHOSTUNREACH, single-part only, join/leave, re-join after the RADIO restarts) and bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import * as engine from '../../../core/internal.js';
import { encodeGreetingV3, encodeMessage, readyCommand } from '../../../core/zmtp/index.js';
import { nextEvent, rawConnect } from './machinery-helpers.js';

type Lib = 'ours' | 'zmq';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySocket = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let draft: any;

before(async () => {
  const original = process.emitWarning;
  // zeromq.js warns once that draft features are experimental; keep test output clean.
  process.emitWarning = () => {};
  draft = await import('zeromq/draft.js');
  process.emitWarning = original;
});

const open: AnySocket[] = [];
after(() => {
  for (const s of open) s.close();
});

function make(
  lib: Lib,
  cls: 'Server' | 'Client' | 'Radio' | 'Dish' | 'Gather' | 'Scatter' | 'Datagram' | 'Peer',
  options: Record<string, unknown> = {},
): AnySocket {
  const readable = cls !== 'Radio' && cls !== 'Scatter';
  const opts = { linger: 0, ...(readable ? { receiveTimeout: 10000 } : {}), ...options };
  const s = lib === 'ours' ? new (engine as AnySocket)[cls](opts) : new draft[cls](opts);
  open.push(s);
  return s;
}

function closeAll(...sockets: AnySocket[]): void {
  for (const s of sockets) s.close();
}

const COMBOS: Array<[Lib, Lib]> = [
  ['ours', 'zmq'],
  ['zmq', 'ours'],
  ['ours', 'ours'],
];
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP port free right now (libzmq cannot bind udp://...:*), for DISH binds. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends from RADIO until the DISH gets something (joins travel asynchronously), then returns it. */
async function radioUntilHeard(radio: AnySocket, dish: AnySocket, group: string, body: string): Promise<[Buffer, { group: Buffer }]> {
  const first = dish.receive();
  for (let i = 0; i < 200; i++) {
    await radio.send(body, { group });
    const got = await Promise.race([first, wait(50).then(() => undefined)]);
    if (got) return got;
  }
  throw new Error(`DISH never received group ${group}`);
}

describe('SERVER / CLIENT', () => {
  for (const [serverLib, clientLib] of COMBOS) {
    for (const serverBinds of [true, false]) {
      test(`SERVER(${serverLib}) ${serverBinds ? 'binds' : 'connects'}, two CLIENTs(${clientLib}) ${serverBinds ? 'connect' : 'bind'}: replies reach the right client by routing id`, async () => {
        const server = make(serverLib, 'Server');
        const c1 = make(clientLib, 'Client');
        const c2 = make(clientLib, 'Client');
        try {
          if (serverBinds) {
            await server.bind('tcp://127.0.0.1:*');
            c1.connect(server.lastEndpoint);
            c2.connect(server.lastEndpoint);
          } else {
            await c1.bind('tcp://127.0.0.1:*');
            await c2.bind('tcp://127.0.0.1:*');
            server.connect(c1.lastEndpoint);
            server.connect(c2.lastEndpoint);
          }
          await c1.send('from c1');
          await c2.send('from c2');
          const ids = new Map<string, number>();
          for (let i = 0; i < 2; i++) {
            const [msg, { routingId }] = await server.receive();
            assert.ok(
              Number.isInteger(routingId) && routingId > 0 && routingId <= 0xffffffff,
              `routing id ${routingId} is a non-zero uint32`,
            );
            ids.set(msg.toString(), routingId);
          }
          assert.notEqual(ids.get('from c1'), ids.get('from c2'), 'each peer has its own routing id');
          await server.send('to c2', { routingId: ids.get('from c2') });
          await server.send('to c1', { routingId: ids.get('from c1') });
          assert.deepEqual((await c1.receive()).map(String), ['to c1']);
          assert.deepEqual((await c2.receive()).map(String), ['to c2']);
          // An id nobody has: EHOSTUNREACH, like libzmq.
          const unknown = ((ids.get('from c1')! + ids.get('from c2')!) % 0xfffffff0) + 7;
          await assert.rejects(
            server.send('lost', { routingId: unknown === ids.get('from c1') || unknown === ids.get('from c2') ? unknown + 1 : unknown }),
            { code: 'EHOSTUNREACH' },
          );
        } finally {
          closeAll(server, c1, c2);
        }
      });
    }
  }

  test('multipart is EINVAL on both, and bad routing ids are EINVAL', async () => {
    const server = make('ours', 'Server');
    const client = make('ours', 'Client');
    try {
      await assert.rejects(client.send(['a', 'b']), { code: 'EINVAL' });
      await assert.rejects(server.send(['a', 'b'], { routingId: 1 }), { code: 'EINVAL' });
      await assert.rejects(server.send('a'), { code: 'EINVAL', detail: /routingId/ });
      await assert.rejects(server.send('a', { routingId: 0 }), { code: 'EINVAL' });
      await assert.rejects(server.send('a', { routingId: 2 ** 32 }), { code: 'EINVAL' });
      await assert.rejects(server.send('a', { routingId: '7' }), { code: 'EINVAL' });
      assert.equal(server.type, 12);
      assert.equal(client.type, 13);
    } finally {
      closeAll(server, client);
    }
  });

  test('our CLIENT drops multipart messages from a raw SERVER peer and keeps the single-part ones', async () => {
    const client = make('ours', 'Client');
    try {
      await client.bind('tcp://127.0.0.1:*');
      const peer = await rawConnect(Number(client.lastEndpoint.split(':').pop()));
      peer.sock.write(encodeGreetingV3('NULL', false));
      peer.sock.write(encodeMessage('v3', []));
      const ready = readyCommand({ 'Socket-Type': 'SERVER' });
      const cmd = Buffer.concat([Buffer.from([0x04, ready.length]), ready]);
      peer.sock.write(cmd);
      peer.sock.write(encodeMessage('v3', [Buffer.from('multi'), Buffer.from('part')]));
      peer.sock.write(encodeMessage('v3', [Buffer.from('single')]));
      assert.deepEqual((await client.receive()).map(String), ['single']);
      peer.sock.destroy();
    } finally {
      closeAll(client);
    }
  });

  test('a CLIENT cannot talk to a DEALER: the handshake fails on the socket type', async () => {
    const client = make('ours', 'Client');
    const { Dealer } = await import('zeromq');
    const dealer = new Dealer({ linger: 0 });
    try {
      await client.bind('tcp://127.0.0.1:*');
      // Like libzmq 4.3.5's NULL mechanism we emit no handshake event for a socket-type mismatch: the
      // disconnect names it. libzmq may read our READY before it has sent its own: it then closes at once
      // and we see only the close. Either way we name the mismatch or the dealer's connection ends
      // without a handshake.
      const failed = nextEvent(client, 'disconnect');
      const dealerSaw: string[] = [];
      const dealerDropped = new Promise<void>((resolve) => {
        dealer.events.on('handshake', () => dealerSaw.push('handshake'));
        dealer.events.on('disconnect', () => resolve());
      });
      dealer.connect(client.lastEndpoint);
      const ev = await failed;
      if (!/DEALER cannot talk to CLIENT/.test(ev.reason!)) {
        assert.match(ev.reason!, /closed during the handshake/);
        await dealerDropped;
        assert.deepEqual(dealerSaw, []);
      }
    } finally {
      dealer.close();
      closeAll(client);
    }
  });
});

describe('RADIO / DISH', () => {
  for (const [radioLib, dishLib] of COMBOS) {
    for (const transport of ['tcp', 'ws'] as const) {
      for (const radioBinds of [true, false]) {
        test(`${transport}: RADIO(${radioLib}) ${radioBinds ? 'binds' : 'connects'}, DISH(${dishLib}) ${radioBinds ? 'connects' : 'binds'}: groups, join and leave`, async () => {
          const radio = make(radioLib, 'Radio');
          const dish = make(dishLib, 'Dish');
          try {
            const [b, c] = radioBinds ? [radio, dish] : [dish, radio];
            await b.bind(`${transport}://127.0.0.1:*`);
            c.connect(b.lastEndpoint);
            dish.join('weather', 'news');
            const [first, { group }] = await radioUntilHeard(radio, dish, 'weather', 'w0');
            assert.equal(group.toString(), 'weather');
            assert.equal(first.toString(), 'w0');
            // Everything after the first arrives in order; groups not joined never do.
            await radio.send('s1', { group: 'sport' });
            await radio.send('n1', { group: 'news' });
            await radio.send('w1', { group: 'weather' });
            const seen: string[] = [];
            for (;;) {
              const [m, { group: g }] = await dish.receive();
              seen.push(`${g}:${m}`);
              if (m.toString() === 'w1') break;
            }
            assert.ok(!seen.some((s) => s.startsWith('sport')), `no sport message: ${seen}`);
            assert.ok(seen.includes('news:n1'), `news arrives: ${seen}`);
            dish.leave('news');
            // After the LEAVE reached the radio, news stops; weather still comes.
            await wait(100);
            await radio.send('n2', { group: 'news' });
            await radio.send('w2', { group: 'weather' });
            let m: [Buffer, { group: Buffer }];
            do m = await dish.receive();
            while (m[0].toString() === 'w0' || m[0].toString() === 'w1');
            assert.deepEqual([m[1].group.toString(), m[0].toString()], ['weather', 'w2']);
          } finally {
            closeAll(radio, dish);
          }
        });
      }
    }
  }

  test('inproc: our RADIO and DISH', async () => {
    const radio = make('ours', 'Radio');
    const dish = make('ours', 'Dish');
    try {
      await dish.bind('inproc://draft-radio-dish');
      dish.join('g');
      radio.connect('inproc://draft-radio-dish');
      await radio.send('nope', { group: 'h' });
      await radio.send('yes', { group: 'g' });
      const [m, { group }] = await dish.receive();
      assert.deepEqual([m.toString(), group.toString()], ['yes', 'g']);
    } finally {
      closeAll(radio, dish);
    }
  });

  test('our DISH re-joins its groups when the libzmq RADIO it connects to restarts', async () => {
    let radio = make('zmq', 'Radio');
    const dish = make('ours', 'Dish', { reconnectInterval: 20 });
    try {
      await radio.bind('tcp://127.0.0.1:*');
      const endpoint = radio.lastEndpoint;
      dish.connect(endpoint);
      dish.join('g');
      await radioUntilHeard(radio, dish, 'g', 'before');
      radio.close();
      radio = make('zmq', 'Radio');
      // libzmq closes asynchronously: the port may still be taken for a moment.
      for (let i = 0; ; i++) {
        try {
          await radio.bind(endpoint);
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== 'EADDRINUSE' || i > 100) throw e;
          await wait(20);
        }
      }
      let got: [Buffer, { group: Buffer }];
      do got = await radioUntilHeard(radio, dish, 'g', 'after');
      while (got[0].toString() !== 'after');
      assert.equal(got[1].group.toString(), 'g');
    } finally {
      closeAll(radio, dish);
    }
  });

  for (const [radioLib, dishLib] of COMBOS) {
    test(`udp unicast: RADIO(${radioLib}) connects, DISH(${dishLib}) binds`, async () => {
      const port = await freeUdpPort();
      const dish = make(dishLib, 'Dish');
      const radio = make(radioLib, 'Radio');
      try {
        await dish.bind(`udp://127.0.0.1:${port}`);
        if (dishLib === 'ours') assert.equal(dish.lastEndpoint, `udp://127.0.0.1:${port}`);
        dish.join('g1');
        radio.connect(`udp://127.0.0.1:${port}`);
        await radio.send('other', { group: 'g2' });
        const [m, { group }] = await radioUntilHeard(radio, dish, 'g1', 'hello');
        assert.deepEqual([m.toString(), group.toString()], ['hello', 'g1']);
        // A body of several KiB fits libzmq's 8 KiB datagrams.
        const big = Buffer.alloc(6000, 7);
        await radio.send(big, { group: 'g1' });
        let got: [Buffer, { group: Buffer }];
        do got = await dish.receive();
        while (got[0].length !== big.length);
        assert.ok(got[0].equals(big));
      } finally {
        closeAll(radio, dish);
      }
    });
  }

  test('udp multicast: our RADIO reaches a libzmq DISH and our DISH on the same group address', async () => {
    const port = await freeUdpPort();
    const zdish = make('zmq', 'Dish');
    const odish = make('ours', 'Dish');
    const radio = make('ours', 'Radio');
    const zradio = make('zmq', 'Radio');
    try {
      await zdish.bind(`udp://239.255.77.7:${port}`);
      await odish.bind(`udp://239.255.77.7:${port}`);
      zdish.join('m');
      odish.join('m');
      radio.connect(`udp://239.255.77.7:${port}`);
      zradio.connect(`udp://239.255.77.7:${port}`);
      const [a] = await radioUntilHeard(radio, zdish, 'm', 'ours');
      assert.equal(a.toString(), 'ours');
      const [b] = await radioUntilHeard(radio, odish, 'm', 'ours');
      assert.equal(b.toString(), 'ours');
      // And libzmq's multicast datagrams reach our DISH.
      let got: [Buffer, { group: Buffer }];
      do got = await radioUntilHeard(zradio, odish, 'm', 'libzmq');
      while (got[0].toString() !== 'libzmq');
    } finally {
      closeAll(radio, zradio, zdish, odish);
    }
  });

  test('udp: malformed datagrams are dropped, the DISH keeps receiving', async () => {
    const dish = make('ours', 'Dish');
    const raw = dgram.createSocket('udp4');
    try {
      await dish.bind('udp://127.0.0.1:*');
      const port = Number(dish.lastEndpoint.split(':').pop());
      dish.join('ok');
      const send = (b: Buffer) => new Promise<void>((r) => raw.send(b, port, '127.0.0.1', () => r()));
      await send(Buffer.alloc(0));
      await send(Buffer.from([200, 0x6f, 0x6b])); // group length runs past the datagram
      await send(Buffer.from('\x02okgood', 'latin1'));
      const [m, { group }] = await dish.receive();
      assert.deepEqual([m.toString(), group.toString()], ['good', 'ok']);
    } finally {
      raw.close();
      closeAll(dish);
    }
  });

  test('bad input: join twice, leave unjoined, long groups, missing group, wrong transports', async () => {
    const dish = make('ours', 'Dish');
    const radio = make('ours', 'Radio');
    try {
      dish.join('a');
      assert.throws(() => dish.join('a'), { code: 'EINVAL', detail: /already joined/ });
      assert.throws(() => dish.leave('b'), { code: 'EINVAL', detail: /not a member/ });
      assert.throws(() => dish.join('x'.repeat(256)), { code: 'EINVAL', detail: /255/ });
      assert.throws(() => dish.join(42), { code: 'EINVAL' });
      await assert.rejects(radio.send('m'), { code: 'EINVAL', detail: /group/ });
      await assert.rejects(radio.send(['m', 'n'], { group: 'a' }), { code: 'EINVAL', detail: /multipart/ });
      await assert.rejects(radio.send('m', { group: 'x'.repeat(256) }), { code: 'EINVAL' });
      await assert.rejects(radio.bind('udp://127.0.0.1:*'), { code: 'ENOCOMPATPROTO' });
      assert.throws(() => dish.connect('udp://127.0.0.1:5555'), { code: 'ENOCOMPATPROTO' });
      assert.throws(() => radio.connect('udp://127.0.0.1:*'), { code: 'EINVAL' });
      await assert.rejects(radio.receive(), { code: 'ENOTSUP' });
      await assert.rejects(dish.send('x'), { code: 'ENOTSUP' });
      assert.equal(radio.type, 14);
      assert.equal(dish.type, 15);
    } finally {
      closeAll(radio, dish);
    }
  });
});

describe('GATHER / SCATTER', () => {
  for (const [scatterLib, gatherLib] of COMBOS) {
    for (const scatterBinds of [true, false]) {
      test(`SCATTER(${scatterLib}) ${scatterBinds ? 'binds' : 'connects'} to two GATHERs(${gatherLib}): round-robin`, async () => {
        const scatter = make(scatterLib, 'Scatter');
        const g1 = make(gatherLib, 'Gather');
        const g2 = make(gatherLib, 'Gather');
        try {
          if (scatterBinds) {
            await scatter.bind('tcp://127.0.0.1:*');
            g1.connect(scatter.lastEndpoint);
            g2.connect(scatter.lastEndpoint);
          } else {
            await g1.bind('tcp://127.0.0.1:*');
            await g2.bind('tcp://127.0.0.1:*');
            scatter.connect(g1.lastEndpoint);
            scatter.connect(g2.lastEndpoint);
          }
          // Wait until both gathers are connected: one message each reaches them.
          const r1 = g1.receive();
          const r2 = g2.receive();
          let sent = 0;
          const settled = Promise.all([r1, r2]);
          let done = false;
          void settled.then(() => {
            done = true;
          });
          while (!done && sent < 400) {
            await scatter.send(`probe${sent++}`);
            await wait(10);
          }
          await settled;
          // Now strictly alternating: 10 messages, 5 each.
          const counts = [0, 0];
          for (let i = 0; i < 10; i++) await scatter.send(`m${i}`);
          const drain = async (g: AnySocket, idx: number) => {
            for (;;) {
              const [m] = await g.receive();
              if (m.toString().startsWith('m')) counts[idx]++;
              if (counts[0] + counts[1] === 10) return;
              if (counts[idx] === 5) return;
            }
          };
          await Promise.all([drain(g1, 0), drain(g2, 1)]);
          assert.deepEqual(counts, [5, 5]);
        } finally {
          closeAll(scatter, g1, g2);
        }
      });
    }
  }

  test('scatter multipart is EINVAL; gather cannot send; numeric types', async () => {
    const scatter = make('ours', 'Scatter');
    const gather = make('ours', 'Gather', { conflate: true });
    try {
      await assert.rejects(scatter.send(['a', 'b']), { code: 'EINVAL' });
      await assert.rejects(gather.send('a'), { code: 'ENOTSUP' });
      assert.equal(gather.conflate, true);
      assert.equal(scatter.type, 17);
      assert.equal(gather.type, 16);
    } finally {
      closeAll(scatter, gather);
    }
  });
});

/**
 * UDP has no handshake, and libzmq's bind() returns before its udp socket is open: a first datagram can
 * be lost. Sends again every 50 ms until `to` has received one (each copy is identical).
 */
async function sendUntilReceived(send: () => Promise<void>, to: AnySocket): Promise<Buffer[]> {
  const received: Promise<Buffer[]> = to.receive();
  let done = false;
  void received.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  while (!done) {
    await send();
    await Promise.race([received.catch(() => undefined), new Promise((r) => setTimeout(r, 50))]);
  }
  return received;
}

describe('DGRAM (Datagram)', () => {
  for (const [aLib, bLib] of COMBOS) {
    test(`Datagram(${aLib}) to Datagram(${bLib}) and back, addresses as libzmq writes them`, async () => {
      const port = await freeUdpPort();
      const b = make(bLib, 'Datagram');
      const a = make(aLib, 'Datagram');
      try {
        await b.bind(`udp://127.0.0.1:${port}`);
        if (aLib === 'ours') a.connect(`udp://127.0.0.1:${port}`);
        else await a.bind(`udp://127.0.0.1:${await freeUdpPort()}`);
        const [from, body] = await sendUntilReceived(() => a.send([`127.0.0.1:${port}`, 'ping']), b);
        assert.equal(body.toString(), 'ping');
        // libzmq gives "ip:port" with its C string terminator; ours does the same.
        assert.match(from.toString('latin1'), /^127\.0\.0\.1:\d+\0$/);
        const [from2, body2] = await sendUntilReceived(() => b.send([from, 'pong']), a);
        assert.equal(body2.toString(), 'pong');
        assert.equal(from2.toString('latin1'), `127.0.0.1:${port}\0`);
      } finally {
        closeAll(a, b);
      }
    });
  }

  test('bad input: one-frame messages are EINVAL, bad addresses are dropped, tcp is refused', async () => {
    const port = await freeUdpPort();
    const a = make('ours', 'Datagram');
    const b = make('ours', 'Datagram');
    try {
      await b.bind(`udp://127.0.0.1:${port}`);
      await a.bind('udp://127.0.0.1:*');
      await assert.rejects(a.send('only body'), { code: 'EINVAL' });
      await a.send(['not an address', 'lost']);
      await a.send(['127.0.0.1:0', 'lost']);
      await a.send([`127.0.0.1:${port}`, 'kept']);
      const [, body] = await b.receive();
      assert.equal(body.toString(), 'kept');
      assert.equal(a.type, 18);
      await assert.rejects(make('ours', 'Gather').bind('udp://127.0.0.1:*'), { code: 'ENOCOMPATPROTO' });
    } finally {
      closeAll(a, b);
    }
  });
});

describe('PEER and CHANNEL (libzmq types zeromq.js 6 reaches only through its generic Socket)', () => {
  /** A zeromq.js socket of a numeric type: PEER = 19, CHANNEL = 20 (no routing ids exposed for PEER). */
  async function zmqSocket(type: number): Promise<AnySocket> {
    const zmq = await import('zeromq');
    const s = new (zmq as AnySocket).Socket(type, { linger: 0 });
    open.push(s);
    return s;
  }

  test('our PEER connectPeer()s a libzmq PEER and speaks first', async () => {
    const zpeer = await zmqSocket(19);
    const peer = make('ours', 'Peer');
    try {
      await zpeer.bind('tcp://127.0.0.1:*');
      const id = peer.connectPeer(zpeer.lastEndpoint);
      assert.ok(Number.isInteger(id) && id > 0, `routing id ${id}`);
      await peer.send('first words', { routingId: id });
      assert.deepEqual((await zpeer.receive()).map(String), ['first words']);
      assert.equal(peer.type, 19);
    } finally {
      closeAll(zpeer, peer);
    }
  });

  for (const transport of ['tcp', 'inproc'] as const) {
    test(`our PEERs over ${transport}: the connecting side speaks first, the bound side replies by routing id`, async () => {
      const ctx = new engine.Context();
      const a = new (engine as AnySocket).Peer({ linger: 0, receiveTimeout: 10000 }, ctx);
      const b = new (engine as AnySocket).Peer({ linger: 0, receiveTimeout: 10000 }, ctx);
      try {
        await b.bind(transport === 'tcp' ? 'tcp://127.0.0.1:*' : 'inproc://draft-peer');
        const id = a.connectPeer(b.lastEndpoint);
        await a.send('hi b', { routingId: id });
        const [m, { routingId }] = await b.receive();
        assert.equal(m.toString(), 'hi b');
        await b.send('hi a', { routingId });
        const [m2, { routingId: from }] = await a.receive();
        assert.equal(m2.toString(), 'hi a');
        assert.equal(from, id, 'the reply comes from the routing id connectPeer returned');
        await assert.rejects(a.send('x', { routingId: id + 1 }), { code: 'EHOSTUNREACH' });
      } finally {
        a.close();
        b.close();
      }
    });
  }

  test('connectPeer with immediate is refused', () => {
    const peer = new (engine as AnySocket).Peer({ linger: 0, immediate: true });
    try {
      assert.throws(() => peer.connectPeer('tcp://127.0.0.1:5555'), { code: 'EINVAL', detail: /immediate/ });
    } finally {
      peer.close();
    }
  });

  for (const oursBinds of [true, false]) {
    test(`CHANNEL with libzmq, ours ${oursBinds ? 'binds' : 'connects'}: both directions, single-part only`, async () => {
      const zch = await zmqSocket(20);
      const ch = new (engine as AnySocket).Channel({ linger: 0, receiveTimeout: 10000 });
      try {
        if (oursBinds) {
          await ch.bind('tcp://127.0.0.1:*');
          zch.connect(ch.lastEndpoint);
        } else {
          await zch.bind('tcp://127.0.0.1:*');
          ch.connect(zch.lastEndpoint);
        }
        await ch.send('to libzmq');
        assert.deepEqual((await zch.receive()).map(String), ['to libzmq']);
        await zch.send('to ours');
        assert.deepEqual((await ch.receive()).map(String), ['to ours']);
        await assert.rejects(ch.send(['a', 'b']), { code: 'EINVAL' });
        assert.equal(ch.type, 20);
      } finally {
        ch.close();
        closeAll(zch);
      }
    });
  }
});
