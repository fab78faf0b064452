#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx) and ends with
// one line "N passed, M failed, K skipped" that CI reads.
// Usage: node test/run.mjs [unit|interop|e2e ...] [--only PATTERN]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args.splice(onlyIndex, 2)[1] : undefined;
const suites = args.length ? args : ['unit', 'interop', 'e2e'];

function collect(dir) {
  let found = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(collect(path));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) found.push(path);
  }
  return found;
}

let files = suites.flatMap((suite) => collect(join(root, 'test', suite)));
if (only) files = files.filter((f) => f.includes(only));
if (files.length === 0) {
  console.error(`no test files found for ${suites.join(', ')}${only ? ` matching ${only}` : ''}`);
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}`);

// The host keeps settings (templates, the ZAP policy) in $XDG_CONFIG_HOME/zmq-inspector when a test gives no
// directory: a fresh one per run, so tests neither read nor change the user's own settings.
const config = mkdtempSync(join(tmpdir(), 'zmq-inspector-test-config-'));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    join(root, 'test/helpers/exit-after-zeromq.mjs'),
    '--test',
    '--test-timeout',
    String(Number(process.env.TEST_TIMEOUT_MS ?? 180000)),
    '--test-concurrency',
    String(Number(process.env.TEST_CONCURRENCY ?? 2)),
    '--test-reporter',
    'spec',
    '--test-reporter-destination',
    'stdout',
    '--test-reporter',
    join(root, 'test/summary-reporter.mjs'),
    '--test-reporter-destination',
    'stdout',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1', XDG_CONFIG_HOME: config } },
);
child.on('exit', (code, signal) => {
  rmSync(config, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
