// Loaded into every test file's process by test/run.mjs. zeromq.js's native side can hold a process open
// after its last socket closed (its exit-time context teardown; seen in full runs: every case of a file
// passed, then the file timed out). In a file that loaded zeromq.js, once every test has finished, the
// process ends without waiting for it. Files that never loaded zeromq.js still have to exit by themselves,
// so a handle our engine leaks keeps failing the run.
import { after } from 'node:test';
import { createRequire } from 'node:module';

// The runner's own process (the one given --test) has no tests of its own to wait for.
if (!process.execArgv.includes('--test')) {
  after(() => {
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    if (!loaded.some((path) => path.includes('/node_modules/zeromq/'))) return;
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  });
}
