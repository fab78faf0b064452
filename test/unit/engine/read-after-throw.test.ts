// SlabReader against a Node quirk: with `onread: { buffer: fn }`, an exception escaping the JS run after
// a read (an application's process.nextTick callback throwing, its error swallowed by an
// 'uncaughtException' handler) leaves Node's C++ side reading into the previous buffer while its JS side
// names the new one. Before the reader kept its own record and resynced after such throws, one read was
// lost, frames already handed out were overwritten and the stream stalled. The scenario runs in a child
// (the test runner itself treats uncaught exceptions as failures), against a zeromq.js (libzmq) PUSH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonLinesChild } from '../../helpers/json-lines-child.js';

const script = fileURLToPath(new URL('./read-after-throw-child.ts', import.meta.url));

for (const mode of ['bind', 'connect']) {
  test(`messages stay whole and in order when the application throws after reads (${mode} side)`, { timeout: 180_000 }, async () => {
    const child = jsonLinesChild(
      spawn(process.execPath, ['--import', 'tsx', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, MODE: mode },
      }),
    );
    try {
      const result = await child.waitFor('the result', (l) => l.mode === mode, 150_000);
      assert.equal(result.stalledAt, undefined, `receiving stalled at message ${result.stalledAt}`);
      assert.equal(result.received, 1500);
      assert.ok(result.swallowed >= 100, `the application's throws happened (${result.swallowed} swallowed)`);
      assert.equal(result.wrongOnArrival, 0, 'messages that arrived different from what was sent');
      assert.equal(result.wrongLater, 0, 'messages overwritten after they arrived');
    } finally {
      child.child.kill();
    }
  });
}
