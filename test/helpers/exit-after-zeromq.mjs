// Loaded into every test file's process by test/run.mjs. zeromq.js's native side can hold a process open
// after its last socket closed (its exit-time context teardown; seen in full runs: every case of a file
// passed, then the file timed out). In a file that loaded zeromq.js, once every test has finished and the
// file's own cleanup is done, the process ends without waiting for it. Files that never loaded zeromq.js
// still have to exit by themselves, so a handle our engine leaks keeps failing the run.
import { after } from 'node:test';
import { createRequire } from 'node:module';

/** How often, once the tests are done, to look whether only something invisible keeps the process alive. */
const POLL_MS = 250;

/**
 * Nothing Node lists keeps the process alive but this process's own stdio (pipes to the runner, always
 * there): every active resource (handles, requests, ref'd timers) is one of stdin, stdout, stderr.
 */
function nothingVisibleAlive() {
  const stdio = process._getActiveHandles().filter((h) => h === process.stdin || h === process.stdout || h === process.stderr);
  return process.getActiveResourcesInfo().length <= stdio.length;
}

// The runner's own process (the one given --test) has no tests of its own to wait for.
if (!process.execArgv.includes('--test')) {
  after(() => {
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    if (!loaded.some((path) => path.includes('/node_modules/zeromq/'))) return;
    // This hook runs before the file's own after() hooks, which may still be stopping a served host, a
    // browser or a proxy: exiting on a fixed delay once cut such cleanup short and left the children
    // running. So the process ends only when nothing Node can see keeps it alive (no child, socket, file
    // request or ref'd timer besides its own stdio; zeromq.js's native handles are not listed) twice in a row. An unref'd timer lets a
    // process that exits by itself do so.
    let idle = 0;
    const poll = setInterval(() => {
      idle = nothingVisibleAlive() ? idle + 1 : 0;
      if (idle >= 2) {
        clearInterval(poll);
        process.exit(process.exitCode ?? 0);
      }
    }, POLL_MS);
    poll.unref();
  });
}
