// Downgrade to ZMTP 2.0 and 1.0: raw peers speaking the old protocols, run against a real libzmq socket
// and against ours with the same script and the same assertions, in both directions (raw client to a
// bound socket, and a connecting socket to a raw server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import {
  FrameDecoder,
  encodeFrame,
  encodeGreetingV2,
  encodeGreetingV3,
  encodeMessage,
  parseCommand,
  parseGreeting,
  readyCommand,
  REVISION_2_0,
} from '../../../core/zmtp/index.js';
import { ours, rawConnect, rawServer } from './machinery-helpers.js';

interface Peer {
  bind(a: string): Promise<void>;
  connect(a: string): void;
  readonly lastEndpoint: string | null;
  send(m: (string | Buffer)[] | string): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
}

const IMPLEMENTATIONS: [string, (type: 'ROUTER' | 'DEALER') => Peer][] = [
  ['libzmq', (t) => (t === 'ROUTER' ? new zmq.Router({ linger: 0 }) : new zmq.Dealer({ linger: 0 }))],
  ['ours', (t) => ours(t, { linger: 0 })],
];

function frames(framing: 'v1' | 'v2', bytes: Buffer): string[] {
  const out: string[] = [];
  const err = new FrameDecoder(framing).push(bytes, (_m, _c, body) => out.push(body.toString()));
  assert.equal(err, undefined);
  return out;
}

for (const [name, make] of IMPLEMENTATIONS) {
  test(`${name}: a raw ZMTP 2.0 client gets a 2.0 greeting, 2.0 framing and its messages routed`, async () => {
    const router = make('ROUTER');
    await router.bind('tcp://127.0.0.1:*');
    const c = await rawConnect(Number(router.lastEndpoint!.split(':').pop()));
    try {
      c.sock.write(encodeGreetingV2('DEALER'));
      c.sock.write(Buffer.concat([encodeMessage('v2', [Buffer.alloc(0)]), encodeMessage('v2', [Buffer.from('a'), Buffer.from('bc')])]));
      const [id, a, bc] = await router.receive();
      assert.deepEqual([a.toString(), bc.toString()], ['a', 'bc']);
      await router.send([id, 'x', 'yz']);
      const bytes = await c.waitFor(12 + 2 + 3 + 4);
      const g = parseGreeting(bytes, REVISION_2_0);
      assert.equal(g.status, 'done');
      if (g.status !== 'done') return;
      assert.equal(g.greeting.version, '2.0');
      assert.equal(g.greeting.revision, 3);
      assert.equal(g.greeting.socketType, 'ROUTER');
      assert.deepEqual(frames('v2', bytes.subarray(12)), ['', 'x', 'yz'], 'identity frame, then the two-frame reply');
    } finally {
      c.sock.destroy();
      router.close();
    }
  });

  test(`${name}: a raw unversioned ZMTP 1.0 client is answered in 1.0 framing (the signature doubles as identity)`, async () => {
    const router = make('ROUTER');
    await router.bind('tcp://127.0.0.1:*');
    const c = await rawConnect(Number(router.lastEndpoint!.split(':').pop()));
    try {
      c.sock.write(Buffer.concat([encodeMessage('v1', [Buffer.alloc(0)]), encodeMessage('v1', [Buffer.from('abc')])]));
      const [id, abc] = await router.receive();
      assert.equal(abc.toString(), 'abc');
      await router.send([id, 'reply']);
      const bytes = await c.waitFor(10 + 2 + 5);
      assert.deepEqual(frames('v1', bytes), ['', 'reply']);
    } finally {
      c.sock.destroy();
      router.close();
    }
  });

  test(`${name}: connecting to a raw ZMTP 2.0 server downgrades: 2.0 greeting with our socket type, 2.0 frames`, async () => {
    const server = await rawServer();
    const dealer = make('DEALER');
    try {
      dealer.connect(`tcp://127.0.0.1:${server.port}`);
      const s = await server.accepted;
      s.sock.write(encodeGreetingV2('ROUTER'));
      s.sock.write(
        Buffer.concat([encodeMessage('v2', [Buffer.alloc(0)]), encodeMessage('v2', [Buffer.from('hello'), Buffer.from('2.0')])]),
      );
      assert.deepEqual((await dealer.receive()).map(String), ['hello', '2.0']);
      await dealer.send('up');
      const bytes = await s.waitFor(12 + 2 + 4);
      const g = parseGreeting(bytes, REVISION_2_0);
      assert.equal(g.status === 'done' && g.greeting.socketType, 'DEALER');
      assert.deepEqual(frames('v2', bytes.subarray(12)), ['', 'up']);
    } finally {
      dealer.close();
      server.close();
    }
  });

  test(`${name}: connecting to a raw unversioned ZMTP 1.0 server speaks 1.0`, async () => {
    const server = await rawServer();
    const dealer = make('DEALER');
    try {
      dealer.connect(`tcp://127.0.0.1:${server.port}`);
      const s = await server.accepted;
      s.sock.write(
        Buffer.concat([encodeMessage('v1', [Buffer.alloc(0)]), encodeMessage('v1', [Buffer.from('hello'), Buffer.from('1.0')])]),
      );
      assert.deepEqual((await dealer.receive()).map(String), ['hello', '1.0']);
      await dealer.send('up');
      const bytes = await s.waitFor(10 + 4);
      assert.deepEqual(frames('v1', bytes), ['', 'up']);
    } finally {
      dealer.close();
      server.close();
    }
  });
}

test('our PUB gives a ZMTP 1.0 subscriber everything (it filters locally), as libzmq does', async () => {
  const pub = ours('PUB', { linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  const c = await rawConnect(Number(pub.lastEndpoint!.split(':').pop()));
  try {
    c.sock.write(encodeMessage('v1', [Buffer.alloc(0)]));
    // Publish until the raw subscriber has seen a message: the connection is asynchronous.
    let seen: string[] = [];
    for (let i = 0; seen.length < 2; i++) {
      await pub.send(['topic', String(i)]);
      await new Promise((r) => setTimeout(r, 5));
      const got: string[] = [];
      new FrameDecoder('v1').push(c.received, (_m, _c, body) => got.push(body.toString()));
      seen = got;
    }
    assert.equal(seen[0], '', 'identity first');
    assert.equal(seen[1], 'topic');
  } finally {
    c.sock.destroy();
    pub.close();
  }
});

test('subscriptions: a ZMTP 3.0 publisher gets them as \\x01 messages, a 3.1 one as SUBSCRIBE commands', async () => {
  for (const minor of [0, 1]) {
    const server = await rawServer();
    const sub = ours('SUB', { linger: 0 });
    try {
      sub.setOption('subscribe', 'news');
      sub.connect(`tcp://127.0.0.1:${server.port}`);
      const s = await server.accepted;
      s.sock.write(encodeGreetingV3('NULL', false, minor));
      s.sock.write(encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUB' }), false, true));
      // Wait until our READY and the subscription have arrived after the 64-byte greeting.
      const seen: { command: boolean; body: Buffer }[] = [];
      for (let have = 64; seen.length < 2; have = s.received.length + 1) {
        const bytes = await s.waitFor(have);
        seen.length = 0;
        new FrameDecoder('v3').push(bytes.subarray(64), (_m, command, body) => seen.push({ command, body }));
      }
      assert.equal(parseCommand(seen[0].body).name, 'READY');
      if (minor === 0) {
        assert.equal(seen[1].command, false);
        assert.equal(seen[1].body.toString('latin1'), '\x01news');
      } else {
        assert.equal(seen[1].command, true);
        const cmd = parseCommand(seen[1].body);
        assert.equal(cmd.name, 'SUBSCRIBE');
        assert.equal('topic' in cmd && cmd.topic.toString(), 'news');
      }
      // And what the publisher sends is filtered by prefix on our side.
      s.sock.write(
        Buffer.concat([
          encodeMessage('v3', [Buffer.from('sports'), Buffer.from('x')]),
          encodeMessage('v3', [Buffer.from('news'), Buffer.from('y')]),
        ]),
      );
      assert.deepEqual((await sub.receive()).map(String), ['news', 'y']);
    } finally {
      sub.close();
      server.close();
    }
  }
});
