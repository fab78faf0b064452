// `zmtp socket` against real libzmq peers (zeromq.js and pyzmq), run as the built CLI.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE } from '../../../core/engine/socket-type-table.js';

const zmtp = fileURLToPath(new URL('../../../bin/zmtp.js', import.meta.url));

const children = new Set<ReturnType<typeof spawn>>();
// A CLI that is still running when the file ends (a failed test) must not keep the runner alive.
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

function cli(args: string[], input?: string) {
  const child = spawn(process.execPath, [zmtp, 'socket', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  if (input !== undefined) child.stdin.end(input);
  children.add(child);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code ?? -1);
    }),
  );
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** The endpoint a wildcard bind resolved to, as printed on stderr. */
    async bound(): Promise<string> {
      while (!/bound (\S+)/.test(stderr)) await new Promise((r) => setTimeout(r, 20));
      return /bound (\S+)/.exec(stderr)![1];
    },
  };
}

test('PULL prints what a libzmq PUSH sends, as JSON hex frames, and stops after -n', { timeout: 30000 }, async () => {
  const pull = cli(['PULL', '--bind', 'tcp://127.0.0.1:*', '-n', '2', '-f', 'json']);
  const push = new zmq.Push({ linger: 0 });
  try {
    push.connect(await pull.bound());
    await push.send(['a', Buffer.from([0, 255])]);
    await push.send('second');
    assert.equal(await pull.exited, 0);
  } finally {
    push.close();
  }
  assert.deepEqual(
    pull.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [['61', '00ff'], [Buffer.from('second').toString('hex')]],
  );
});

test('PUSH sends stdin lines split at the delimiter to a libzmq PULL, then exits', { timeout: 30000 }, async () => {
  const pull = new zmq.Pull({ linger: 0 });
  try {
    await pull.bind('tcp://127.0.0.1:*');
    const push = cli(['PUSH', '--connect', pull.lastEndpoint!, '-d', '|'], 'a|b\nc\n');
    const first = await pull.receive();
    const second = await pull.receive();
    assert.deepEqual([first.map(String), second.map(String)], [['a', 'b'], ['c']]);
    assert.equal(await push.exited, 0);
  } finally {
    pull.close();
  }
});

test('REQ sends --send frames to a libzmq REP and prints the reply', { timeout: 30000 }, async () => {
  const rep = new zmq.Reply({ linger: 0 });
  try {
    await rep.bind('tcp://127.0.0.1:*');
    const req = cli(['REQ', '--connect', rep.lastEndpoint!, '-s', 'hello', '-s', 'world']);
    const request = await rep.receive();
    assert.deepEqual(request.map(String), ['hello', 'world']);
    await rep.send(['got', 'it']);
    assert.equal(await req.exited, 0);
    assert.equal(req.stdout, 'got | it\n');
  } finally {
    rep.close();
  }
});

test('REP answers a pyzmq (libzmq 4.3.4) REQ with --reply', { timeout: 30000 }, async () => {
  const rep = cli(['REP', '--bind', 'tcp://127.0.0.1:*', '--reply', 'pong', '-n', '1']);
  const endpoint = await rep.bound();
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `
import zmq
s = zmq.Context.instance().socket(zmq.REQ)
s.setsockopt(zmq.RCVTIMEO, 10000)
s.connect("${endpoint}")
s.send_multipart([b"ping"])
print(s.recv_multipart()[0].decode())
`,
    ],
    { encoding: 'utf8', timeout: 20000 },
  );
  assert.equal(py.stdout.trim(), 'pong', py.stderr);
  assert.equal(await rep.exited, 0);
  assert.equal(rep.stdout, 'ping\n');
});

test(
  'SERVER answers a libzmq CLIENT by routing id; DISH prints what a libzmq RADIO publishes to its group',
  { timeout: 30000 },
  async () => {
    const draft = await import('zeromq/draft.js');
    const server = cli(['SERVER', '--bind', 'tcp://127.0.0.1:*', '--reply', 'welcome', '-n', '1']);
    const client = new draft.Client({ linger: 0 });
    try {
      client.connect(await server.bound());
      await client.send('hi');
      const [reply] = await client.receive();
      assert.equal(reply.toString(), 'welcome');
      assert.equal(await server.exited, 0);
      assert.match(server.stdout, /^\[\d+\] hi\n$/, 'the request is printed with its routing id');
    } finally {
      client.close();
    }

    const dish = cli(['DISH', '--bind', 'udp://127.0.0.1:*', '--join', 'weather', '-n', '1', '-f', 'json']);
    const radio = new draft.Radio({ linger: 0 });
    try {
      radio.connect(await dish.bound());
      // UDP has no handshake: publish until the DISH has printed one message.
      for (let i = 0; dish.child.exitCode === null && i < 200; i++) {
        await radio.send('noise', { group: 'sports' });
        await radio.send('sunny', { group: 'weather' });
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(await dish.exited, 0);
      assert.deepEqual(JSON.parse(dish.stdout), { frames: [Buffer.from('sunny').toString('hex')], group: 'weather' });
    } finally {
      radio.close();
    }
  },
);

test('usage errors are specific and exit with status 2', { timeout: 30000 }, async () => {
  const cases: [string[], RegExp][] = [
    [['FOO', '-c', 'tcp://127.0.0.1:1'], /unknown socket type 'FOO'/],
    [['PUSH'], /at least one --bind or --connect/],
    [['PULL', '-b', 'tcp://127.0.0.1:*', '-s', 'x'], /PULL socket cannot send/],
    [['PUSH', '-c', 'tcp://127.0.0.1:1', '--hex', '-s', 'zz'], /not hex/],
    [['PULL', '-b', 'tcp://127.0.0.1:*', '-n', 'lots'], /--count must be a positive whole number/],
    [['PULL', '-b', 'tcp://127.0.0.1:*', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['PUSH', '-c', 'tcp://127.0.0.1:1', '-o', 'sendHighWaterMark=-5'], /sendHighWaterMark/],
    [['RADIO', '-c', 'udp://127.0.0.1:9'], /needs --group/],
    [['DISH', '-b', 'udp://127.0.0.1:*'], /at least one --join/],
    [['CLIENT', '-c', 'tcp://127.0.0.1:1', '-s', 'a', '-s', 'b'], /one frame/],
    [['DISH', '-b', 'udp://127.0.0.1:*', '--join', 'x'.repeat(256)], /longer than 255 bytes/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(args);
    assert.equal(await r.exited, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('an endpoint the engine rejects is reported with status 1', { timeout: 30000 }, async () => {
  const r = cli(['PULL', '--bind', 'tcp://127.0.0.1:notaport']);
  assert.equal(await r.exited, 1);
  assert.match(r.stderr, /zmtp socket: .*(port|endpoint)/i);
});

test(
  'every type in the socket-type table runs as `zmtp socket`; drafts are named so in the usage and on stderr',
  { timeout: 180000 },
  async () => {
    const help = spawnSync(process.execPath, [zmtp, 'socket', '--help'], { encoding: 'utf8', timeout: 30000 });
    const stable = /TYPE is one of ([A-Z ]+),/.exec(help.stdout)?.[1].split(' ');
    const draft = /or a draft type: ([A-Z ]+)\n/.exec(help.stdout)?.[1].split(' ');
    assert.deepEqual(
      stable,
      SOCKET_TYPE_NAMES.filter((t) => !SOCKET_TYPE_TABLE[t].draft),
      help.stdout,
    );
    assert.deepEqual(
      draft,
      SOCKET_TYPE_NAMES.filter((t) => SOCKET_TYPE_TABLE[t].draft),
      help.stdout,
    );
    for (const type of SOCKET_TYPE_NAMES) {
      const extra = type === 'RADIO' ? ['--group', 'g'] : type === 'DISH' ? ['--join', 'g'] : [];
      // Nothing to send (stdin is empty): a type that receives waits 300 ms for a message, then says so.
      const run = cli([type, '--bind', type === 'DGRAM' ? 'udp://127.0.0.1:*' : 'tcp://127.0.0.1:*', '-t', '300', ...extra], '');
      const waits = SOCKET_TYPE_TABLE[type].receives && type !== 'REQ';
      assert.equal(await run.exited, waits ? 1 : 0, `${type}: ${run.stderr}`);
      assert.match(run.stderr, /^bound (tcp|udp):\/\/127\.0\.0\.1:\d+$/m, `${type} made and bound`);
      if (waits) assert.match(run.stderr, /nothing received for 300 ms/, type);
      assert.equal(run.stderr.includes(`${type} is a draft socket type`), SOCKET_TYPE_TABLE[type].draft, `${type}: ${run.stderr}`);
    }
  },
);

test('PEER: connected, it sends to the peer it connected to; bound only, it answers like SERVER', { timeout: 30000 }, async () => {
  const server = cli(['PEER', '--bind', 'tcp://127.0.0.1:*', '--reply', 'from the bound PEER', '-n', '1']);
  const client = cli(['PEER', '--connect', await server.bound(), '-s', 'from the connecting PEER', '-n', '1'], '');
  assert.equal(await server.exited, 0, server.stderr);
  assert.equal(await client.exited, 0, client.stderr);
  assert.match(server.stdout, /^\[\d+\] from the connecting PEER\n$/);
  assert.match(client.stdout, /^\[\d+\] from the bound PEER\n$/);
});

test(
  'DGRAM sends an address|body line to a DGRAM, which prints it as address | body and stops after -n with its stdin still open',
  { timeout: 30000 },
  async () => {
    const receiver = cli(['DGRAM', '--bind', 'udp://127.0.0.1:*', '-n', '1']);
    const to = (await receiver.bound()).replace('udp://', '');
    const sender = cli(['DGRAM', '--bind', 'udp://127.0.0.1:*', '-d', '|']);
    await sender.bound();
    // UDP: keep sending until the receiver has printed one datagram.
    for (let i = 0; receiver.child.exitCode === null && i < 200; i++) {
      sender.child.stdin.write(`${to}|over udp\n`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(await receiver.exited, 0, receiver.stderr);
    sender.child.kill();
    // The address frame ends in a NUL, as libzmq writes it (printed as '.').
    assert.match(receiver.stdout, /^127\.0\.0\.1:\d+\. \| over udp\n$/);
  },
);
