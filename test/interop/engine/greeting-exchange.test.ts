// The greeting exchange (core/engine/connection/greeting-exchange.ts) byte for byte against libzmq's.
// A raw client plays a ZMTP 3.x, 2.0 or unversioned 1.0 peer in two steps against a bound DEALER with a
// routing id, once libzmq's (zeromq.js) and once ours: what each sends before the client's first bytes
// (the signature, carrying the routing id's length for a 1.0 peer), after them (the revision byte), and
// once the client's greeting is whole (the rest of the greeting, or the 2.0/1.0 identity frame) must
// be the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { encodeGreetingV2, encodeGreetingV3, encodeMessage, SIGNATURE_SIZE } from '../../../core/zmtp/index.js';
import { ours, rawConnect } from './machinery-helpers.js';

interface Step {
  send: Buffer;
  /** bytes the server has sent in all once it has answered */ until: number;
}

const ROUTING_ID = 'abc';
const V3 = encodeGreetingV3('NULL', false);
const V2 = encodeGreetingV2('ROUTER');

/** The client's side in steps; the server's bytes after each step are compared. */
const PEERS: [string, Step[]][] = [
  [
    'ZMTP 3.1',
    [
      { send: V3.subarray(0, SIGNATURE_SIZE), until: SIGNATURE_SIZE + 1 },
      { send: V3.subarray(SIGNATURE_SIZE), until: V3.length },
    ],
  ],
  [
    'ZMTP 2.0',
    [
      { send: V2.subarray(0, SIGNATURE_SIZE), until: SIGNATURE_SIZE + 1 },
      // The rest of the 2.0 greeting and an empty identity frame: the server answers with its socket-type
      // byte and its identity frame (2-byte header + routing id).
      {
        send: Buffer.concat([V2.subarray(SIGNATURE_SIZE), encodeMessage('v2', [Buffer.alloc(0)])]),
        until: V2.length + 2 + ROUTING_ID.length,
      },
    ],
  ],
  // No signature at all: the server's signature is the header of its identity frame, whose body follows.
  ['unversioned ZMTP 1.0', [{ send: encodeMessage('v1', [Buffer.alloc(0)]), until: SIGNATURE_SIZE + ROUTING_ID.length }]],
];

const SERVERS: [string, () => { bind(a: string): Promise<void>; readonly lastEndpoint: string | null; close(): void }][] = [
  ['libzmq', () => new zmq.Dealer({ routingId: ROUTING_ID, linger: 0 })],
  ['ours', () => ours('DEALER', { routingId: ROUTING_ID, linger: 0 })],
];

/** What the server sent: the signature before the client said anything, then all it sent after each step. */
async function serverBytes(make: () => ReturnType<(typeof SERVERS)[number][1]>, steps: Step[]): Promise<Buffer[]> {
  const server = make();
  try {
    await server.bind('tcp://127.0.0.1:*');
    const client = await rawConnect(Number(server.lastEndpoint!.split(':').pop()));
    try {
      const seen = [Buffer.from((await client.waitFor(SIGNATURE_SIZE)).subarray(0, SIGNATURE_SIZE))];
      for (const step of steps) {
        client.sock.write(step.send);
        seen.push(Buffer.from((await client.waitFor(step.until)).subarray(0, step.until)));
      }
      return seen;
    } finally {
      client.sock.destroy();
    }
  } finally {
    server.close();
  }
}

for (const [peer, steps] of PEERS) {
  test(`greeting with a ${peer} peer: our server sends libzmq's bytes at each step`, async () => {
    const [libzmq, our] = [await serverBytes(SERVERS[0][1], steps), await serverBytes(SERVERS[1][1], steps)];
    assert.equal(libzmq[0][8], ROUTING_ID.length + 1, "libzmq's signature carries the routing id's length + 1 (a 1.0 frame length)");
    for (let i = 0; i < libzmq.length; i++) assert.deepEqual(our[i], libzmq[i], `step ${i}: ${libzmq[i].toString('hex')}`);
  });
}
