// Loads a CommonJS package the first time it is used instead of when the engine is imported.
// Importing `ws` or `tweetnacl` through ESM costs Node 20 a CommonJS export scan and wrapper (about
// 200 ms together on a loaded machine) on every start, even for a program that never opens ws:// or
// uses CURVE; zeromq.js's own start is ~30 ms and its tests give a child process 750 ms to start, run
// and exit. require() of the same package is synchronous, so callers stay synchronous.
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** A getter that require()s `name` on its first call and returns the same module afterwards. */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(name) as T);
}
