// The same close cause gives a monitor event of the same shape on the bind side (an accepted connection)
// and on the connect side (a session's connection): both go through one mapping. Each case makes a real
// libzmq peer (zeromq.js) close or misbehave once against our bound socket and once against our
// connecting socket, and compares the first closing event of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { nextEvent, ours, ownLoopback } from './machinery-helpers.js';
import type { AnySocket, Socket } from '../../../core/engine/socket.js';
import type { SocketOptions } from '../../../core/engine/options.js';
import type { EventType, SocketEvent } from '../../../core/engine/monitor.js';
import type { SocketTypeName } from '../../../core/zmtp/constants.js';

const CLOSING: EventType[] = ['disconnect', 'handshake:error:protocol', 'handshake:error:auth', 'handshake:error:other'];

/** The first closing event on `sock`. */
function firstClosing(sock: Socket): Promise<SocketEvent> {
  return new Promise((resolve) => {
    for (const type of CLOSING) sock.events.on(type, resolve);
  });
}

/** What must be equal for equal causes: type, field names, error code and status, reason. */
function shape(e: SocketEvent, endpoint: string) {
  assert.equal(e.address, endpoint);
  assert.match(e.remoteAddress ?? '', /^tcp:\/\/127\.\d+\.\d+\.\d+:\d+$/);
  return {
    type: e.type,
    fields: Object.keys(e)
      .filter((k) => e[k as keyof SocketEvent] !== undefined)
      .sort(),
    error: e.error && { code: e.error.code, status: e.error.status },
    reason: e.reason,
  };
}

interface Case {
  label: string;
  ourType: SocketTypeName;
  ourOptions?: SocketOptions;
  /** A libzmq socket for the other end. */
  peer(): zmq.Socket;
  /** After the peer is connected/bound: what it does to end the connection (`handshake`: ours finished it). */
  act(peer: zmq.Socket, our: Socket, handshake: Promise<unknown>): Promise<void>;
  /** The peer may close before the event under test can happen: retry (at most 5 runs) until it does. */
  racy?: true;
  expect: { type: EventType; error?: string };
}

const CASES: Case[] = [
  {
    label: 'the peer closes after the handshake (peer)',
    ourType: 'PULL',
    peer: () => new zmq.Push({ linger: 0 }),
    async act(peer, our) {
      await (peer as zmq.Push).send('x');
      await (our as AnySocket).receive();
      peer.close();
    },
    expect: { type: 'disconnect' },
  },
  {
    label: 'the peer sends a message over our maxMessageSize after the handshake (protocol)',
    ourType: 'PULL',
    ourOptions: { maxMessageSize: 64 },
    peer: () => new zmq.Push({ linger: 0 }),
    async act(peer, _our, handshake) {
      await handshake;
      await (peer as zmq.Push).send(Buffer.alloc(1000));
    },
    expect: { type: 'disconnect' },
  },
  {
    label: 'the peer is a socket type ours cannot talk to (protocol, in the handshake)',
    ourType: 'PULL',
    // Like libzmq's NULL mechanism we report no handshake failure for a socket-type mismatch, only the
    // disconnect (its reason names the mismatch). libzmq may read our READY before sending its own and close
    // at once; we then see a close during the handshake (handshake:error:other). Such a run is taken again.
    racy: true,
    peer: () => new zmq.Pull({ linger: 0 }),
    async act() {},
    expect: { type: 'disconnect' },
  },
  {
    label: 'the peer uses another security mechanism (protocol, in the handshake)',
    ourType: 'PULL',
    // libzmq (linger 0) closes as soon as it sees our mechanism; bytes of ours it has not read make that
    // close a reset, and a reset can discard its greeting from our receive queue before we read it, so we
    // see only a close in the greeting (seen once in a fresh-clone CI run). Such a run is taken again.
    racy: true,
    peer: () => new zmq.Push({ linger: 0, plainUsername: 'u', plainPassword: 'p' }),
    async act() {},
    expect: { type: 'handshake:error:protocol', error: 'ERR_ZMTP_MECHANISM_MISMATCH' },
  },
];

for (const c of CASES) {
  test(`${c.label}: the same event on the bind and the connect side`, async () => {
    let shapes = await bothSides(c);
    const unexpected = (s: ReturnType<typeof shape>) => s.type !== c.expect.type || s.error?.code !== c.expect.error;
    for (let run = 1; c.racy && run < 5 && shapes.some(unexpected); run++) shapes = await bothSides(c);
    assert.equal(shapes[0].type, c.expect.type);
    assert.equal(shapes[0].error?.code, c.expect.error);
    assert.deepEqual(shapes[1], shapes[0], 'connect side like bind side');
  });
}

/** The first closing event of ours, as bound (libzmq connects) and as connecting (libzmq binds). */
async function bothSides(c: Case): Promise<ReturnType<typeof shape>[]> {
  const shapes = [];
  {
    // Bind side: ours binds, libzmq connects.
    const our = ours(c.ourType, { linger: 0, ...c.ourOptions });
    const peer = c.peer();
    try {
      const closing = firstClosing(our);
      const handshake = nextEvent(our, 'handshake');
      await our.bind(`tcp://${ownLoopback()}:*`);
      const endpoint = our.lastEndpoint!;
      peer.connect(endpoint);
      await c.act(peer, our, handshake);
      shapes.push(shape(await closing, endpoint));
    } finally {
      our.close();
      peer.close();
    }
  }
  {
    // Connect side: libzmq binds, ours connects.
    const peer = c.peer();
    const our = ours(c.ourType, { linger: 0, reconnectInterval: 1000, ...c.ourOptions });
    try {
      await peer.bind(`tcp://${ownLoopback()}:*`);
      const endpoint = peer.lastEndpoint!;
      const closing = firstClosing(our);
      const handshake = nextEvent(our, 'handshake');
      our.connect(endpoint);
      await c.act(peer, our, handshake);
      shapes.push(shape(await closing, endpoint));
    } finally {
      our.close();
      peer.close();
    }
  }
  return shapes;
}
