// A message alone in its pipe is written as one buffer of its own (connection.ts flushNow), others in
// batches (write-batch.ts). Mixed, the two paths must keep libzmq's view intact: every message whole,
// every frame its own bytes and MORE flag, and all in the order sent. The peers are zeromq.js (libzmq).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { Dealer, Request } from '../../../core/internal.js';
import { pushToLibzmq } from '../../helpers/push-to-libzmq.js';
import { encodeMessage } from '../../../core/zmtp/index.js';
import { COPY_LIMIT } from '../../../core/engine/connection/write-batch.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Message `i`: 1 to 4 frames, the first naming it; every 7th carries a frame too large to copy. */
function message(i: number): Buffer[] {
  const frames = [Buffer.from(`message ${i}`)];
  for (let f = 1; f < 1 + (i % 4); f++) frames.push(Buffer.alloc(f * 3 + (i % 5), 0x41 + f));
  if (i % 7 === 3) frames.push(Buffer.alloc(COPY_LIMIT + 1 + i, i & 0xff));
  return frames;
}

test('lone and batched sends mixed: libzmq receives every multipart message whole and in order', async () => {
  const { push, pull, writes, close } = await pushToLibzmq();
  try {
    const sent: Buffer[][] = [];
    const receiving = (async () => {
      const got: Buffer[][] = [];
      while (got.length < 600) got.push(await pull.receive());
      return got;
    })();
    let lone = 0;
    let loneSmall = 0;
    for (let i = 0; sent.length < 600; i++) {
      if (i % 3 === 0) {
        // Alone: a turn before and after it, so nothing is queued with it.
        await turn();
        const msg = message(sent.length);
        writes.length = 0;
        await push.send(msg);
        sent.push(msg);
        await turn();
        if (msg.every((f) => f.length <= COPY_LIMIT)) {
          loneSmall++;
          if (writes.length === 1 && writes[0].equals(encodeMessage('v3', msg))) lone++;
        }
      } else {
        // A burst: the first goes alone within the turn, the rest are batched together.
        for (let k = 0; k < 1 + (i % 9) && sent.length < 600; k++) {
          const msg = message(sent.length);
          await push.send(msg);
          sent.push(msg);
        }
      }
    }
    const got = await receiving;
    for (let i = 0; i < sent.length; i++) assert.deepEqual(got[i], sent[i], `message ${i}`);
    assert.ok(loneSmall >= 30, `${loneSmall} lone messages of small frames`);
    assert.equal(lone, loneSmall, 'each lone message of small frames went out as one write of exactly its frames');
  } finally {
    close();
  }
});

test('request/reply with envelopes both ways: lone writes carry the delimiter and every frame', async () => {
  const rep = new zmq.Router({ linger: 0 });
  const req = new Request({ linger: 0 });
  const dealer = new Dealer({ linger: 0 });
  try {
    await rep.bind('tcp://127.0.0.1:*');
    req.connect(rep.lastEndpoint!);
    dealer.connect(rep.lastEndpoint!);
    const serving = (async () => {
      for (let i = 0; i < 600; i++) {
        const [id, ...rest] = await rep.receive();
        await rep.send([id, ...rest, Buffer.from('reply')]);
      }
    })();
    for (let i = 0; i < 200; i++) {
      const msg = message(i);
      await req.send(msg);
      assert.deepEqual(await req.receive(), [...msg, Buffer.from('reply')], `REQ round trip ${i}`);
      // A DEALER's own envelope (empty delimiter) beside it, two sends queued in one turn.
      const first = [Buffer.alloc(0), ...message(i + 1)];
      const second = [Buffer.alloc(0), Buffer.from(`second ${i}`)];
      await dealer.send(first);
      await dealer.send(second);
      assert.deepEqual(await dealer.receive(), [...first, Buffer.from('reply')], `DEALER first ${i}`);
      assert.deepEqual(await dealer.receive(), [...second, Buffer.from('reply')], `DEALER second ${i}`);
    }
    await serving;
  } finally {
    req.close();
    dealer.close();
    rep.close();
  }
});
