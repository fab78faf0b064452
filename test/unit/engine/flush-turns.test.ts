// How a connection paces its writes over event-loop turns (loop-turn.ts): the first output of a turn
// is written within that turn (a microtask, for request/reply latency), what is queued after it in the
// same turn goes out together in one later write, and the engine arms no macrotask of its own per turn
// to know when a turn ends (libuv's loop count tells it). The peers are libzmq's (zeromq.js), which
// must receive every message, in order. Nothing is timed: writes are seen through the wire tap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import * as zmq from 'zeromq';
import { Request } from '../../../core/internal.js';
import { pushToLibzmq } from '../../helpers/push-to-libzmq.js';
import { encodeFrame } from '../../../core/zmtp/index.js';

const hasLoopCount =
  typeof (performance.nodeTiming as unknown as { uvMetricsInfo?: { loopCount?: unknown } }).uvMetricsInfo?.loopCount === 'number';

const pendingImmediates = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length;

test('sends of one turn: the first is written within the turn, the rest coalesce into one write; libzmq gets all in order', async () => {
  const { push, pull, writes, close } = await pushToLibzmq();
  try {
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(`message ${i}`));
    // One send after another, each awaited: all in this turn's microtasks, the first flush's among them.
    for (const b of bodies) await push.send(b);
    assert.equal(writes.length, 1, 'the first send was written before the turn ended, the others wait');
    assert.deepEqual(writes[0], encodeFrame('v3', bodies[0], false, false), 'that write holds the first message alone');

    for (const b of bodies) assert.deepEqual((await pull.receive())[0], b, 'libzmq receives every message, in order');
    assert.equal(writes.length, 2, 'the 199 sends after the first went out in one write');
    assert.deepEqual(writes[1], Buffer.concat(bodies.slice(1).map((b) => encodeFrame('v3', b, false, false))));
  } finally {
    close();
  }
});

test(
  'a round trip arms no setImmediate of the engine: a turn ends without a macrotask hop',
  { skip: !hasLoopCount && 'no libuv loop count in this Node' },
  async () => {
    const rep = new zmq.Reply({ linger: 0 });
    const req = new Request({ linger: 0 });
    try {
      await rep.bind('tcp://127.0.0.1:*');
      req.connect(rep.lastEndpoint!);
      const serving = (async () => {
        for (let i = 0; i < 51; i++) await rep.send((await rep.receive())[0]);
      })();
      await req.send('warm-up');
      await req.receive();
      for (let i = 0; i < 50; i++) {
        await req.send(`request ${i}`);
        // Written in a microtask of this turn; nothing waits for the check phase.
        assert.equal(pendingImmediates(), 0, `after send ${i}`);
        const [reply] = await req.receive();
        assert.equal(reply.toString(), `request ${i}`);
        // The reply was read and decoded (with its per-turn frame budget) in this turn: still nothing armed.
        assert.equal(pendingImmediates(), 0, `after receive ${i}`);
      }
      await serving;
    } finally {
      req.close();
      rep.close();
    }
  },
);
