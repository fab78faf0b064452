// One encoder per ZMTP version (core/engine/connection/encoder.ts), checked against the bytes libzmq
// itself sends. A raw server plays a 1.0, 2.0, 3.0 or 3.1 peer; a libzmq socket (zeromq.js) connects
// and sends a two-frame message (MORE flag, a long frame) or a subscription. What follows the greeting
// and the identity/READY frame must be exactly what our encoder for that version writes, and what our
// own socket sends in the same place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import {
  FrameDecoder,
  encodeFrame,
  encodeGreetingV2,
  encodeGreetingV3,
  encodeMessage,
  legacySubscription,
  readyCommand,
  type SocketTypeName,
} from '../../../core/zmtp/index.js';
import { VersionEncoder } from '../../../core/engine/connection/encoder.js';
import type { ZmtpVersion } from '../../../core/zmtp/greeting.js';
import { ours, rawServer, type RawPeer } from './machinery-helpers.js';

const VERSIONS: ZmtpVersion[] = ['1.0', '2.0', '3.0', '3.1'];

/** The raw server's side of the opening for `version`, as a `peerType` socket with an empty identity. */
function opening(version: ZmtpVersion, peerType: SocketTypeName): Buffer {
  switch (version) {
    // Unversioned 1.0: no signature, just the identity frame.
    case '1.0':
      return encodeMessage('v1', [Buffer.alloc(0)]);
    case '2.0':
      return Buffer.concat([encodeGreetingV2(peerType), encodeMessage('v2', [Buffer.alloc(0)])]);
    default:
      return Buffer.concat([
        encodeGreetingV3('NULL', false, version === '3.0' ? 0 : 1),
        encodeFrame('v3', readyCommand({ 'Socket-Type': peerType }), false, true),
      ]);
  }
}

/**
 * Bytes of the connecting side's greeting: libzmq's signature, revision and the rest for the peer's
 * version. Facing 1.0 the signature is all (it is the header of the identity frame, whose body follows).
 */
const GREETING_SIZE: Record<ZmtpVersion, number> = { '1.0': 10, '2.0': 12, '3.0': 64, '3.1': 64 };

/**
 * Waits until `frames` frames follow the greeting (1.0: the identity body is empty, so none before the
 * traffic; 2.0: the identity frame; 3.x: READY), then returns the bytes after the greeting.
 */
async function afterGreeting(peer: RawPeer, version: ZmtpVersion, frames: number): Promise<Buffer> {
  const framing = version === '1.0' ? 'v1' : version === '2.0' ? 'v2' : 'v3';
  for (let have = GREETING_SIZE[version] + 1; ; have = peer.received.length + 1) {
    const bytes = (await peer.waitFor(have)).subarray(GREETING_SIZE[version]);
    let count = 0;
    const err = new FrameDecoder(framing).push(bytes, () => count++);
    assert.equal(err, undefined, `the bytes after the ${version} greeting decode as ${framing} frames`);
    if (count > frames) assert.fail(`more than ${frames} frames after the greeting: ${count}`);
    if (count === frames) return bytes;
  }
}

interface Sender {
  connect(address: string): void;
  send(message: Buffer[]): Promise<void>;
  close(): void;
}

const DEALERS: [string, () => Sender][] = [
  ['libzmq', () => new zmq.Dealer({ linger: 0 })],
  ['ours', () => ours('DEALER', { linger: 0 })],
];
const MESSAGE = [Buffer.from('x'), Buffer.alloc(300, 'y')];

for (const version of VERSIONS) {
  test(`ZMTP ${version}: a two-frame message (MORE, long frame) is the ${version} encoder's bytes, as libzmq and our socket send it`, async () => {
    const expected = VersionEncoder.of(version).message(MESSAGE);
    // Before the message: nothing (1.0, empty identity body), the identity frame (2.0) or READY (3.x).
    const before = version === '1.0' ? 0 : 1;
    for (const [name, make] of DEALERS) {
      const server = await rawServer();
      const dealer = make();
      try {
        dealer.connect(`tcp://127.0.0.1:${server.port}`);
        const peer = await server.accepted;
        peer.sock.write(opening(version, 'ROUTER'));
        await dealer.send(MESSAGE);
        const bytes = await afterGreeting(peer, version, before + MESSAGE.length);
        assert.deepEqual(bytes.subarray(bytes.length - expected.length), expected, `${name}: the message's bytes`);
      } finally {
        dealer.close();
        server.close();
      }
    }
  });

  test(`ZMTP ${version}: a subscription is the ${version} encoder's bytes (a SUBSCRIBE command from 3.1 on, a \\x01 message before), as libzmq and our socket send it`, async () => {
    const message = legacySubscription(true, Buffer.from('ab'));
    const encoder = VersionEncoder.of(version);
    const command = encoder.subscriptionCommand(message);
    assert.equal(command !== undefined, version === '3.1', 'only 3.1 carries subscriptions as commands');
    const expected = command ? encoder.frame(command, false, true) : encoder.message([message]);
    const subscribers: [string, () => { connect(a: string): void; close(): void }][] = [
      [
        'libzmq',
        () => {
          const s = new zmq.Subscriber({ linger: 0 });
          s.subscribe('ab');
          return s;
        },
      ],
      [
        'ours',
        () => {
          const s = ours('SUB', { linger: 0 });
          s.setOption('subscribe', 'ab');
          return s;
        },
      ],
    ];
    for (const [name, make] of subscribers) {
      const server = await rawServer();
      const sub = make();
      try {
        sub.connect(`tcp://127.0.0.1:${server.port}`);
        const peer = await server.accepted;
        peer.sock.write(opening(version, 'PUB'));
        const bytes = await afterGreeting(peer, version, (version === '1.0' ? 0 : 1) + 1);
        assert.deepEqual(bytes.subarray(bytes.length - expected.length), expected, `${name}: the subscription's bytes`);
      } finally {
        sub.close();
        server.close();
      }
    }
  });
}
