// zeromq-compat.ts against zeromq.js itself: the reference the engine is held to.
import { after } from 'node:test';
import * as zeromq from 'zeromq';
import * as zeromqDraft from 'zeromq/draft.js';
import { numberedOptionSuite, optionSuite } from './option-compat.js';
import { compatSuite } from './zeromq-compat.js';
import { handshakeSuite } from './zeromq-compat-handshake.js';

compatSuite('zeromq.js', zeromq, zeromqDraft);
optionSuite('zeromq.js', zeromq, zeromqDraft);
handshakeSuite('zeromq.js', zeromq, zeromqDraft);
numberedOptionSuite('zeromq.js', zeromq);

// zeromq.js's native side can hold the process open after the last socket is closed (its exit-time
// context teardown); once every test here has finished, do not wait for it.
after(() => {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
});
