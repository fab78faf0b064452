// Child of microtask.test.ts: throws from a callback scheduled by SCHEDULER (microtask or queueMicrotask)
// and prints, as one JSON line, which process events saw the error. With HANDLE=0 no handler is
// installed and the process is left to die of the error, as an application without one would.
import { microtask } from '../../../core/engine/microtask.js';

const schedule = process.env.SCHEDULER === 'microtask' ? microtask : queueMicrotask;
const err = new Error('thrown in a scheduled callback');
const seen: string[] = [];
const order: string[] = [];
if (process.env.HANDLE !== '0') {
  process.on('uncaughtException', (e) => seen.push(`uncaughtException:${e === err}`));
  process.on('unhandledRejection', (e) => seen.push(`unhandledRejection:${e === err}`));
}
schedule(() => {
  order.push('callback');
  throw err;
});
schedule(() => order.push('next callback'));
setImmediate(() => {
  order.push('next macrotask');
  process.stdout.write(`${JSON.stringify({ seen, order })}\n`);
});
