// `zmtp bench`: its measured cases run for real with both libraries (no timing asserted, only that a
// run completes and reports every message and its CPU time), and bad arguments are refused with a specific message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const zmtp = fileURLToPath(new URL('../../../bin/zmtp.js', import.meta.url));
const bench = (args: string[]) => spawnSync(process.execPath, [zmtp, 'bench', ...args], { encoding: 'utf8', timeout: 60_000 });

const cases: Array<[string, string]> = [
  ...['ours', 'zeromq'].flatMap((lib) =>
    ['push-pull', 'req-rep', 'push-pull-2proc', 'req-rep-2proc'].map((kind): [string, string] => [lib, kind]),
  ),
  // the plain Node TCP ping-pong floors printed beside the round trips
  ['node', 'tcp-pingpong'],
  ['node', 'tcp-pingpong-2proc'],
];
for (const [lib, kind] of cases) {
  test(`bench case ${kind} runs with ${lib} and reports a rate`, () => {
    const r = bench(['--case', lib, kind, '1024', '300']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(result.lib, lib);
    assert.equal(result.count, 300);
    assert.ok(result.seconds > 0 && Number.isFinite(result.seconds), `seconds: ${result.seconds}`);
    // CPU time per operation (bench-clock.ts): of the measuring process, so never zero for a real run.
    assert.ok(result.cpuUsPerOp > 0 && Number.isFinite(result.cpuUsPerOp), `cpuUsPerOp: ${result.cpuUsPerOp}`);
  });
}

test('bench refuses bad arguments with a specific message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--case', 'libzmq', 'push-pull', '16', '10'], /--case ours\|zeromq/],
    [['--case', 'ours', 'push-pull', '16', '0'], /--case ours\|zeromq/],
    [['--pull-side', 'ours', '1'], /--pull-side ours\|zeromq COUNT/],
    [['--rep-side', 'libzmq'], /--rep-side ours\|zeromq/],
    [['--case', 'ours', 'tcp-pingpong', '16', '10'], /--case node tcp-pingpong/],
    [['--case', 'node', 'req-rep', '16', '10'], /--case ours\|zeromq/],
    [['--repeats', '0'], /--repeats must be a whole number from 1 to 20/],
    [['decode'], /unexpected arguments/],
    [['decode', '/nonexistent/capture.pcap'], /cannot read capture file/],
  ];
  for (const [args, message] of cases) {
    const r = bench(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
});
