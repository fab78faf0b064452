// Every socket pair against real libzmq, in both directions (our engine as either side, binding
// or connecting), over tcp and ipc, with zeromq.js (libzmq 4.3.5) and pyzmq (libzmq 4.3.4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { endpointFor, ourEngine, pyzmq, text, zeromqJs, type PeerLib, type PeerSocket, type TypeName } from './peers/peers.js';

interface PairCase {
  a: TypeName;
  b: TypeName;
  /** Options to set before bind/connect. */
  setup?(a: PeerSocket, b: PeerSocket): Promise<void>;
  exchange(a: PeerSocket, b: PeerSocket): Promise<void>;
}

/** Retries a ROUTER send while the peer is not yet known (mandatory: EHOSTUNREACH). */
async function sendWhenRoutable(s: PeerSocket, frames: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await s.send(frames);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EHOSTUNREACH') throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${s.lib} ROUTER never learned the peer ${frames[0]}`);
}

/**
 * Repeats `subscribe` then `probe` until `probe` gets something. libzmq's SUB/XSUB does not send
 * subscriptions made before a peer connected to its bound endpoint (seen with libzmq alone: pyzmq
 * SUB bind + subscribe, XPUB connect -> no subscription), so subscribers re-subscribe until heard.
 */
async function subscribeUntil(subscribe: () => Promise<void>, probe: () => Promise<Buffer[]>, what: string): Promise<Buffer[]> {
  for (let i = 0; i < 100; i++) {
    await subscribe();
    try {
      return await probe();
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN' && !/no message within/.test(String(e))) throw e;
    }
  }
  throw new Error(`${what}: nothing after 100 tries`);
}

const CASES: PairCase[] = [
  {
    a: 'REQ',
    b: 'REP',
    async exchange(a, b) {
      for (let i = 0; i < 3; i++) {
        await a.send([`req${i}`, 'more']);
        assert.deepEqual(text(await b.receive()), [`req${i}`, 'more']);
        await b.send(`rep${i}`);
        assert.deepEqual(text(await a.receive()), [`rep${i}`]);
      }
    },
  },
  {
    a: 'REQ',
    b: 'ROUTER',
    async exchange(a, b) {
      await a.send(['hello', 'there']);
      const m = await b.receive();
      assert.equal(m.length, 4);
      assert.deepEqual(text(m.slice(1)), ['', 'hello', 'there']);
      await b.send([m[0], Buffer.alloc(0), Buffer.from('back')]);
      assert.deepEqual(text(await a.receive()), ['back']);
    },
  },
  {
    a: 'DEALER',
    b: 'REP',
    async exchange(a, b) {
      await a.send(['', 'q']);
      assert.deepEqual(text(await b.receive()), ['q']);
      await b.send(['r', 'r2']);
      assert.deepEqual(text(await a.receive()), ['', 'r', 'r2']);
    },
  },
  {
    a: 'DEALER',
    b: 'ROUTER',
    setup: (a) => a.set('routingId', 'dealer-A'),
    async exchange(a, b) {
      await a.send('x');
      assert.deepEqual(text(await b.receive()), ['dealer-A', 'x']);
      await b.send(['dealer-A', 'y', 'z']);
      assert.deepEqual(text(await a.receive()), ['y', 'z']);
    },
  },
  {
    a: 'DEALER',
    b: 'DEALER',
    async exchange(a, b) {
      await a.send(['1', '2']);
      assert.deepEqual(text(await b.receive()), ['1', '2']);
      await b.send('3');
      assert.deepEqual(text(await a.receive()), ['3']);
    },
  },
  {
    a: 'ROUTER',
    b: 'ROUTER',
    async setup(a, b) {
      await a.set('routingId', 'RA');
      await b.set('routingId', 'RB');
      await a.set('mandatory', true);
    },
    async exchange(a, b) {
      await sendWhenRoutable(a, ['RB', 'hi']);
      assert.deepEqual(text(await b.receive()), ['RA', 'hi']);
      await b.send(['RA', 'yo']);
      assert.deepEqual(text(await a.receive()), ['RB', 'yo']);
    },
  },
  {
    a: 'PUB',
    b: 'SUB',
    async exchange(a, b) {
      const first = await subscribeUntil(
        () => b.set('subscribe', 't'),
        async () => {
          await a.send(['t1', 'payload']);
          return b.receive(100);
        },
        'SUB receiving from PUB',
      );
      assert.deepEqual(text(first), ['t1', 'payload']);
      await a.send('x-not-subscribed');
      await a.send(['t2', 'last']);
      for (;;) {
        const m = text(await b.receive());
        assert.notEqual(m[0], 'x-not-subscribed');
        if (m[0] === 't2') break;
      }
    },
  },
  {
    a: 'XPUB',
    b: 'XSUB',
    async exchange(a, b) {
      const sub = await subscribeUntil(
        () => b.send(Buffer.from('\x01t')),
        () => a.receive(100),
        'XPUB hearing XSUB',
      );
      assert.deepEqual(text(sub), ['\x01t']);
      await a.send('u-not-subscribed');
      await a.send(['t-data', 'x']);
      assert.deepEqual(text(await b.receive()), ['t-data', 'x']);
    },
  },
  {
    a: 'XPUB',
    b: 'SUB',
    async exchange(a, b) {
      const sub = await subscribeUntil(
        () => b.set('subscribe', 'topic'),
        () => a.receive(100),
        'XPUB hearing SUB',
      );
      assert.deepEqual(text(sub), ['\x01topic']);
      await a.send('other');
      await a.send('topic!');
      assert.deepEqual(text(await b.receive()), ['topic!']);
    },
  },
  {
    a: 'PUB',
    b: 'XSUB',
    async exchange(a, b) {
      const first = await subscribeUntil(
        () => b.send(Buffer.from('\x01t')),
        async () => {
          await a.send('t1');
          return b.receive(100);
        },
        'XSUB receiving from PUB',
      );
      assert.deepEqual(text(first), ['t1']);
    },
  },
  {
    a: 'PUSH',
    b: 'PULL',
    async exchange(a, b) {
      for (let i = 0; i < 3; i++) await a.send([`m${i}`, 'x'.repeat(300 * i)]);
      for (let i = 0; i < 3; i++) assert.deepEqual(text(await b.receive()), [`m${i}`, 'x'.repeat(300 * i)]);
    },
  },
  {
    a: 'PAIR',
    b: 'PAIR',
    async exchange(a, b) {
      await a.send('ping');
      assert.deepEqual(text(await b.receive()), ['ping']);
      await b.send(['pong', '']);
      assert.deepEqual(text(await a.receive()), ['pong', '']);
    },
  },
];

const libs: Array<() => Promise<PeerLib>> = [zeromqJs, pyzmq];

for (const makeLib of libs) {
  describe(`socket pairs against ${makeLib === zeromqJs ? 'zeromq.js (libzmq 4.3.5)' : 'pyzmq (libzmq 4.3.4)'}`, () => {
    let theirs: PeerLib;
    let ours: PeerLib;
    before(async () => {
      theirs = await makeLib();
      ours = await ourEngine();
    });
    after(async () => {
      await ours?.close();
      await theirs?.close();
    });

    for (const c of CASES) {
      for (const transport of ['tcp', 'ipc'] as const) {
        for (const oursIs of ['a', 'b'] as const) {
          for (const binder of ['a', 'b'] as const) {
            const name = `${c.a}(${oursIs === 'a' ? 'engine' : 'libzmq'}) - ${c.b}(${oursIs === 'b' ? 'engine' : 'libzmq'}) over ${transport}, ${binder.toUpperCase()} binds`;
            // libzmq alone shows this: a bound SUB never sends its subscription to a connecting XPUB
            // (pyzmq SUB.bind + subscribe, XPUB.connect: XPUB.poll(2000) == 0), so there is nothing to test.
            const skip =
              c.a === 'XPUB' && c.b === 'SUB' && oursIs === 'a' && binder === 'b'
                ? 'libzmq bound SUB does not send subscriptions to a connecting XPUB (reproduced with libzmq alone)'
                : false;
            test(name, { skip }, async () => {
              const a = await (oursIs === 'a' ? ours : theirs).socket(c.a);
              const b = await (oursIs === 'b' ? ours : theirs).socket(c.b);
              try {
                await c.setup?.(a, b);
                const [server, client] = binder === 'a' ? [a, b] : [b, a];
                const endpoint = await server.bind(endpointFor(transport));
                await client.connect(endpoint);
                await c.exchange(a, b);
              } finally {
                await a.close();
                await b.close();
              }
            });
          }
        }
      }
    }
  });
}

let inprocCount = 0;

describe('socket pairs engine to engine over inproc', () => {
  let ours: PeerLib;
  before(async () => {
    ours = await ourEngine();
  });
  after(async () => {
    await ours?.close();
  });
  for (const c of CASES) {
    for (const binder of ['a', 'b'] as const) {
      for (const order of ['bind first', 'connect first'] as const) {
        test(`${c.a} - ${c.b} over inproc, ${binder.toUpperCase()} binds, ${order}`, async () => {
          const a = await ours.socket(c.a);
          const b = await ours.socket(c.b);
          try {
            await c.setup?.(a, b);
            const [server, client] = binder === 'a' ? [a, b] : [b, a];
            const endpoint = `inproc://pairs-${process.pid}-${inprocCount++}`;
            if (order === 'bind first') {
              await server.bind(endpoint);
              await client.connect(endpoint);
            } else {
              await client.connect(endpoint);
              await server.bind(endpoint);
            }
            await c.exchange(a, b);
          } finally {
            await a.close();
            await b.close();
          }
        });
      }
    }
  }
});

describe('STREAM with a raw TCP peer', () => {
  test('engine STREAM serves a raw TCP client', async () => {
    const lib = await ourEngine();
    const stream = await lib.socket('STREAM');
    const endpoint = await stream.bind('tcp://127.0.0.1:*');
    const port = Number(endpoint.split(':').pop());
    const client = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    client.on('data', (d) => got.push(d));
    const ended = new Promise((r) => client.once('end', r));
    try {
      const hello = await stream.receive();
      assert.equal(hello.length, 2);
      assert.equal(hello[1].length, 0, 'connect notification');
      client.write('ping from raw tcp');
      let data = '';
      while (data.length < 'ping from raw tcp'.length) {
        const m = await stream.receive();
        assert.deepEqual(m[0], hello[0], 'same routing id');
        data += m[1].toString();
      }
      assert.equal(data, 'ping from raw tcp');
      await stream.send([hello[0], Buffer.from('pong')]);
      await stream.send([hello[0], Buffer.alloc(0)]);
      await ended;
      assert.equal(Buffer.concat(got).toString(), 'pong', 'raw bytes, no ZMTP framing; empty data closed the connection');
    } finally {
      client.destroy();
      await lib.close();
    }
  });

  test('engine STREAM connects to a raw TCP server and sees it go away', async () => {
    const server = net.createServer((s) => {
      s.on('data', (d) => s.end(`echo:${d}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const lib = await ourEngine();
    const stream = await lib.socket('STREAM');
    try {
      await stream.connect(`tcp://127.0.0.1:${port}`);
      const hello = await stream.receive();
      assert.equal(hello[1].length, 0);
      await stream.send([hello[0], Buffer.from('abc')]);
      let data = '';
      for (;;) {
        const m = await stream.receive();
        if (m[1].length === 0) break; // disconnect notification
        data += m[1].toString();
      }
      assert.equal(data, 'echo:abc');
    } finally {
      await lib.close();
      server.close();
    }
  });

  test('libzmq STREAM and engine STREAM talk raw bytes to each other', async () => {
    const zlib = await zeromqJs();
    const lib = await ourEngine();
    const theirs = await zlib.socket('STREAM');
    const ours = await lib.socket('STREAM');
    try {
      const endpoint = await theirs.bind('tcp://127.0.0.1:*');
      await ours.connect(endpoint);
      const [ourHello, theirHello] = [await ours.receive(), await theirs.receive()];
      assert.equal(ourHello[1].length, 0);
      assert.equal(theirHello[1].length, 0);
      await ours.send([ourHello[0], Buffer.from('raw-1')]);
      assert.deepEqual(text((await theirs.receive()).slice(1)), ['raw-1']);
      await theirs.send([theirHello[0], Buffer.from('raw-2')]);
      assert.deepEqual(text((await ours.receive()).slice(1)), ['raw-2']);
    } finally {
      await lib.close();
      await zlib.close();
    }
  });
});
