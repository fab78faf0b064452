// The whole tree (core, app, tests, bench) type-checks: tsx strips types without checking them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// tsconfig.renderer.json checks the renderer (and the core files it imports) without Node's types, as
// it runs in a browser page.
for (const project of ['tsconfig.json', 'tsconfig.renderer.json']) {
  test(`tsc -p ${project} reports no type errors`, () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `type errors:\n${r.stdout}${r.stderr}`);
  });
}
