// The engine's microtask() (a promise reaction, cheaper than queueMicrotask) must not change what an
// application sees when a callback it runs throws: the same process events with the same error, the
// other microtasks still run, and without a handler the process dies of it. Each scheduler runs in a
// child (the test runner itself treats uncaught exceptions as failures), and the two are compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./microtask-child.ts', import.meta.url));

function runChild(scheduler: string, handle: boolean) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
    encoding: 'utf8',
    env: { ...process.env, SCHEDULER: scheduler, HANDLE: handle ? '1' : '0' },
    timeout: 60_000,
  });
  const line = r.stdout.trim().split('\n').pop();
  return { status: r.status, stderr: r.stderr, result: line ? JSON.parse(line) : undefined };
}

test('an error thrown in a microtask() callback reaches uncaughtException as from queueMicrotask, and later microtasks run', () => {
  const ours = runChild('microtask', true);
  const node = runChild('queueMicrotask', true);
  assert.deepEqual(node.result, { seen: ['uncaughtException:true'], order: ['callback', 'next callback', 'next macrotask'] });
  assert.deepEqual(ours.result, node.result);
  assert.equal(ours.status, 0);
});

test('without a handler the process dies of the error, as with queueMicrotask', () => {
  for (const scheduler of ['microtask', 'queueMicrotask']) {
    const r = runChild(scheduler, false);
    assert.equal(r.status, 1, `${scheduler}: exit status`);
    assert.equal(r.result, undefined, `${scheduler}: nothing ran after the error`);
    assert.match(r.stderr, /Error: thrown in a scheduled callback/, `${scheduler}: the error is reported`);
  }
});
