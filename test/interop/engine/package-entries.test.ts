// The package's entry points as an installed user reaches them, through the package name (Node's
// self-reference resolves `zmq-inspector/...` with package.json "exports", i.e. the built out/core):
// '.', './draft' and './v5-compat' export exactly what zeromq.js's 'zeromq', 'zeromq/draft' and
// 'zeromq/v5-compat' export (read from the zeromq package in a child process, so its native addon stays
// out of this one), each has its .d.ts, and no Electron or React is a runtime dependency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
};

/** The export names of `specifier` as seen by an ES module run from the repository root. */
function exportNames(specifier: string): string[] {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort()));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

const PAIRS: Array<[string, string]> = [
  ['.', 'zeromq'],
  ['./draft', 'zeromq/draft.js'],
  ['./v5-compat', 'zeromq/v5-compat.js'],
];

for (const [entry, zeromq] of PAIRS) {
  test(`${pkg.name}${entry.slice(1)} exports the same names as ${zeromq}, with types`, () => {
    const target = pkg.exports[entry];
    assert.ok(target && typeof target === 'object', `package.json exports ${entry} with types and code`);
    assert.ok(existsSync(`${root}${target.default}`), `${target.default} is built (npm run build:core)`);
    assert.ok(existsSync(`${root}${target.types}`), `${target.types} is built`);
    assert.deepEqual(exportNames(`${pkg.name}${entry.slice(1)}`), exportNames(zeromq));
  });
}

test('the extras entry resolves, and the runtime dependencies hold nothing of Electron or React', () => {
  assert.ok(exportNames(`${pkg.name}/extras`).includes('Poller'));
  const runtime = Object.keys(pkg.dependencies);
  assert.deepEqual(
    runtime.filter((d) => /electron|react/i.test(d)),
    [],
  );
});
