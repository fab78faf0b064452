// Handshake failures, the module's export lists and emitter-mode events, the same test body run against
// zeromq.js (libzmq 4.3.5; zeromq-compat-zeromq.test.ts) and the engine (zeromq-compat-engine.test.ts):
// each libzmq handshake failure reason must give zeromq.js's event type, error message, code, status and
// (absent) errno, with the engine's own words only in the non-enumerable `detail`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Zmq, ZmqDraft } from './zeromq-compat.js';
import { freedPort } from '../../helpers/port.js';

type Frame = Buffer | string | null;
type Reply = (request: Buffer[]) => Frame[];
type AnyEvent = { type: string; address?: string; error?: Error & Record<string, unknown> };

const tcp = async () => `tcp://127.0.0.1:${await freedPort()}`;

/** zeromq.js's main and draft exports (its own zmq-test.ts and zmq-draft-test.ts list them). */
const MAIN_EXPORTS = [
  'version',
  'capability',
  'curveKeyPair',
  'context',
  'Context',
  'Socket',
  'Observer',
  'Proxy',
  'Pair',
  'Publisher',
  'Subscriber',
  'Request',
  'Reply',
  'Dealer',
  'Router',
  'Pull',
  'Push',
  'XPublisher',
  'XSubscriber',
  'Stream',
];
const DRAFT_EXPORTS = ['Server', 'Client', 'Radio', 'Dish', 'Gather', 'Scatter', 'Datagram'];

/**
 * A ZAP handler (RFC 27) at inproc://zeromq.zap.01 answering each request with `reply(request)`. One for
 * all the cases, its answer changed per case: libzmq frees an inproc name only some time after close().
 */
async function zapHandler(zmq: Zmq): Promise<{ reply?: Reply; stop(): void }> {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('inproc://zeromq.zap.01');
  const handler: { reply?: Reply; stop(): void } = { stop: () => router.close() };
  void (async () => {
    try {
      for await (const request of router) await router.send(handler.reply!(request));
    } catch {
      /* closed */
    }
  })();
  return handler;
}

/** The standard reply frames (routing id, delimiter, version, request id, status, text, user, metadata). */
const answer =
  (status: string, text = ''): Reply =>
  ([route, delim, , id]) => [route, delim, '1.0', id, status, text, null, null];

interface Case {
  name: string;
  server: Record<string, unknown>;
  client: Record<string, unknown>;
  reply?: Reply;
  /** The event each side must report (undefined: that side is not checked). */
  serverEvent?: string;
  clientEvent?: string;
  check(error: Error & Record<string, unknown>, side: 'server' | 'client'): void;
}

const plainServer = { plainServer: true, zapDomain: 'test' };
const plainClient = { plainUsername: 'user', plainPassword: 'pass' };

function protocolError(message: string, code: string) {
  return (e: Error & Record<string, unknown>) => {
    assert.deepEqual([e.message, e.code, 'errno' in e, 'status' in e], [message, code, false, false]);
  };
}

const CASES: Case[] = [
  {
    name: 'ZAP refuses (400): handshake:error:auth "Authentication failure", status 400, on both sides',
    server: plainServer,
    client: plainClient,
    reply: answer('400', 'Bad credentials'),
    serverEvent: 'handshake:error:auth',
    clientEvent: 'handshake:error:auth',
    check: (e) => assert.deepEqual([e.message, e.status, 'code' in e, 'errno' in e], ['Authentication failure', 400, false, false]),
  },
  {
    name: 'ZAP fails (500): "Internal error", status 500',
    server: plainServer,
    client: plainClient,
    reply: answer('500'),
    serverEvent: 'handshake:error:auth',
    clientEvent: 'handshake:error:auth',
    check: (e) => assert.deepEqual([e.message, e.status], ['Internal error', 500]),
  },
  {
    name: 'ZAP says try later (300): "Temporary error", status 300 on the server',
    server: plainServer,
    client: plainClient,
    reply: answer('300'),
    serverEvent: 'handshake:error:auth',
    check: (e) => assert.deepEqual([e.message, e.status], ['Temporary error', 300]),
  },
  {
    name: 'ZAP reply of another version: ERR_ZAP_BAD_VERSION',
    server: plainServer,
    client: plainClient,
    reply: ([route, delim, , id]) => [route, delim, '9.9', id, '200', 'OK', null, null],
    serverEvent: 'handshake:error:protocol',
    check: protocolError('ZAP protocol error', 'ERR_ZAP_BAD_VERSION'),
  },
  {
    name: 'ZAP reply with too few frames: ERR_ZAP_MALFORMED_REPLY',
    server: plainServer,
    client: plainClient,
    reply: ([route, delim]) => [route, delim, null, null],
    serverEvent: 'handshake:error:protocol',
    check: protocolError('ZAP protocol error', 'ERR_ZAP_MALFORMED_REPLY'),
  },
  {
    name: 'ZAP reply for another request id: ERR_ZAP_BAD_REQUEST_ID',
    server: plainServer,
    client: plainClient,
    reply: ([route, delim]) => [route, delim, '1.0', 'not-the-id', '200', 'OK', null, null],
    serverEvent: 'handshake:error:protocol',
    check: protocolError('ZAP protocol error', 'ERR_ZAP_BAD_REQUEST_ID'),
  },
  {
    name: 'ZAP reply with status 201: ERR_ZAP_INVALID_STATUS_CODE',
    server: plainServer,
    client: plainClient,
    reply: answer('201'),
    serverEvent: 'handshake:error:protocol',
    check: protocolError('ZAP protocol error', 'ERR_ZAP_INVALID_STATUS_CODE'),
  },
  {
    name: 'ZAP reply with malformed metadata: ERR_ZAP_INVALID_METADATA',
    server: plainServer,
    client: plainClient,
    reply: ([route, delim, , id]) => [route, delim, '1.0', id, '200', 'OK', 'user', Buffer.from([5, 0x41])],
    serverEvent: 'handshake:error:protocol',
    check: protocolError('ZAP protocol error', 'ERR_ZAP_INVALID_METADATA'),
  },
  {
    name: 'PLAIN server against a CURVE server: ERR_ZMTP_MECHANISM_MISMATCH on both sides',
    server: { plainServer: true },
    client: { curveServer: true },
    serverEvent: 'handshake:error:protocol',
    clientEvent: 'handshake:error:protocol',
    check: protocolError('ZMTP protocol error', 'ERR_ZMTP_MECHANISM_MISMATCH'),
  },
];

export function handshakeSuite(name: string, zmq: Zmq, draft: ZmqDraft): void {
  zmq.context.blocky = false;
  describe(`zeromq.js API, handshakes, exports, emitter: ${name}`, () => {
    let zap: Promise<{ reply?: Reply; stop(): void }> | undefined;
    after(async () => (await zap)?.stop());

    test("the main module exports exactly zeromq.js's names, the draft module zeromq/draft's", () => {
      // (`default` and `__esModule`: how an ES module sees zeromq.js's CommonJS exports.)
      const names = (m: object) =>
        Object.keys(m)
          .filter((k) => k !== 'default' && k !== '__esModule')
          .sort();
      assert.deepEqual(names(zmq), [...MAIN_EXPORTS].sort());
      assert.deepEqual(names(draft), [...DRAFT_EXPORTS].sort());
    });

    for (const c of CASES) {
      test(`handshake failure: ${c.name}`, async () => {
        if (c.reply) (await (zap ??= zapHandler(zmq))).reply = c.reply;
        const server = new zmq.Pair({ linger: 0, ...c.server });
        const client = new zmq.Pair({ linger: 0, ...c.client });
        try {
          const address = await tcp();
          const first = (sock: typeof server, type: string) => new Promise<AnyEvent>((resolve) => sock.events.on(type as never, resolve));
          const serverEvent = c.serverEvent ? first(server, c.serverEvent) : undefined;
          const clientEvent = c.clientEvent ? first(client, c.clientEvent) : undefined;
          await server.bind(address);
          client.connect(address);
          for (const [side, pending] of [
            ['server', serverEvent],
            ['client', clientEvent],
          ] as const) {
            if (!pending) continue;
            const event = await pending;
            assert.equal(event.address, address, `${side} event address`);
            assert.ok(event.error instanceof Error, `${side} event carries an Error`);
            c.check(event.error, side);
            if (name !== 'zeromq.js') {
              assert.equal(typeof event.error.detail, 'string', 'the engine says what happened in err.detail');
              assert.ok(!Object.keys(event.error).includes('detail'), 'detail is not enumerable');
            }
          }
        } finally {
          server.close();
          client.close();
        }
      });
    }

    test("emitter mode: events on() gets deep-equal to zeromq.js's ({ type, address }), accept included; inproc gives only 'end'", async () => {
      for (const address of [await tcp(), `inproc://compat-emitter-${process.pid}`]) {
        const a = new zmq.Dealer({ linger: 0 });
        const b = new zmq.Dealer({ linger: 0 });
        const seen: AnyEvent[] = [];
        for (const type of ['bind', 'accept', 'handshake', 'close', 'end'] as const) a.events.on(type, (e: AnyEvent) => seen.push(e));
        const ended = new Promise((resolve) => a.events.on('end', resolve));
        const handshake = new Promise((resolve) => a.events.on('handshake', resolve));
        await a.bind(address);
        b.connect(address);
        await b.send('hello');
        await a.receive();
        if (address.startsWith('tcp:')) await handshake;
        a.close();
        b.close();
        await ended;
        if (address.startsWith('inproc:')) {
          assert.deepEqual(seen, [{ type: 'end' }]);
        } else {
          assert.deepEqual(
            seen.map((e) => e.type),
            ['bind', 'accept', 'handshake', 'close', 'end'],
          );
          for (const e of seen.slice(0, 4)) assert.deepEqual(e, { type: e.type, address });
          assert.deepEqual(seen[4], { type: 'end' });
        }
      }
    });

    test('emitter mode: events that came before on() are delivered to listeners added in the same tick', async () => {
      const a = new zmq.Dealer({ linger: 0 });
      const address = await tcp();
      const events = a.events; // the observer exists (and queues) from here
      await a.bind(address);
      const got: AnyEvent[] = [];
      events.on('bind', (e: AnyEvent) => got.push(e));
      const ended = new Promise((resolve) => events.on('end', resolve));
      a.close();
      await ended;
      assert.deepEqual(got, [{ type: 'bind', address }]);
    });
  });
}
