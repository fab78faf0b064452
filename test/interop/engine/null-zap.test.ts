// The NULL mechanism's ZAP path, compared with libzmq's (null_mechanism.cpp): one raw ZMTP 3.1 NULL
// client talks to a libzmq ROUTER and to ours, each with a ZAP domain and a ZAP handler in its own
// context answering the same way. For every answer the two servers must send the same commands back,
// ask the handler the same request and report the same monitor event.
//
// One deliberate difference: after refusing a client, libzmq keeps the connection open until the
// client closes it or handshakeInterval (30 s by default) runs out; ours closes it at once, so a
// client that ignores ERROR cannot hold a connection. The tests check that ours closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import * as zmq from 'zeromq';
import { Context, Router } from '../../../core/internal.js';
import {
  FrameDecoder,
  encodeFrame,
  encodeGreetingV3,
  encodeMetadata,
  parseCommand,
  readyCommand,
  type ParsedZapRequest,
} from '../../../core/zmtp/index.js';
import { rawConnect } from './machinery-helpers.js';
import { startEngineZapHandler, startZapHandler, watchEvents, type ZapPolicy } from './security-raw-peer.js';
import { portOf } from '../../helpers/port.js';

type Lib = 'libzmq' | 'ours';

interface Outcome {
  /** Commands the server sent after its greeting: "READY Socket-Type=ROUTER", "ERROR 400", ... */
  commands: string[];
  /** Whether the server closed the connection (within the wait). */
  closed: boolean;
  /** The server's first handshake-related monitor event: "handshake", "handshake:error:auth 400", ... */
  event: string;
  /** What the ZAP handler was asked (undefined: no handler, or never asked). */
  request?: { domain: string; address: string; identity: string; mechanism: string; credentials: number };
}

const READY = readyCommand({ 'Socket-Type': 'DEALER', Identity: 'client-id' });
const HANDSHAKE_EVENTS = ['handshake', 'handshake:error:auth', 'handshake:error:protocol', 'handshake:error:other'];

/** What the raw client saw of the server's side: its commands after the greeting. */
function commandsIn(bytes: Buffer): string[] {
  assert.ok(bytes.length >= 64, `the server sent only ${bytes.length} bytes, not a whole greeting`);
  assert.equal(bytes[0], 0xff);
  assert.equal(bytes.toString('latin1', 12, 16), 'NULL');
  const out: string[] = [];
  const decoder = new FrameDecoder('v3');
  const error = decoder.push(bytes.subarray(64), (_more, command, body) => {
    if (!command) return void out.push(`message ${body.toString('hex')}`);
    const cmd = parseCommand(body);
    if (cmd.name === 'READY' && 'properties' in cmd) out.push(`READY Socket-Type=${cmd.properties['Socket-Type']}`);
    else if (cmd.name === 'ERROR' && 'reason' in cmd) out.push(`ERROR ${cmd.reason}`);
    else out.push(cmd.name || 'malformed');
  });
  assert.equal(error, undefined, `the server's frames do not decode: ${JSON.stringify(error)}`);
  return out;
}

function describeRequest(r: ParsedZapRequest): Outcome['request'] {
  return {
    domain: r.domain,
    address: r.address,
    identity: r.identity.toString('latin1'),
    mechanism: r.mechanism,
    credentials: r.credentials.length,
  };
}

/**
 * Runs one conversation: a `lib` ROUTER (routing id "server-rid", ZAP domain "dom", `enforce` as
 * zapEnforceDomain) with a ZAP handler answering `policy` (none when undefined), and a raw NULL client.
 */
async function converse(lib: Lib, policy: ZapPolicy | undefined, enforce = false, clientCommand = READY): Promise<Outcome> {
  const options = { linger: 0, routingId: 'server-rid', zapDomain: 'dom', zapEnforceDomain: enforce };
  const theirs = new zmq.Context();
  const ctx = new Context();
  const zap = policy ? (lib === 'libzmq' ? await startZapHandler(theirs, policy) : await startEngineZapHandler(ctx, policy)) : undefined;
  const server = lib === 'libzmq' ? new zmq.Router({ ...options, context: theirs }) : new Router(options, ctx);
  const events = watchEvents(server);
  try {
    await server.bind('tcp://127.0.0.1:*');
    const client = await rawConnect(portOf(server.lastEndpoint));
    client.sock.write(encodeGreetingV3('NULL', false));
    // libzmq handles input before it finishes sending its own greeting; wait for it, so a failing
    // command cannot cut the greeting short.
    await client.waitFor(64);
    client.sock.write(encodeFrame('v3', clientCommand, false, true));
    const event = await Promise.race([
      ...HANDSHAKE_EVENTS.map((t) => events.next(t)),
      delay(5000).then(() => ({ type: 'none', error: undefined })),
    ]);
    // Whatever the server sends with or after its verdict arrives at once on loopback; a server that
    // closes does so right after.
    const closed = await Promise.race([client.closed.then(() => true), delay(300).then(() => false)]);
    client.sock.destroy();
    const status = event.type === 'handshake:error:auth' ? ` ${event.error?.status}` : '';
    return {
      commands: commandsIn(client.received),
      closed,
      event: `${event.type}${status}`,
      request: zap?.requests[0] ? describeRequest(zap.requests[0]) : undefined,
    };
  } finally {
    server.close();
    await zap?.close();
    await ctx.term();
  }
}

/** What must match libzmq: everything but `closed` (see the top of this file). */
const comparable = ({ commands, event, request }: Outcome) => ({ commands, event, request });

/** Runs the conversation with both servers; returns ours. */
async function sameAsLibzmq(policy: ZapPolicy | undefined, enforce = false, clientCommand = READY): Promise<Outcome> {
  const expected = await converse('libzmq', policy, enforce, clientCommand);
  const actual = await converse('ours', policy, enforce, clientCommand);
  assert.deepEqual(comparable(actual), comparable(expected));
  return actual;
}

const reply =
  (statusCode: string, more: Partial<ReturnType<ZapPolicy>> = {}): ZapPolicy =>
  () => ({ statusCode, statusText: 'text', ...more });

test("NULL + ZAP 200: READY back, a handshake event, and the request carries the server's own routing id", async () => {
  const seen = await sameAsLibzmq(reply('200', { userId: 'alice', metadata: encodeMetadata({ Role: 'admin' }) }));
  assert.deepEqual(seen.commands, ['READY Socket-Type=ROUTER']);
  assert.equal(seen.event, 'handshake');
  assert.deepEqual(seen.request, { domain: 'dom', address: '127.0.0.1', identity: 'server-rid', mechanism: 'NULL', credentials: 0 });
});

test('NULL + ZAP 300: no ERROR, the connection closes, handshake:error:auth 300', async () => {
  const seen = await sameAsLibzmq(reply('300'));
  assert.deepEqual(seen.commands, []);
  assert.equal(seen.closed, true);
  assert.equal(seen.event, 'handshake:error:auth 300');
});

test('NULL + ZAP 400 and 500: ERROR with the status code as its reason, not the status text', async () => {
  for (const code of ['400', '500']) {
    const seen = await sameAsLibzmq(reply(code));
    assert.deepEqual(seen.commands, [`ERROR ${code}`]);
    assert.equal(seen.closed, true);
    assert.equal(seen.event, `handshake:error:auth ${code}`);
  }
});

test('NULL + an invalid ZAP reply (unknown status code, malformed metadata) is a protocol failure, never a refusal', async () => {
  for (const policy of [reply('600'), reply('200', { metadata: Buffer.from([5, 0x61]) })]) {
    const seen = await sameAsLibzmq(policy);
    assert.equal(seen.event, 'handshake:error:protocol');
    assert.equal(seen.closed, true);
    assert.ok(!seen.commands.includes('READY Socket-Type=ROUTER'), 'not let in');
  }
});

test('NULL with a ZAP domain but no handler: let in, unless zapEnforceDomain', async () => {
  const open = await sameAsLibzmq(undefined);
  assert.deepEqual(open.commands, ['READY Socket-Type=ROUTER']);
  assert.equal(open.event, 'handshake');
  const enforced = await sameAsLibzmq(undefined, true);
  assert.equal(enforced.event, 'handshake:error:other');
  assert.deepEqual(enforced.commands, []);
  assert.equal(enforced.closed, true);
});

test('NULL: a command other than READY or ERROR is a protocol failure, and neither server answers it with ERROR', async () => {
  const seen = await sameAsLibzmq(reply('200'), false, Buffer.from('\x04PING\x00\x00', 'latin1'));
  assert.equal(seen.event, 'handshake:error:protocol');
  assert.equal(seen.closed, true);
});
