// Full garbage collections inside a test, without starting Node with --expose-gc, to show that memory
// nothing should hold any more can be collected.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, after a turn of the event loop first: a WeakRef's target is kept alive
 * until the job that made or read it has ended.
 */
export async function collectGarbage(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Whether `ref`'s target is gone after at most `attempts` full collections (a few turns of the loop). */
export async function collectedWithin(ref: WeakRef<object>, attempts = 10): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    await collectGarbage();
    await new Promise((r) => setImmediate(r));
    if (ref.deref() === undefined) return true;
  }
  return false;
}
