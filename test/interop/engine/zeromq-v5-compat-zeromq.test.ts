// zeromq-v5-compat.ts against zeromq.js's own `zeromq/v5-compat`: the reference.
import { after } from 'node:test';
import * as zeromqV5 from 'zeromq/v5-compat.js';
import { v5Suite } from './zeromq-v5-compat.js';

v5Suite('zeromq.js', zeromqV5);

// zeromq.js's native side can hold the process open after the last socket is closed; do not wait for it.
after(() => {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
});
