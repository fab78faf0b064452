// The lint (oxlint with type information, .oxlintrc.json) and the formatting check (Prettier, .prettierrc.json)
// pass: run here so that CI's one test run reports them among the tests, with their output when they fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

for (const script of ['lint', 'format:check']) {
  test(`npm run ${script} passes`, { timeout: 600_000 }, () => {
    const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, encoding: 'utf8', timeout: 540_000 });
    assert.equal(r.error, undefined, `npm run ${script} did not run: ${r.error?.message}`);
    assert.equal(r.status, 0, `npm run ${script} failed:\n${r.stdout}${r.stderr}`);
  });
}
