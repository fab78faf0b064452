// Subscriptions inside multipart messages (libzmq xsub.cpp / xpub.cpp examine every frame, not only
// single-frame messages). The same script runs with every pairing of XSUB sender and XPUB receiver
// from {libzmq, this engine}; libzmq with libzmq is the reference the other pairings must equal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ourEngine, pyzmq, text, zeromqJs, type PeerLib, type PeerSocket } from './peers/peers.js';

/** What an XSUB sends after its first subscription is through (one multipart message each). */
const UPSTREAM = [
  ['\x01a', '\x01b'], // two subscriptions in one message
  ['hello', '\x01c'], // a user frame, then a subscription
  ['\x01a', 'tail'], // a repeated subscription (not reported again), then a user frame
  ['\x00a', 'x'], // cancel of a topic subscribed twice: the XSUB keeps it (refcount) and drops the frame
  ['END'],
];
const DOWNSTREAM = ['a-data', 'b-data', 'c-data', 'd-data', 'start-end'];

interface Outcome {
  upstream: string[][];
  downstream: string[];
}

async function drive(xsub: PeerSocket, xpub: PeerSocket): Promise<Outcome> {
  const endpoint = await xpub.bind('tcp://127.0.0.1:*');
  await xsub.send('\x01start'); // kept by the XSUB and sent once the connection is up
  await xsub.connect(endpoint);
  assert.deepEqual(text(await xpub.receive(5000)), ['\x01start']);
  for (const m of UPSTREAM) await xsub.send(m);
  const upstream: string[][] = [];
  for (;;) {
    const m = text(await xpub.receive(5000));
    upstream.push(m);
    if (m[0] === 'END') break;
  }
  for (const m of DOWNSTREAM) await xpub.send(m);
  const downstream: string[] = [];
  for (;;) {
    const m = text(await xsub.receive(5000))[0];
    downstream.push(m);
    if (m === 'start-end') break;
  }
  return { upstream, downstream };
}

const EXPECTED: Outcome = {
  upstream: [['\x01a'], ['\x01b'], ['hello', '\x01c'], ['tail'], ['x'], ['END']],
  downstream: ['a-data', 'b-data', 'c-data', 'start-end'],
};

for (const [name, makeLib] of [
  ['zeromq.js (libzmq 4.3.5)', zeromqJs],
  ['pyzmq (libzmq 4.3.4)', pyzmq],
] as const) {
  describe(`XSUB/XPUB multipart subscriptions, ${name} as reference`, () => {
    let libzmq: PeerLib;
    let engine: PeerLib;
    const open: PeerSocket[] = [];
    const socket = async (lib: PeerLib, type: 'XPUB' | 'XSUB') => {
      const s = await lib.socket(type);
      open.push(s);
      return s;
    };
    before(async () => {
      libzmq = await makeLib();
      engine = await ourEngine();
    });
    after(async () => {
      for (const s of open) await s.close();
      await libzmq?.close();
      await engine?.close();
    });

    test('libzmq XSUB -> libzmq XPUB (the reference) behaves as expected', async () => {
      assert.deepEqual(await drive(await socket(libzmq, 'XSUB'), await socket(libzmq, 'XPUB')), EXPECTED);
    });
    for (const [sender, receiver] of [
      ['libzmq', 'engine'],
      ['engine', 'libzmq'],
      ['engine', 'engine'],
    ] as const) {
      test(`${sender} XSUB -> ${receiver} XPUB matches libzmq`, async () => {
        const pick = (which: string) => (which === 'libzmq' ? libzmq : engine);
        assert.deepEqual(await drive(await socket(pick(sender), 'XSUB'), await socket(pick(receiver), 'XPUB')), EXPECTED);
      });
    }

    test('engine XPUB onlyFirstSubscribe: a subscription after a user frame is user data', async () => {
      const xpub = await socket(engine, 'XPUB');
      await xpub.set('onlyFirstSubscribe', true);
      const xsub = await socket(libzmq, 'XSUB');
      const endpoint = await xpub.bind('tcp://127.0.0.1:*');
      await xsub.send('\x01start');
      await xsub.connect(endpoint);
      assert.deepEqual(text(await xpub.receive(5000)), ['\x01start']);
      await xsub.send(['hello', '\x01c']);
      await xsub.send(['\x01d', '\x01e']);
      assert.deepEqual(text(await xpub.receive(5000)), ['hello', '\x01c'], 'delivered as the user message it is');
      assert.deepEqual(text(await xpub.receive(5000)), ['\x01d']);
      assert.deepEqual(text(await xpub.receive(5000)), ['\x01e'], 'frames after a first-frame subscription still count');
      for (const m of ['c-data', 'd-data', 'e-data', 'start-end']) await xpub.send(m);
      const got: string[] = [];
      while (got.at(-1) !== 'start-end') got.push(text(await xsub.receive(5000))[0]);
      assert.deepEqual(got, ['d-data', 'e-data', 'start-end'], 'c was never applied');
    });

    test('engine XSUB onlyFirstSubscribe: later frames go upstream as they are, untracked', async () => {
      const xpub = await socket(libzmq, 'XPUB');
      const xsub = await socket(engine, 'XSUB');
      await xsub.set('onlyFirstSubscribe', true);
      const endpoint = await xpub.bind('tcp://127.0.0.1:*');
      await xsub.send('\x01start');
      await xsub.connect(endpoint);
      assert.deepEqual(text(await xpub.receive(5000)), ['\x01start']);
      // libzmq's XPUB examines every frame, so it applies c; the engine's XSUB must still send the
      // frame unchanged (and not drop an untracked cancel).
      await xsub.send(['hello', '\x01c', '\x00zz']);
      assert.deepEqual(text(await xpub.receive(5000)), ['hello', '\x01c']);
      assert.deepEqual(text(await xpub.receive(5000)), ['\x00zz']);
    });
  });
}
