// Which workbench endpoints a socket is offered to connect to, and "copy as code": the zeromq.js program
// generated for a REQ really talks to a REP of this engine (run by Node, with the zeromq package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectTargets, defaultEndpoint } from '../../../src/renderer/src/workbench/patterns.js';
import { socketAsCode } from '../../../src/renderer/src/workbench/as-code.js';
import type { SocketInfo, SocketType } from '../../../core/host/protocol.js';
import { Reply } from '../../../core/internal.js';

function sock(id: string, type: SocketType, bound: string[] = [], options: SocketInfo['options'] = {}): SocketInfo {
  return {
    id,
    name: `${type.toLowerCase()}-${id}`,
    type,
    options,
    peers: [],
    closed: false,
    messageCount: 0,
    eventCount: 0,
    endpoints: bound.map((e) => ({ kind: 'bind' as const, requested: 'tcp://127.0.0.1:*', endpoint: e })),
  };
}

test('connect targets: other sockets bound endpoints, compatible types first; the default is never a wildcard when a peer exists', () => {
  const req = sock('1', 'REQ');
  const pub = sock('2', 'PUB', ['tcp://127.0.0.1:1000']);
  const rep = sock('3', 'REP', ['tcp://127.0.0.1:2000', 'ipc:///tmp/rep']);
  const targets = connectTargets(req, [req, pub, rep]);
  assert.deepEqual(
    targets.map((t) => [t.endpoint, t.compatible]),
    [
      ['tcp://127.0.0.1:2000', true],
      ['ipc:///tmp/rep', true],
      ['tcp://127.0.0.1:1000', false],
    ],
  );
  assert.equal(defaultEndpoint(req, [req, pub, rep]), 'tcp://127.0.0.1:2000');
  assert.equal(defaultEndpoint(req, [req, pub]), 'tcp://127.0.0.1:*', 'nothing compatible: a wildcard to bind');
  assert.deepEqual(connectTargets(rep, [rep]), [], 'its own endpoints are not offered');
});

test('pyzmq code maps options to libzmq names and leaves the host default send timeout out', () => {
  const code = socketAsCode(
    sock('1', 'SUB', ['tcp://127.0.0.1:4000'], { reconnectInterval: 100, sendTimeout: 2000, subscriptions: ['a', ''] }),
    'pyzmq',
  );
  assert.match(code, /sock = ctx\.socket\(zmq\.SUB\)/);
  assert.match(code, /sock\.reconnect_ivl = 100/);
  assert.doesNotMatch(code, /sndtimeo/);
  assert.match(code, /sock\.setsockopt\(zmq\.SUBSCRIBE, b"a"\)\nsock\.setsockopt\(zmq\.SUBSCRIBE, b""\)/);
  assert.match(code, /sock\.bind\("tcp:\/\/127\.0\.0\.1:\*"\)/, 'a bind keeps the wildcard the user asked for');
  assert.match(socketAsCode(sock('2', 'RADIO'), 'zeromq.js'), /from "zeromq\/draft"/);
});

test('the zeromq.js code of a REQ runs against a REP of this engine', async () => {
  const rep = new Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  const req: SocketInfo = {
    ...sock('1', 'REQ', [], { linger: 0 }),
    endpoints: [{ kind: 'connect', requested: rep.lastEndpoint!, endpoint: rep.lastEndpoint! }],
  };
  // In the repository, so `import "zeromq"` resolves from its node_modules.
  const dir = mkdtempSync(join(fileURLToPath(new URL('../../..', import.meta.url)), 'test-results-code-'));
  const file = join(dir, 'req.mjs');
  writeFileSync(file, socketAsCode(req, 'zeromq.js'));
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('close', r));
  try {
    const [hello] = await rep.receive();
    assert.equal(hello.toString(), 'hello');
    await rep.send('world');
    assert.equal(await exited, 0, err);
    assert.equal(out.trim(), "[ 'world' ]");
  } finally {
    child.kill();
    rep.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
