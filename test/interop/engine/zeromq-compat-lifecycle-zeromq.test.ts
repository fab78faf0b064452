// zeromq-compat-lifecycle.ts against zeromq.js itself: the reference the engine is held to.
import { after } from 'node:test';
import * as zeromq from 'zeromq';
import { lifecycleSuite } from './zeromq-compat-lifecycle.js';

lifecycleSuite('zeromq.js', zeromq, { nodeArgs: [], specifier: import.meta.resolve('zeromq') });

// zeromq.js's native side can hold the process open after the last socket is closed (its exit-time
// context teardown); once every test here has finished, do not wait for it.
after(() => {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
});
