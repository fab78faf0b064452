// tcp:// connects through a SOCKS5 proxy (socksProxy, socksUsername, socksPassword): our sockets through
// a real Dante (danted) to libzmq peers (zeromq.js and pyzmq), with and without username authentication,
// every way the connect can fail (wrong password, no method, proxy down, target refused), reconnects,
// the monitor events compared with a zeromq.js socket through the same Dante, and proxies that send bad
// bytes (net.Server speaking broken SOCKS: outside input the client must survive, not a stand-in for it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { ours, nextEvent, python } from './machinery-helpers.js';
import { freedPort, portOf } from '../../helpers/port.js';
import { prng } from '../../helpers/random.js';
import { danteMissing, startDante, SOCKS_PASSWORD, SOCKS_USER, type Dante } from '../../helpers/dante.js';
import type { Socket } from '../../../core/engine/socket.js';
import type { SocketEvent } from '../../../core/engine/monitor.js';
import { socketAsCode } from '../../../src/renderer/src/workbench/as-code.js';
import type { SocketInfo } from '../../../core/host/protocol.js';

const missing = danteMissing();

/**
 * Events as [type, address] in order, from zeromq.js's or our socket (both are async iterables; ours in
 * this mode only: an events.on() listener, as nextEvent adds, ends it). `events` holds them whole.
 */
function recordEvents(sock: { events: AsyncIterable<{ type: string; address?: string }> }): string[][] & { events: SocketEvent[] } {
  const seen = Object.assign([] as string[][], { events: [] as SocketEvent[] });
  void (async () => {
    try {
      for await (const e of sock.events) {
        seen.push([e.type, e.address ?? '']);
        seen.events.push(e as SocketEvent);
      }
    } catch {
      // The socket closed.
    }
  })();
  return seen;
}

/** The first connect:retry among recorded events. */
async function recordedRetry(seen: ReturnType<typeof recordEvents>): Promise<SocketEvent> {
  await until('a connect:retry', () => seen.events.some((e) => e.type === 'connect:retry'));
  return seen.events.find((e) => e.type === 'connect:retry')!;
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The reason (ours: "CODE: words") of the first connect:retry. */
async function firstRetry(sock: Socket): Promise<SocketEvent> {
  return nextEvent(sock, 'connect:retry');
}

/**
 * A zeromq.js DEALER through a proxy (argv: proxy, endpoint, user, password) printing its events up to
 * the second connect:retry. libzmq 4.3.5 crashes when a socket whose SOCKS connect failed is closed, so
 * it runs in a child process that exits without closing it.
 */
const ZEROMQ_FAILED_CONNECT = `
import * as zmq from 'zeromq';
const [proxy, target, user, pass] = process.argv.slice(-4);
const s = new zmq.Dealer({ linger: 0, reconnectInterval: 100, socksProxy: proxy });
if (user) { s.setStringOption(99, user); s.setStringOption(100, pass); }
const seen = [];
const events = s.events; // monitoring starts here: before connect(), so no event is missed
s.connect(target);
for await (const e of events) {
  seen.push([e.type, e.address]);
  if (seen.filter(([t]) => t === 'connect:retry').length === 2) break;
}
console.log(JSON.stringify(seen));
process.exit(0);
`;

describe('SOCKS5 through Dante', { skip: missing ?? false }, () => {
  let open: Dante;
  let withAuth: Dante;
  before(async () => {
    open = await startDante('none');
    withAuth = await startDante('username');
  });
  after(async () => {
    await open?.stop();
    await withAuth?.stop();
  });

  test('no authentication: our DEALER to a zeromq.js ROUTER by host name (the proxy resolves localhost)', async () => {
    const router = new zmq.Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const port = portOf(router.lastEndpoint);
    const dealer = ours('DEALER', { linger: 0, socksProxy: open.address, routingId: 'via-dante' });
    try {
      const connected = nextEvent(dealer, 'connect');
      dealer.connect(`tcp://localhost:${port}`);
      const ev = await connected;
      // libzmq names the proxy in a SOCKS connect's events.
      assert.equal(ev.address, `tcp://${open.address}`);
      await dealer.send('ping');
      const [id, body] = await router.receive();
      assert.equal(String(id), 'via-dante');
      assert.equal(String(body), 'ping');
      await router.send([id, 'pong']);
      assert.deepEqual((await dealer.receive()).map(String), ['pong']);
      // Dante made the connection (its log names the target it connected to).
      await until('the connect in Dante log', () => open.log().includes(`.${port}`));
    } finally {
      dealer.close();
      router.close();
    }
  });

  test('no authentication: our REQ to a pyzmq REP (libzmq 4.3.4)', async () => {
    const py = python(
      `
import zmq
s = zmq.Context.instance().socket(zmq.REP)
port = s.bind_to_random_port("tcp://127.0.0.1")
print(port, flush=True)
s.send(b"echo:" + s.recv())
print("done", flush=True)
`,
    );
    const req = ours('REQ', { linger: 0, socksProxy: open.address });
    try {
      const port = Number(await py.line());
      req.connect(`tcp://127.0.0.1:${port}`);
      await req.send('hello pyzmq');
      assert.deepEqual((await req.receive()).map(String), ['echo:hello pyzmq']);
      assert.equal(await py.line(), 'done');
    } finally {
      req.close();
      await py.stop();
    }
  });

  test('username/password (RFC 1929): our PUSH reaches an IPv6 zeromq.js PULL, through the proxy at [::1]', async () => {
    const pull = new zmq.Pull({ linger: 0, ipv6: true });
    await pull.bind('tcp://[::1]:*');
    const push = ours('PUSH', {
      linger: 0,
      ipv6: true,
      socksProxy: `[::1]:${withAuth.port}`,
      socksUsername: SOCKS_USER,
      socksPassword: SOCKS_PASSWORD,
    });
    try {
      push.connect(pull.lastEndpoint!);
      await push.send(['a', 'b']);
      assert.deepEqual((await pull.receive()).map(String), ['a', 'b']);
      await until('the authenticated connect in Dante log', () => withAuth.log().includes(`username%${SOCKS_USER}@`));
    } finally {
      push.close();
      pull.close();
    }
  });

  test('wrong password: ESOCKS_AUTH, the socket closes and retries, never connects', async () => {
    const pull = new zmq.Pull({ linger: 0 });
    await pull.bind('tcp://127.0.0.1:*');
    const push = ours('PUSH', {
      linger: 0,
      reconnectInterval: 50,
      socksProxy: withAuth.address,
      socksUsername: SOCKS_USER,
      socksPassword: 'not-the-password',
    });
    const seen = recordEvents(push);
    try {
      push.connect(pull.lastEndpoint!);
      const retry = await recordedRetry(seen);
      assert.match(retry.reason!, /^ESOCKS_AUTH: /);
      assert.match(retry.reason!, new RegExp(`refused user "${SOCKS_USER}"`));
      await until('three events', () => seen.length >= 3);
      assert.deepEqual(
        seen.slice(0, 3).map(([t]) => t),
        ['connect:delay', 'close', 'connect:retry'],
      );
      assert.ok(!seen.some(([t]) => t === 'connect'));
    } finally {
      push.close();
      pull.close();
    }
  });

  test('no credentials for a proxy that requires them: ESOCKS_METHOD', async () => {
    const push = ours('PUSH', { linger: 0, socksProxy: withAuth.address });
    try {
      push.connect(`tcp://127.0.0.1:${await freedPort()}`);
      const retry = await firstRetry(push);
      assert.match(retry.reason!, /^ESOCKS_METHOD: .*requires authentication/);
    } finally {
      push.close();
    }
  });

  test('target refused: ESOCKS_CONNECT with the proxy reply code', async () => {
    const push = ours('PUSH', { linger: 0, socksProxy: open.address });
    try {
      push.connect(`tcp://127.0.0.1:${await freedPort()}`);
      const retry = await firstRetry(push);
      assert.match(retry.reason!, /^ESOCKS_CONNECT: SOCKS5 proxy .* cannot connect to 127\.0\.0\.1:\d+: .*\(reply \d\)/);
    } finally {
      push.close();
    }
  });

  test('proxy down: the tcp connect to the proxy fails, close then connect:retry naming the proxy', async () => {
    const proxy = `127.0.0.1:${await freedPort()}`;
    const push = ours('PUSH', { linger: 0, socksProxy: proxy });
    const seen = recordEvents(push);
    try {
      push.connect('tcp://127.0.0.1:5555');
      const retry = await recordedRetry(seen);
      assert.match(retry.reason!, /cannot connect to SOCKS5 proxy .*ECONNREFUSED/);
      await until('three events', () => seen.length >= 3);
      assert.deepEqual(seen.slice(0, 3), [
        ['connect:delay', `tcp://${proxy}`],
        ['close', `tcp://${proxy}`],
        ['connect:retry', `tcp://${proxy}`],
      ]);
    } finally {
      push.close();
    }
  });

  test('reconnect through the proxy: a restarted zeromq.js peer gets the messages queued meanwhile', async () => {
    let pull = new zmq.Pull({ linger: 0 });
    await pull.bind('tcp://127.0.0.1:*');
    const endpoint = pull.lastEndpoint!;
    const push = ours('PUSH', { linger: 0, reconnectInterval: 50, socksProxy: open.address });
    try {
      push.connect(endpoint);
      await push.send('first');
      assert.deepEqual((await pull.receive()).map(String), ['first']);
      const gone = nextEvent(push, 'disconnect');
      pull.close();
      await gone;
      const again = nextEvent(push, 'handshake');
      await push.send('queued while away');
      pull = new zmq.Pull({ linger: 0 });
      await pull.bind(endpoint);
      await again;
      assert.deepEqual((await pull.receive()).map(String), ['queued while away']);
    } finally {
      push.close();
      pull.close();
    }
  });

  test('monitor events: ours and a zeromq.js socket through the same Dante, connecting, losing the peer, reconnecting', async () => {
    let router = new zmq.Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const endpoint = router.lastEndpoint!;
    // Reconnects come after the peer is back (a failed SOCKS connect would make libzmq crash at close).
    const options = { linger: 0, reconnectInterval: 1000, socksProxy: open.address };
    const theirs = new zmq.Dealer(options);
    const mine = ours('DEALER', options);
    const theirEvents = recordEvents(theirs);
    const myEvents = recordEvents(mine);
    const both = (what: string, count: number) =>
      until(`${what} x${count} on both`, () => [theirEvents, myEvents].every((l) => l.filter(([t]) => t === what).length >= count));
    try {
      theirs.connect(endpoint);
      mine.connect(endpoint);
      await both('handshake', 1);
      // Types and addresses ([...] leaves out the whole events, whose retry intervals are random).
      assert.deepEqual([...myEvents], [...theirEvents]);
      assert.deepEqual(myEvents[0], ['connect:delay', `tcp://${open.address}`]);
      router.close();
      router = new zmq.Router({ linger: 0 });
      await router.bind(endpoint);
      await both('handshake', 2);
      // The disconnect, the retry and the new connect all name the proxy, as libzmq's do.
      assert.deepEqual([...myEvents], [...theirEvents]);
      assert.ok(myEvents.some(([t, a]) => t === 'disconnect' && a === `tcp://${open.address}`));
    } finally {
      theirs.close();
      mine.close();
      router.close();
    }
  });

  test('monitor events: ours and zeromq.js on failed SOCKS connects (wrong password, refused target)', async () => {
    const refused = await freedPort();
    const theirs = async (proxy: string, target: string, user = '', pass = ''): Promise<string[][]> => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', ZEROMQ_FAILED_CONNECT, '--', proxy, target, user, pass]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      await new Promise((r) => p.once('close', r));
      assert.ok(out.trim(), `zeromq.js child printed nothing: ${err}`);
      return JSON.parse(out) as string[][];
    };
    const mine = async (proxy: string, target: string, user?: string, pass?: string): Promise<string[][]> => {
      const credentials = user === undefined ? {} : { socksUsername: user, socksPassword: pass };
      const s = ours('DEALER', { linger: 0, reconnectInterval: 100, socksProxy: proxy, ...credentials });
      const seen = recordEvents(s);
      s.connect(target);
      await until('two retries', () => seen.filter(([t]) => t === 'connect:retry').length >= 2);
      s.close();
      const second = seen.findIndex(([t], i) => t === 'connect:retry' && seen.slice(0, i).some(([u]) => u === 'connect:retry'));
      return seen.slice(0, second + 1);
    };
    const target = `tcp://127.0.0.1:${refused}`;
    assert.deepEqual(await mine(open.address, target), await theirs(open.address, target));
    assert.deepEqual(
      await mine(withAuth.address, target, SOCKS_USER, 'wrong'),
      await theirs(withAuth.address, target, SOCKS_USER, 'wrong'),
    );
  });
});

/** Runs a generated program (in the repository, so `import "zeromq"` resolves); resolves with its stdout once it exits 0. */
async function runProgram(file: string, command: string, code: string): Promise<{ exited: Promise<string> }> {
  const dir = mkdtempSync(join(fileURLToPath(new URL('../../..', import.meta.url)), 'test-results-socks-'));
  const path = join(dir, file);
  writeFileSync(path, code);
  const child = spawn(command, [path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), 20_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      if (status === 0) resolve(out);
      else reject(new Error(`${file} exited ${status}: ${err}\n${code}`));
    });
  });
  return { exited };
}

describe('copy as code with SOCKS options', { skip: missing ?? false }, () => {
  for (const [language, file, command] of [
    ['zeromq.js', 'dealer.mjs', process.execPath],
    ['pyzmq', 'dealer.py', '/usr/bin/python3'],
  ] as const) {
    test(`the ${language} program of a DEALER with a proxy, user and password reaches a ROUTER through Dante`, async () => {
      const dante = await startDante('username');
      const router = new zmq.Router({ linger: 0 });
      await router.bind('tcp://127.0.0.1:*');
      const socket: SocketInfo = {
        id: '1',
        name: 'dealer-1',
        type: 'DEALER',
        options: { linger: 0, socksProxy: dante.address, socksUsername: SOCKS_USER, socksPassword: SOCKS_PASSWORD },
        peers: [],
        closed: false,
        messageCount: 0,
        eventCount: 0,
        endpoints: [{ kind: 'connect', requested: router.lastEndpoint!, endpoint: router.lastEndpoint! }],
      };
      const code = socketAsCode(socket, language);
      try {
        const program = await runProgram(file, command, code);
        const [id, hello] = await router.receive();
        assert.equal(String(hello), 'hello');
        await router.send([id, 'world']);
        assert.match(await program.exited, /world/);
        assert.match(dante.log(), new RegExp(`username%${SOCKS_USER}@`));
      } finally {
        router.close();
        await dante.stop();
      }
    });
  }
});

/**
 * A proxy that answers with `script`: for each request it receives (greeting, then auth or CONNECT), the
 * bytes to send back (or 'close' to hang up, or 'silent' to say nothing).
 */
async function hostileProxy(script: (Buffer | 'close' | 'silent')[]): Promise<{ address: string; close(): void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    let turn = 0;
    s.on('error', () => {});
    s.on('data', () => {
      const answer = script[turn++];
      if (answer === undefined || answer === 'silent') return;
      if (answer === 'close') s.destroy();
      else s.write(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const OK_REPLY_V4 = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x88]);

describe('SOCKS5 proxies that send bad bytes', () => {
  const cases: { name: string; script: (Buffer | 'close' | 'silent')[]; expect: RegExp; options?: object }[] = [
    { name: 'a SOCKS4 answer to the greeting', script: [Buffer.from([4, 0])], expect: /^ESOCKS_PROTOCOL: .*version 4, not 5/ },
    { name: 'no acceptable method (0xFF)', script: [Buffer.from([5, 0xff])], expect: /^ESOCKS_METHOD: .*requires authentication/ },
    {
      name: 'a method we did not offer (username/password when we offered none)',
      script: [Buffer.from([5, 2])],
      expect: /^ESOCKS_METHOD: .*chose method 2, which we did not offer/,
    },
    { name: 'bytes beyond the method choice', script: [Buffer.from([5, 0, 5, 0])], expect: /^ESOCKS_PROTOCOL: .*2 bytes more/ },
    {
      name: 'an authentication status of the wrong version',
      script: [Buffer.from([5, 2]), Buffer.from([5, 0])],
      expect: /^ESOCKS_PROTOCOL: .*username\/password request with version 5, not 1/,
      options: { socksUsername: 'u', socksPassword: 'p' },
    },
    {
      name: 'authentication refused',
      script: [Buffer.from([5, 2]), Buffer.from([1, 1])],
      expect: /^ESOCKS_AUTH: .*refused user "u" \(status 1\)/,
      options: { socksUsername: 'u', socksPassword: 'p' },
    },
    {
      name: 'CONNECT refused by ruleset (reply 2)',
      script: [Buffer.from([5, 0]), Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])],
      expect: /^ESOCKS_CONNECT: .*connection not allowed by ruleset \(reply 2\)/,
    },
    {
      name: 'an unassigned reply code',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0x42, 0, 1])],
      expect: /^ESOCKS_CONNECT: .*an unassigned reply code \(reply 66\)/,
    },
    {
      name: 'a reply with an unknown address type',
      // Four bytes are enough to know: the proxy says no more.
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 0, 9])],
      expect: /^ESOCKS_PROTOCOL: .*unknown address type 9/,
    },
    {
      name: 'a reply with a non-zero reserved byte',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 7, 1, 0, 0, 0, 0, 0, 0])],
      expect: /^ESOCKS_PROTOCOL: .*reserved byte/,
    },
    { name: 'hanging up after the greeting', script: ['close'], expect: /^ESOCKS_CLOSED: .*method choice/ },
    {
      name: 'hanging up instead of the CONNECT reply',
      script: [Buffer.from([5, 0]), 'close'],
      expect: /^ESOCKS_CLOSED: .*while we waited for its CONNECT reply/,
    },
    {
      name: 'a CONNECT reply cut short (a 200-byte name announced, 1 byte sent), then silence',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 0, 3, 200, 0x61])],
      expect: /^ESOCKS_TIMEOUT: .*no answer within 300 ms while we waited for its CONNECT reply/,
      options: { connectTimeout: 300 },
    },
    {
      name: 'silence after the greeting (bounded by connectTimeout)',
      script: ['silent'],
      expect: /^ESOCKS_TIMEOUT: .*no answer within 300 ms/,
      options: { connectTimeout: 300 },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const proxy = await hostileProxy(c.script);
      const push = ours('PUSH', { linger: 0, reconnectInterval: 1000, socksProxy: proxy.address, ...c.options });
      const seen = recordEvents(push);
      try {
        const retry = recordedRetry(seen);
        push.connect('tcp://127.0.0.1:5555');
        assert.match((await retry).reason!, c.expect);
        assert.ok(!seen.some(([t]) => t === 'connect'), 'never reports a connection');
      } finally {
        push.close();
        proxy.close();
      }
    });
  }

  test('a proxy whose success reply shares its packet with the peer greeting: ZMTP goes on from those bytes', async () => {
    const pull = new zmq.Pull({ linger: 0 });
    await pull.bind('tcp://127.0.0.1:*');
    const target = portOf(pull.lastEndpoint);
    // A relay: after the CONNECT, it waits for libzmq's first bytes and sends them with the reply in one write.
    const server = net.createServer((client) => {
      client.on('error', () => {});
      client.once('data', () => {
        client.write(Buffer.from([5, 0]));
        client.once('data', () => {
          const upstream = net.connect(target, '127.0.0.1');
          upstream.on('error', () => client.destroy());
          upstream.once('data', (first) => {
            client.write(Buffer.concat([OK_REPLY_V4, first]));
            upstream.pipe(client);
            client.pipe(upstream);
          });
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const push = ours('PUSH', { linger: 0, socksProxy: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    try {
      push.connect(`tcp://127.0.0.1:${target}`);
      await push.send('through the relay');
      assert.deepEqual((await pull.receive()).map(String), ['through the relay']);
    } finally {
      push.close();
      pull.close();
      server.close();
    }
  });

  test('200 mutated proxy answers (seeded): each attempt ends in a coded SOCKS error or a connection, never a crash or a hang', async (t) => {
    const seed = 20261203;
    const random = prng(seed);
    const valid = [Buffer.from([5, 0]), OK_REPLY_V4];
    /** A valid answer with a byte changed, cut short, grown, or replaced by random bytes. */
    const mutate = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const pick = random();
      if (pick < 0.35) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      else if (pick < 0.55) return out.subarray(0, Math.floor(random() * out.length));
      else if (pick < 0.75) return Buffer.concat([out, Buffer.from([Math.floor(random() * 256), Math.floor(random() * 256)])]);
      else if (pick < 0.85) return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 256)));
      return out;
    };
    const attempts = 200;
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted++;
      const answers = valid.map(mutate);
      s.on('error', () => {});
      // The proxy hangs up after 20 ms without a request (also when it answered nothing or too little),
      // so no attempt waits for the client's timeout.
      s.setTimeout(20, () => s.destroy());
      s.on('data', () => {
        const next = answers.shift();
        if (next === undefined) s.destroy();
        else if (next.length) s.write(next);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const push = ours('PUSH', {
      linger: 0,
      reconnectInterval: 1,
      connectTimeout: 2000,
      socksProxy: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    });
    const seen = recordEvents(push);
    try {
      push.connect('tcp://127.0.0.1:5555');
      await until(`${attempts} attempts (seed ${seed})`, () => accepted >= attempts, 120_000);
      const reasons = seen.events.filter((e) => e.type === 'connect:retry').map((e) => e.reason!);
      const codes = new Set(reasons.map((r) => /^(ESOCKS_[A-Z_]+): /.exec(r)?.[1] ?? r));
      const connected = seen.filter(([type]) => type === 'connect').length;
      t.diagnostic(`seed ${seed}: ${reasons.length} retries, ${connected} connections; ${[...codes].join(', ')}`);
      // Every retry follows a coded SOCKS failure, or a connection the fake "peer" then dropped.
      for (const code of codes)
        assert.match(
          code,
          /^ESOCKS_(PROTOCOL|METHOD|CONNECT|CLOSED)$|^connection|closed|peer|reset|handshake|greeting/i,
          `seed ${seed}: ${code}`,
        );
      assert.ok(codes.has('ESOCKS_PROTOCOL') && codes.has('ESOCKS_CLOSED'), `seed ${seed}: ${[...codes].join(', ')}`);
      assert.ok(connected < attempts);
    } finally {
      push.close();
      server.close();
    }
  });

  test('an unusable socksProxy: ESOCKS_PROXY_ADDRESS on every attempt, no tcp connect', async () => {
    for (const [proxy, why] of [
      ['no-port', /is not host:port/],
      ['host:0', /no port from 1 to 65535/],
      ['[::1]:1080', /IPv6 address: set the ipv6 option/],
    ] as const) {
      const push = ours('PUSH', { linger: 0, socksProxy: proxy });
      const seen = recordEvents(push);
      try {
        push.connect('tcp://127.0.0.1:5555');
        const retry = await recordedRetry(seen);
        assert.match(retry.reason!, /^ESOCKS_PROXY_ADDRESS: /);
        assert.match(retry.reason!, why);
        assert.deepEqual(
          seen.map(([t]) => t),
          ['connect:retry'],
        );
      } finally {
        push.close();
      }
    }
  });
});
