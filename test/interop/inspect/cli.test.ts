// `zmtp decode` and `zmtp capture` as a user runs them: real captures, real exit codes and output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { startCapture, tempDir, portOf } from '../../helpers/capture.js';
import { decodeFile, messages, zmtpConns, framesOf, hexOf } from './helpers.js';

const cli = fileURLToPath(new URL('./zmtp-cli.ts', import.meta.url));
const t = tempDir();
after(() => t.cleanup());

function zmtp(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

let captureFile: string | undefined;
const PUSHED = [['hello', 'world'], ['CLI-END']];
const BINARY = Buffer.from([0, 1, 2, 0xff, 0x80]);

async function makeCapture(): Promise<string> {
  if (captureFile) return captureFile;
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0 });
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, t.dir, 'pushpull.pcap');
  try {
    push.connect(`tcp://127.0.0.1:${port}`);
    await push.send([BINARY, 'with binary']);
    await pull.receive();
    for (const m of PUSHED) {
      await push.send(m);
      await pull.receive();
    }
    await cap.stopAfter(Buffer.from('CLI-END'));
  } finally {
    cap.kill();
    push.close();
    pull.close();
  }
  captureFile = cap.file;
  return cap.file;
}

test('zmtp decode --json: one JSON object per line with type, ts, src, dst and the decoded fields', async () => {
  const file = await makeCapture();
  const r = await zmtp(['decode', file, '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (const l of lines) {
    assert.equal(typeof l.type, 'string');
    assert.equal(typeof l.ts, 'number');
    assert.match(l.src, /^127\.0\.0\.1:\d+$/);
    assert.match(l.dst, /^127\.0\.0\.1:\d+$/);
  }
  const greetings = lines.filter((l) => l.type === 'greeting');
  assert.deepEqual(
    greetings.map((g) => [g.version, g.mechanism]),
    [
      ['3.1', 'NULL'],
      ['3.1', 'NULL'],
    ],
  );
  const ready = lines
    .filter((l) => l.type === 'command' && l.name === 'READY')
    .map((l) => l.properties['Socket-Type'])
    .sort();
  assert.deepEqual(ready, ['PULL', 'PUSH']);
  const msgs = lines.filter((l) => l.type === 'message');
  assert.deepEqual(
    msgs.map((m) => m.frames),
    [[hexOf(BINARY), hexOf('with binary')], ...PUSHED.map((m) => m.map(hexOf))],
  );
  // The same records as the library gives.
  const lib = await decodeFile(file);
  assert.deepEqual(lines, JSON.parse(JSON.stringify(lib.records)));
});

test('zmtp decode (readable): aligned lines with previews, a summary on stderr', async () => {
  const file = await makeCapture();
  const r = await zmtp(['decode', file]).done;
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const msgLines = lines.filter((l) => l.includes(' MESSAGE '));
  assert.equal(msgLines.length, 3);
  assert.match(
    msgLines[0],
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}  #1 +127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ +MESSAGE +\[2\] 0x000102ff80 \| "with binary"$/,
  );
  assert.match(msgLines[1], /\[2\] "hello" \| "world"$/);
  assert.ok(lines.some((l) => / GREETING +ZMTP 3\.1 NULL as-client$/.test(l)));
  assert.ok(lines.some((l) => / COMMAND +READY Socket-Type=PUSH$/.test(l)));
  // Columns line up: the arrow sits at the same place on every line.
  assert.equal(new Set(lines.map((l) => l.indexOf(' -> '))).size, 1);
  assert.match(r.stderr, /1 TCP connections \(1 ZMTP\), 3 messages, 2 commands, 0 decode problems/);
});

test('zmtp decode: clear errors and exit codes for bad input and bad usage', async () => {
  const missing = await zmtp(['decode', join(t.dir, 'nope.pcap')]).done;
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /zmtp decode: capture file not found: .*nope\.pcap/);
  const text = join(t.dir, 'notes.txt');
  writeFileSync(text, 'this is not a capture at all\n');
  const magic = await zmtp(['decode', text]).done;
  assert.equal(magic.code, 1);
  assert.match(magic.stderr, /is not a pcap or pcapng capture \(magic 0x74686973/);
  const flag = await zmtp(['decode', text, '--jsn']).done;
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option '--jsn'/);
  const none = await zmtp(['decode']).done;
  assert.equal(none.code, 2);
  assert.match(none.stderr, /missing the capture FILE/);
  const noIface = await zmtp(['capture', '--json']).done;
  assert.equal(noIface.code, 2);
  assert.match(noIface.stderr, /missing -i IFACE/);
  const badIface = await zmtp(['capture', '-i', 'no-such-iface0']).done;
  assert.equal(badIface.code, 1);
  assert.match(badIface.stderr, /zmtp capture: .*no-such-iface0/);
});

test('zmtp capture -i lo --json -w FILE: live records, clean stop on SIGINT, the saved file decodes the same', async () => {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const probePort = probe.address().port;
  const saved = join(t.dir, 'live.pcapng');
  const run = zmtp(['capture', '-i', 'lo', '-f', `tcp port ${port} or udp port ${probePort}`, '--json', '-w', saved]);
  const push = new zmq.Push({ linger: 0 });
  try {
    while (!/capturing on lo/.test(run.stderr)) {
      assert.equal(run.child.exitCode, null, run.stderr);
      await sleep(50);
    }
    // The tool reports readiness a little early: wait until a UDP probe reaches the saved file.
    const probeText = Buffer.from(`zmtp-cli-probe-${probePort}`);
    while (!(existsSync(saved) && readFileSync(saved).includes(probeText))) {
      probe.send(probeText, probePort, '127.0.0.1');
      await sleep(50);
    }
    push.connect(`tcp://127.0.0.1:${port}`);
    await push.send(['live one', 'two']);
    await pull.receive();
    await push.send('LIVE-END');
    await pull.receive();
    while (!run.stdout.includes(hexOf('LIVE-END'))) {
      assert.equal(run.child.exitCode, null, run.stderr);
      await sleep(50);
    }
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const msgs = lines.filter((l) => l.type === 'message').map((l) => l.frames);
    assert.deepEqual(msgs, [[hexOf('live one'), hexOf('two')], [hexOf('LIVE-END')]]);
    assert.match(r.stderr, /2 messages/);
    const fromFile = await decodeFile(saved);
    const [conn] = zmtpConns(fromFile.records);
    assert.deepEqual(framesOf(messages(fromFile.records, conn, 'c2s')), msgs);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    probe.close();
    push.close();
    pull.close();
  }
});

test('zmtp decode shows progress on stderr only when stderr is a terminal', async () => {
  const file = await makeCapture();
  const piped = await zmtp(['decode', file, '--json']).done;
  assert.doesNotMatch(piped.stderr, /decoding/);
  // `script` gives the command a pseudo-terminal; stdout goes to a file so only stderr reaches it.
  const out = join(t.dir, 'tty-out.jsonl');
  const cmd = [process.execPath, '--import', 'tsx', cli, 'decode', file, '--json'].map((a) => `'${a}'`).join(' ');
  const tty = spawn('script', ['-qec', `${cmd} > '${out}'`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let terminal = '';
  tty.stdout.on('data', (d) => (terminal += d));
  const code = await new Promise((r) => tty.once('close', r));
  assert.equal(code, 0);
  assert.match(terminal, new RegExp(`decoding ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 100% \\(0\\.0 of 0\\.0 MB\\)`));
  assert.equal(readFileSync(out, 'utf8'), piped.stdout);
});
