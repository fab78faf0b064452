// ZMTP 3.1 heartbeats (RFC 37): we PING on heartbeatInterval and drop a peer that stays silent past
// heartbeatTimeout (shown with a raw peer and with a real libzmq peer frozen by SIGSTOP); we answer
// PING with PONG carrying the same context; a peer's PING TTL makes us drop it when it goes quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import {
  FrameDecoder,
  encodeFrame,
  encodeGreetingV3,
  encodeMessage,
  parseCommand,
  pingCommand,
  readyCommand,
} from '../../../core/zmtp/index.js';
import { nextEvent, ours, python, rawConnect, rawServer } from './machinery-helpers.js';

/** Commands found in `bytes` after a 64-byte greeting. */
function commandsAfterGreeting(bytes: Buffer): { name: string; context?: Buffer; ttl?: number }[] {
  const out: { name: string; context?: Buffer; ttl?: number }[] = [];
  new FrameDecoder('v3').push(bytes.subarray(64), (_more, command, body) => {
    if (command) out.push(parseCommand(body));
  });
  return out;
}

test('we PING a silent peer and drop it after heartbeatTimeout', async () => {
  const server = await rawServer();
  const dealer = ours('DEALER', { heartbeatInterval: 30, heartbeatTimeout: 120, reconnectInterval: 10000 });
  try {
    const disconnected = nextEvent(dealer, 'disconnect');
    dealer.connect(`tcp://127.0.0.1:${server.port}`);
    const peer = await server.accepted;
    // Complete the handshake, then say nothing more.
    peer.sock.write(encodeGreetingV3('NULL', false));
    peer.sock.write(encodeFrame('v3', readyCommand({ 'Socket-Type': 'ROUTER' }), false, true));
    const e = await disconnected;
    assert.match(e.reason!, /heartbeat: no traffic from peer within 120 ms of a PING/);
    const cmds = commandsAfterGreeting(peer.received);
    assert.equal(cmds[0].name, 'READY');
    assert.ok(
      cmds.some((c) => c.name === 'PING'),
      'at least one PING was sent',
    );
  } finally {
    dealer.close();
    server.close();
  }
});

test('we answer PING with a PONG that carries the same context, and honour its TTL', async () => {
  const router = ours('ROUTER');
  await router.bind('tcp://127.0.0.1:*');
  const peer = await rawConnect(Number(router.lastEndpoint!.split(':').pop()));
  try {
    peer.sock.write(encodeGreetingV3('NULL', false));
    peer.sock.write(encodeFrame('v3', readyCommand({ 'Socket-Type': 'DEALER', Identity: 'raw' }), false, true));
    peer.sock.write(encodeMessage('v3', [Buffer.from('hi')]));
    const [id, body] = await router.receive();
    assert.equal(id.toString(), 'raw');
    assert.equal(body.toString(), 'hi');
    const disconnected = nextEvent(router, 'disconnect');
    // TTL 3 deciseconds: silent afterwards, so we must drop the connection.
    peer.sock.write(encodeFrame('v3', pingCommand(3, Buffer.from('ctx-42')), false, true));
    const e = await disconnected;
    assert.match(e.reason!, /TTL of 300 ms expired/);
    await peer.closed;
    const pong = commandsAfterGreeting(peer.received).find((c) => c.name === 'PONG');
    assert.ok(pong, 'a PONG was sent');
    assert.equal(pong.context!.toString(), 'ctx-42');
  } finally {
    peer.sock.destroy();
    router.close();
  }
});

test('a libzmq peer (pyzmq) frozen with SIGSTOP is detected by our heartbeats; a live one is not dropped', async () => {
  const py = python(`
import zmq
ctx = zmq.Context()
r = ctx.socket(zmq.ROUTER)
port = r.bind_to_random_port('tcp://127.0.0.1')
print(port)
while True:
    msg = r.recv_multipart()
    r.send_multipart(msg)
`);
  const dealer = ours('DEALER', { heartbeatInterval: 50, heartbeatTimeout: 1000, reconnectInterval: 10000 });
  try {
    const port = Number(await py.line());
    const events: string[] = [];
    dealer.events.on('disconnect', () => events.push('disconnect'));
    dealer.connect(`tcp://127.0.0.1:${port}`);
    // Twenty round trips spaced by a few heartbeat intervals: libzmq answers our PINGs meanwhile.
    for (let i = 0; i < 20; i++) {
      await dealer.send(String(i));
      assert.equal((await dealer.receive())[0].toString(), String(i));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(events, [], 'a live libzmq peer answering PINGs is kept');
    const disconnected = nextEvent(dealer, 'disconnect');
    py.child.kill('SIGSTOP');
    const e = await disconnected;
    assert.match(e.reason!, /heartbeat/);
  } finally {
    dealer.close();
    py.child.kill('SIGCONT');
    await py.stop();
  }
});

test('libzmq heartbeats against our socket: zeromq.js PINGs us and we keep it connected with PONGs', async () => {
  const pull = ours('PULL');
  await pull.bind('tcp://127.0.0.1:*');
  const push = new zmq.Push({ heartbeatInterval: 20, heartbeatTimeout: 1000, heartbeatTimeToLive: 1000, linger: 0 });
  const disconnects: string[] = [];
  pull.events.on('disconnect', (e) => disconnects.push(e.reason ?? ''));
  try {
    push.connect(pull.lastEndpoint!);
    for (let i = 0; i < 20; i++) {
      await push.send(String(i));
      assert.equal((await pull.receive())[0].toString(), String(i));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(disconnects, [], 'libzmq did not drop us, and its TTL did not expire on our side');
  } finally {
    push.close();
    pull.close();
  }
});
