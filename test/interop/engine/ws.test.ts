// ws:// (ZeroMQ over WebSocket, ZWS 2.0) against libzmq 4.3.5 through zeromq.js, both directions:
// our engine binding or connecting, as either socket of REQ/REP, DEALER/ROUTER and PUB/SUB; CURVE over
// ws; and bad input from raw WebSocket peers closing only that connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as zmq from 'zeromq';
import { WebSocket } from 'ws';
import * as engine from '../../../core/internal.js';
import { nextEvent } from './machinery-helpers.js';
import { text } from './peers/peers.js';
import { startEngineZapHandler, startZapHandler } from './security-raw-peer.js';
import type { EventType, SocketEvent } from '../../../core/engine/monitor.js';

type Lib = 'ours' | 'zmq';
type Kind = 'REQ' | 'REP' | 'DEALER' | 'ROUTER' | 'PUB' | 'SUB';

interface AnySocket {
  bind(a: string): Promise<void>;
  connect(a: string): void;
  send(m: unknown): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly lastEndpoint: string | null;
  subscribe?(...p: string[]): void;
}

function make(lib: Lib, kind: Kind, options: Record<string, unknown> = {}): AnySocket {
  const m = (lib === 'ours' ? engine : zmq) as unknown as Record<string, new (o: Record<string, unknown>) => AnySocket>;
  const cls = { REQ: 'Request', REP: 'Reply', DEALER: 'Dealer', ROUTER: 'Router', PUB: 'Publisher', SUB: 'Subscriber' }[kind];
  const readable = kind !== 'PUB' ? { receiveTimeout: 10000 } : {};
  return new m[cls]({ linger: 0, ...readable, ...options });
}

interface PairCase {
  a: Kind;
  b: Kind;
  exchange(a: AnySocket, b: AnySocket): Promise<void>;
}

const PAIRS: PairCase[] = [
  {
    a: 'REQ',
    b: 'REP',
    async exchange(a, b) {
      for (let i = 0; i < 3; i++) {
        await a.send([`req${i}`, 'more']);
        assert.deepEqual(text(await b.receive()), [`req${i}`, 'more']);
        await b.send([`rep${i}`, Buffer.alloc(300 + i * 70000, i)]);
        const r = await a.receive();
        assert.equal(r[0].toString(), `rep${i}`);
        assert.equal(r[1].length, 300 + i * 70000, 'frames above 125 and 65535 bytes use the long WebSocket lengths');
        assert.ok(r[1].every((x) => x === i));
      }
    },
  },
  {
    a: 'DEALER',
    b: 'ROUTER',
    async exchange(a, b) {
      await a.send(['', 'hello', 'there']);
      const m = await b.receive();
      assert.equal(m[0].toString(), 'dealer-1', 'the ROUTER sees the DEALER routing id from READY');
      assert.deepEqual(text(m.slice(1)), ['', 'hello', 'there']);
      await b.send([m[0], '', 'back']);
      assert.deepEqual(text(await a.receive()), ['', 'back']);
    },
  },
  {
    a: 'SUB',
    b: 'PUB',
    async exchange(a, b) {
      a.subscribe!('yes');
      // A subscription reaches the PUB some time after connecting; publish until one arrives.
      let got: Buffer[] | undefined;
      const first = a.receive();
      for (let i = 0; i < 200 && !got; i++) {
        await b.send(['no', 'filtered']);
        await b.send(['yes', String(i)]);
        got = await Promise.race([first, new Promise<undefined>((r) => setTimeout(r, 50))]);
      }
      assert.ok(got, 'subscribed message arrives');
      assert.equal(got[0].toString(), 'yes');
      // After that everything arrives in order and the filtered topic never does.
      await b.send(['no', 'x']);
      await b.send(['yes', 'last']);
      for (;;) {
        const m = await a.receive();
        assert.equal(m[0].toString(), 'yes');
        if (m[1].toString() === 'last') break;
      }
    },
  },
];

describe('ws:// transport against libzmq (zeromq.js)', () => {
  for (const pair of PAIRS) {
    for (const [libA, libB] of [
      ['ours', 'zmq'],
      ['zmq', 'ours'],
      ['ours', 'ours'],
    ] as Array<[Lib, Lib]>) {
      for (const bindSide of ['a', 'b'] as const) {
        const name = `${pair.a}(${libA}) ${bindSide === 'a' ? 'binds' : 'connects'} - ${pair.b}(${libB}) ${bindSide === 'b' ? 'binds' : 'connects'}`;
        test(name, async () => {
          const optsA = pair.a === 'DEALER' ? { routingId: 'dealer-1' } : {};
          const a = make(libA, pair.a, optsA);
          const b = make(libB, pair.b);
          try {
            const [binder, connecter] = bindSide === 'a' ? [a, b] : [b, a];
            await binder.bind('ws://127.0.0.1:*');
            assert.match(binder.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
            connecter.connect(binder.lastEndpoint!);
            await pair.exchange(a, b);
          } finally {
            a.close();
            b.close();
          }
        });
      }
    }
  }

  test('a path in the endpoint is sent in the upgrade request and libzmq accepts it', async () => {
    const rep = make('zmq', 'REP');
    const req = make('ours', 'REQ');
    try {
      await rep.bind('ws://127.0.0.1:*');
      req.connect(`${rep.lastEndpoint!}some/path`);
      await req.send('ping');
      assert.deepEqual(text(await rep.receive()), ['ping']);
      await rep.send('pong');
      assert.deepEqual(text(await req.receive()), ['pong']);
    } finally {
      rep.close();
      req.close();
    }
  });

  test('unbind closes the WebSocket connections: the libzmq peer sees the disconnect, then reconnects to a new bind', async () => {
    const pull = new engine.Pull({ linger: 0, receiveTimeout: 10000 });
    const push = new zmq.Push({ linger: 0, reconnectInterval: 20 });
    const events: string[] = [];
    let disconnected!: () => void;
    const gone = new Promise<void>((r) => (disconnected = r));
    void (async () => {
      for await (const e of push.events) {
        events.push(e.type);
        if (e.type === 'disconnect') disconnected();
      }
    })();
    try {
      await pull.bind('ws://127.0.0.1:*');
      const endpoint = pull.lastEndpoint!;
      push.connect(endpoint);
      await push.send('before');
      assert.deepEqual(text(await pull.receive()), ['before']);
      await pull.unbind(endpoint);
      await gone;
      await pull.bind(endpoint);
      await push.send('after');
      assert.deepEqual(text(await pull.receive()), ['after']);
      assert.ok(events.includes('disconnect'));
    } finally {
      push.close();
      pull.close();
    }
  });

  for (const serverLib of ['ours', 'zmq'] as Lib[]) {
    test(`CURVE over ws: ${serverLib === 'ours' ? 'our' : 'libzmq'} server, ${serverLib === 'ours' ? 'libzmq' : 'our'} client`, async () => {
      const server = engine.curveKeyPair();
      const client = engine.curveKeyPair();
      const rep = make(serverLib, 'REP', { curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey });
      const req = make(serverLib === 'ours' ? 'zmq' : 'ours', 'REQ', {
        curveServerKey: server.publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
      });
      try {
        await rep.bind('ws://127.0.0.1:*');
        req.connect(rep.lastEndpoint!);
        await req.send(['secret', 'two']);
        assert.deepEqual(text(await rep.receive()), ['secret', 'two']);
        await rep.send('answer');
        assert.deepEqual(text(await req.receive()), ['answer']);
      } finally {
        rep.close();
        req.close();
      }
    });
  }
});

describe('ws:// with PLAIN and a ZAP handler', () => {
  const users: Record<string, string> = { admin: 'secret' };
  const policy = (r: { credentials: Buffer[] }) =>
    users[r.credentials[0].toString()] === r.credentials[1]?.toString()
      ? { statusCode: '200', userId: r.credentials[0].toString() }
      : { statusCode: '400', statusText: 'bad credentials' };

  test('our PLAIN server (engine ZAP handler): libzmq client accepted, a wrong password refused (handshake:error:auth)', async () => {
    const context = new engine.Context();
    const zap = await startEngineZapHandler(context, policy);
    const rep = new engine.Reply({ linger: 0, plainServer: true, zapDomain: 'ws-test', receiveTimeout: 10000 }, context);
    const good = new zmq.Request({ linger: 0, plainUsername: 'admin', plainPassword: 'secret', receiveTimeout: 10000 });
    const bad = new zmq.Request({ linger: 0, plainUsername: 'admin', plainPassword: 'wrong' });
    try {
      await rep.bind('ws://127.0.0.1:*');
      const refused = nextEvent(rep, 'handshake:error:auth');
      bad.connect(rep.lastEndpoint!);
      const ev = await refused;
      assert.match(ev.reason!, /bad credentials|400/);
      good.connect(rep.lastEndpoint!);
      await good.send('hello');
      assert.deepEqual(text(await rep.receive()), ['hello']);
      await rep.send('welcome');
      assert.deepEqual(text(await good.receive()), ['welcome']);
      assert.ok(zap.requests.some((r) => r.mechanism === 'PLAIN' && r.domain === 'ws-test'));
    } finally {
      good.close();
      bad.close();
      rep.close();
      await zap.close();
    }
  });

  test('libzmq PLAIN server (zeromq.js ZAP handler): our client accepted', async () => {
    const context = new zmq.Context();
    const zap = await startZapHandler(context, policy);
    const rep = new zmq.Reply({ context, linger: 0, plainServer: true, zapDomain: 'ws-test' });
    const req = new engine.Request({ linger: 0, plainUsername: 'admin', plainPassword: 'secret', receiveTimeout: 10000 });
    try {
      await rep.bind('ws://127.0.0.1:*');
      req.connect(rep.lastEndpoint!);
      await req.send('hello');
      assert.deepEqual(text(await rep.receive()), ['hello']);
      await rep.send('welcome');
      assert.deepEqual(text(await req.receive()), ['welcome']);
      assert.equal(zap.requests[0].mechanism, 'PLAIN');
    } finally {
      req.close();
      rep.close();
      await zap.close();
    }
  });

  test('a NULL client offering ZWS2.0/NULL to a PLAIN ws endpoint is refused at the upgrade and retries', async () => {
    const rep = new engine.Reply({ linger: 0, plainServer: true });
    const req = new engine.Request({ linger: 0, reconnectInterval: 50 });
    try {
      await rep.bind('ws://127.0.0.1:*');
      const retry = nextEvent(req, 'connect:retry');
      req.connect(rep.lastEndpoint!);
      assert.match((await retry).reason!, /upgrade refused: HTTP 400/);
    } finally {
      req.close();
      rep.close();
    }
  });
});

describe('ws:// bad input', () => {
  const CLOSING: EventType[] = ['disconnect', 'handshake:error:protocol', 'handshake:error:other'];

  /** Our PULL on ws:// with a libzmq PUSH sending around a bad peer's visit: the good peer loses nothing. */
  async function scenario(options: Record<string, unknown>, bad: (endpoint: string, pull: engine.Socket) => Promise<void>): Promise<void> {
    const pull = new engine.Pull({ linger: 0, ...options });
    await pull.bind('ws://127.0.0.1:*');
    const good = new zmq.Push({ linger: 0 });
    // The good peer's handshake must be over before the bad peer's starts, or provoke() could take the
    // good peer's 'handshake' event for the bad one's and send the bad input mid-handshake.
    const goodUp = nextEvent(pull, 'handshake');
    good.connect(pull.lastEndpoint!);
    try {
      for (let i = 0; i < 50; i++) await good.send(['good', String(i)]);
      await goodUp;
      await bad(pull.lastEndpoint!, pull);
      for (let i = 50; i < 100; i++) await good.send(['good', String(i)]);
      for (let i = 0; i < 100; i++) assert.deepEqual(text(await pull.receive()), ['good', String(i)]);
    } finally {
      good.close();
      pull.close();
    }
  }

  /** A raw WebSocket client speaking ZWS2.0/NULL by hand. */
  async function rawZws(endpoint: string, protocol = 'ZWS2.0/NULL'): Promise<WebSocket> {
    const ws = new WebSocket(endpoint, { headers: { 'Sec-WebSocket-Protocol': protocol } });
    ws.on('upgrade', (res) => {
      delete res.headers['sec-websocket-protocol'];
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return ws;
  }

  const ready = (type: string) =>
    Buffer.concat([
      Buffer.from([0x02, 5]),
      Buffer.from('READY'),
      Buffer.from([11]),
      Buffer.from('Socket-Type'),
      Buffer.from([0, 0, 0, type.length]),
      Buffer.from(type),
    ]);

  /** Completes the handshake as a PUSH (unless `handshake` is false), then sends the bad input. */
  async function provoke(pull: engine.Socket, ws: WebSocket, send: () => void, handshake = true): Promise<SocketEvent> {
    if (handshake) {
      const done = nextEvent(pull, 'handshake');
      ws.send(ready('PUSH'));
      await done;
    }
    const ev = Promise.race(CLOSING.map((t) => nextEvent(pull, t)));
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    send();
    const event = await ev;
    await closed;
    return event;
  }

  test('a text message after the handshake closes that connection with the reason', async () => {
    await scenario({}, async (endpoint, pull) => {
      const ws = await rawZws(endpoint);
      const event = await provoke(pull, ws, () => {
        ws.send('hello', { binary: false });
      });
      assert.equal(event.type, 'disconnect');
      assert.match(event.reason!, /text WebSocket message/);
    });
  });

  test('an empty binary message (no ZWS flags byte) closes that connection', async () => {
    await scenario({}, async (endpoint, pull) => {
      const ws = await rawZws(endpoint);
      const event = await provoke(pull, ws, () => {
        ws.send(Buffer.alloc(0));
      });
      assert.equal(event.type, 'disconnect');
      assert.match(event.reason!, /empty WebSocket message/);
    });
  });

  test('a message frame before READY fails the handshake (protocol)', async () => {
    await scenario({}, async (endpoint, pull) => {
      const ws = await rawZws(endpoint);
      const event = await provoke(
        pull,
        ws,
        () => {
          ws.send(Buffer.from('\x00data'));
        },
        false,
      );
      assert.equal(event.type, 'handshake:error:protocol');
      assert.match(event.reason!, /before the security handshake finished/);
    });
  });

  test('an incompatible socket type in READY fails the handshake', async () => {
    await scenario({}, async (endpoint, pull) => {
      const ws = await rawZws(endpoint);
      const event = await provoke(
        pull,
        ws,
        () => {
          ws.send(ready('PUB'));
        },
        false,
      );
      // As libzmq's NULL mechanism: no handshake event for a socket-type mismatch, the disconnect names it.
      assert.equal(event.type, 'disconnect');
      assert.match(event.reason!, /PUB cannot talk to PULL/);
    });
  });

  test('a frame beyond maxMessageSize closes that connection', async () => {
    await scenario({ maxMessageSize: 1000 }, async (endpoint, pull) => {
      const ws = await rawZws(endpoint);
      const event = await provoke(pull, ws, () => {
        ws.send(Buffer.alloc(2000));
      });
      assert.equal(event.type, 'disconnect');
      assert.match(event.reason!, /Max payload size exceeded/);
    });
  });

  test('HTTP without upgrade gets 426, a wrong subprotocol 400; no connection is made', async () => {
    await scenario({}, async (endpoint) => {
      const url = endpoint.replace('ws://', 'http://');
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(url, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on('error', reject);
      });
      assert.equal(status, 426);
      const ws = new WebSocket(endpoint, ['chat']);
      const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
      assert.match(err.message, /Unexpected server response: 400/);
    });
  });

  test('connecting to a ws server that is not ZeroMQ reports the reason and retries', async () => {
    const server = http.createServer((_q, res) => {
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const push = new engine.Push({ linger: 0, reconnectInterval: 50 });
    try {
      const retry = nextEvent(push, 'connect:retry');
      push.connect(`ws://127.0.0.1:${port}/`);
      const ev = await retry;
      assert.match(ev.reason!, /upgrade refused: HTTP 404/);
    } finally {
      push.close();
      server.close();
    }
  });

  test('invalid ws endpoints are refused with EINVAL', async () => {
    const s = new engine.Push({ linger: 0 });
    try {
      assert.throws(() => s.connect('ws://127.0.0.1'), { code: 'EINVAL' });
      assert.throws(() => s.connect('ws://127.0.0.1:99999/'), { code: 'EINVAL' });
      await assert.rejects(s.bind('ws://no host:1/'), { code: 'EINVAL' });
    } finally {
      s.close();
    }
  });
});

describe('wss:// (TLS; the libzmq in zeromq.js has no wss, so engine to engine)', () => {
  let dir: string;
  let cert: string;
  let key: string;
  before(() => {
    // A throwaway self-signed certificate for 127.0.0.1 / localhost, made by the openssl tool.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-test-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('zeromq.js (libzmq 4.3.5 as packaged) refuses wss://, so there is no libzmq peer to test against', async () => {
    const s = new zmq.Pull({ linger: 0 });
    try {
      await assert.rejects(s.bind('wss://127.0.0.1:*'), { code: 'EPROTONOSUPPORT' });
    } finally {
      s.close();
    }
  });

  test('REQ/REP and DEALER/ROUTER over wss with a trusted certificate, CURVE inside TLS', async () => {
    const rep = new engine.Reply({ linger: 0, wssCertPem: cert, wssKeyPem: key, receiveTimeout: 10000 });
    const req = new engine.Request({ linger: 0, wssTrustPem: cert, receiveTimeout: 10000 });
    const server = engine.curveKeyPair();
    const router = new engine.Router({
      linger: 0,
      wssCertPem: cert,
      wssKeyPem: key,
      curveServer: true,
      curveSecretKey: server.secretKey,
      receiveTimeout: 10000,
    });
    const client = engine.curveKeyPair();
    const dealer = new engine.Dealer({
      linger: 0,
      wssTrustPem: cert,
      wssHostname: 'localhost',
      routingId: 'd',
      receiveTimeout: 10000,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    });
    try {
      await rep.bind('wss://127.0.0.1:*');
      assert.match(rep.lastEndpoint!, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
      req.connect(rep.lastEndpoint!);
      await req.send(['over', 'tls']);
      assert.deepEqual(text(await rep.receive()), ['over', 'tls']);
      await rep.send('fine');
      assert.deepEqual(text(await req.receive()), ['fine']);
      await router.bind('wss://127.0.0.1:*');
      dealer.connect(router.lastEndpoint!);
      await dealer.send('sealed twice');
      assert.deepEqual(text(await router.receive()), ['d', 'sealed twice']);
    } finally {
      for (const s of [rep, req, router, dealer]) s.close();
    }
  });

  test('an untrusted certificate or a wrong host name: no connection, the reason in connect:retry', async () => {
    const rep = new engine.Reply({ linger: 0, wssCertPem: cert, wssKeyPem: key });
    const untrusting = new engine.Request({ linger: 0, reconnectInterval: 50 });
    const wrongName = new engine.Request({ linger: 0, reconnectInterval: 50, wssTrustPem: cert, wssHostname: 'wrong.example' });
    try {
      await rep.bind('wss://127.0.0.1:*');
      const r1 = nextEvent(untrusting, 'connect:retry');
      const r2 = nextEvent(wrongName, 'connect:retry');
      untrusting.connect(rep.lastEndpoint!);
      wrongName.connect(rep.lastEndpoint!);
      assert.match((await r1).reason!, /self[- ]signed/);
      assert.match((await r2).reason!, /wrong\.example/);
    } finally {
      for (const s of [rep, untrusting, wrongName]) s.close();
    }
  });

  test('binding wss without a certificate, or with bad PEM, is EINVAL', async () => {
    const a = new engine.Reply({ linger: 0 });
    try {
      await assert.rejects(a.bind('wss://127.0.0.1:*'), { code: 'EINVAL', detail: /wssCertPem/ });
      assert.throws(
        () => {
          a.wssCertPem = 'not pem';
        },
        { code: 'EINVAL', detail: /PEM/ },
      );
      a.wssCertPem = cert;
      a.wssKeyPem = cert; // a certificate where the key should be
      await assert.rejects(a.bind('wss://127.0.0.1:*'), { code: 'EINVAL', detail: /bad wssCertPem\/wssKeyPem/ });
    } finally {
      a.close();
    }
  });
});

test('engine ws client: a large frame reaches libzmq intact and the caller keeps its buffer unmasked', async () => {
  // RFC 6455 masks every client frame. libzmq's ws encoder masks a zero-copy frame in the caller's own
  // buffer (zeromq.js users see their Buffer change after send); the engine masks a copy.
  const pull = new zmq.Pull({ linger: 0 });
  const push = new engine.Push({ linger: 0 });
  try {
    await pull.bind('ws://127.0.0.1:*');
    push.connect(pull.lastEndpoint!);
    const payload = Buffer.alloc(70000, 7);
    await push.send(payload);
    const [got] = await pull.receive();
    assert.ok(got.equals(Buffer.alloc(70000, 7)), 'libzmq received the bytes sent');
    assert.ok(payload.equals(Buffer.alloc(70000, 7)), 'the sent buffer is unchanged');
  } finally {
    push.close();
    pull.close();
  }
});
