// xpub-departure.ts against zeromq.js itself: the reference the engine is held to.
import { after } from 'node:test';
import * as zeromq from 'zeromq';
import { departureSuite } from './xpub-departure.js';

departureSuite('zeromq.js', zeromq);

// zeromq.js's native side can hold the process open after its last socket closed: do not wait for it.
after(() => {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
});
