// Child of read-after-throw.test.ts. The application here throws from process.nextTick callbacks while
// it receives, and swallows the errors with an 'uncaughtException' handler, so the process goes on.
// Such a throw escapes Node's JS run right after one of our socket reads (the receive() settles in that
// run's microtasks, and the tick runs before it ends). Our PULL receives numbered messages of mixed
// sizes (small ones sliced from the read slab, large ones read straight into their bodies) from a
// zeromq.js (libzmq) PUSH, on the connect side (MODE=connect: our socket dialed) or the accept side
// (MODE=bind: our listener adopted the accepted socket). Prints one JSON line with what arrived.
import * as engine from '../../../core/internal.js';
import * as zmq from 'zeromq';
import { setTimeout as sleep } from 'node:timers/promises';

const COUNT = 1500;
const mode = process.env.MODE === 'connect' ? 'connect' : 'bind';
let swallowed = 0;
process.on('uncaughtException', () => {
  swallowed++;
});

/** Message i: its number, then a pattern that depends on it; sizes from 40 B to 200 KiB. */
function message(i: number): Buffer {
  const size = [40, 900, 5000, 30_000, 70_000, 200_000][i % 6];
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32BE(i, 0);
  for (let j = 4; j < size; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
}

const pull = new engine.Pull();
const push = new zmq.Push();
if (mode === 'bind') {
  await pull.bind('tcp://127.0.0.1:*');
  push.connect(pull.lastEndpoint!);
} else {
  await push.bind('tcp://127.0.0.1:*');
  pull.connect(push.lastEndpoint!);
}
const sending = (async () => {
  for (let i = 0; i < COUNT; i++) await push.send(message(i));
})();

const kept: Buffer[] = [];
let wrongOnArrival = 0;
let stalledAt: number | undefined;
for (let i = 0; i < COUNT; i++) {
  const waiting = new AbortController();
  const stalled = sleep(30_000, undefined, { signal: waiting.signal }).catch(() => undefined);
  const got = await Promise.race([pull.receive(), stalled]);
  waiting.abort();
  if (!got) {
    stalledAt = i;
    break;
  }
  if (!got[0].equals(message(i))) wrongOnArrival++;
  kept.push(got[0]);
  // Every 10th message: the application throws right after it arrived.
  if (i % 10 === 3)
    process.nextTick(() => {
      throw new Error(`thrown by the application after message ${i}`);
    });
}
// Checked again at the end: a frame whose memory a later read overwrote differs now.
const wrongLater = kept.filter((m, i) => !m.equals(message(i))).length;
process.stdout.write(`${JSON.stringify({ mode, received: kept.length, stalledAt, wrongOnArrival, wrongLater, swallowed })}\n`);
if (stalledAt === undefined) await sending;
process.exit(0);
