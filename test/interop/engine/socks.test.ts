// tcp:// connects through a SOCKS5 proxy (socksProxy, socksUsername, socksPassword): our sockets through
// a real Dante (danted) to libzmq peers (zeromq.js and pyzmq), with and without username authentication,
// every way the connect can fail (wrong password, no method, proxy down, target refused), reconnects, the
// monitor events compared with a zeromq.js socket through the same Dante, and the workbench's copy-as-code
// programs with SOCKS options. Proxies that send bad bytes: socks-hostile.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { ours, nextEvent, python } from './machinery-helpers.js';
import { freedPort, portOf } from '../../helpers/port.js';
import { danteMissing, startDante, SOCKS_PASSWORD, SOCKS_USER, type Dante } from '../../helpers/dante.js';
import { firstRetry, recordEvents, recordedRetry, until, within } from './socks-helpers.js';
import { socketAsCode } from '../../../src/renderer/src/workbench/as-code.js';
import type { SocketInfo } from '../../../core/host/protocol.js';

const missing = danteMissing();

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
    const seen = recordEvents(req);
    // It hung once in ~25 runs of this file under load (not reproduced since): a hang now says where it was.
    const info = () => `our events ${JSON.stringify([...seen])}; pyzmq stderr ${py.stderr}; Dante: ${open.log().slice(-600)}`;
    try {
      const port = Number(await within(py.line(), 20_000, 'the pyzmq port', info));
      req.connect(`tcp://127.0.0.1:${port}`);
      await req.send('hello pyzmq');
      assert.deepEqual((await within(req.receive(), 20_000, 'the pyzmq reply', info)).map(String), ['echo:hello pyzmq']);
      assert.equal(await within(py.line(), 20_000, 'pyzmq done', info), 'done');
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
    const options = { linger: 0, reconnectInterval: 2000, socksProxy: open.address };
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
      // libzmq releases the port in its I/O thread, a moment after close(): bind again until it is free.
      router = new zmq.Router({ linger: 0 });
      for (let tries = 0; ; tries++) {
        try {
          await router.bind(endpoint);
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== 'EADDRINUSE' || tries === 50) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
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
