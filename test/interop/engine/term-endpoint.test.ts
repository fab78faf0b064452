// unbind() and disconnect() match an endpoint exactly, as libzmq's term_endpoint does: the endpoint as
// bound (lastEndpoint) or connected, or an address that resolves to it; never another host on the same
// port. Every case runs the same code against zeromq.js (libzmq 4.3.5) and the engine, and the engine
// must give libzmq's outcome, so the two cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as zeromq from 'zeromq';
import * as engine from '../../../core/internal.js';
import { freedPort } from '../../helpers/port.js';

type Zmq = typeof zeromq;
const IMPLEMENTATIONS: Array<[string, Zmq]> = [
  ['zeromq.js', zeromq],
  ['engine', engine as unknown as Zmq],
];

let nextName = 0;
const unique = () => `${process.pid}-${nextName++}`;

/** 'OK' or the error code, whether fn throws at once or rejects. */
async function outcome(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

/** Resolves once nothing listens on host:port any more (listeners close a moment after unbind in libzmq). */
async function refused(host: string, port: number): Promise<void> {
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (!accepted) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const [name, zmq] of IMPLEMENTATIONS) {
  test(`${name}: two hosts bound on one port; unbinding one leaves the other accepting`, async () => {
    const port = await freedPort();
    const pull = new zmq.Pull({ linger: 0 });
    const push = new zmq.Push({ linger: 0 });
    try {
      await pull.bind(`tcp://127.0.0.10:${port}`);
      await pull.bind(`tcp://127.0.0.1:${port}`);
      await pull.unbind(`tcp://127.0.0.1:${port}`);
      await refused('127.0.0.1', port);
      assert.equal(await outcome(() => pull.unbind(`tcp://127.0.0.1:${port}`)), 'ENOENT', 'already unbound');
      push.connect(`tcp://127.0.0.10:${port}`);
      await push.send('still there');
      assert.deepEqual(await pull.receive(), [Buffer.from('still there')]);
      await pull.unbind(`tcp://127.0.0.10:${port}`);
    } finally {
      pull.close();
      push.close();
    }
  });
}

/** Binds the first address (of a fresh port), unbinds the second (given the port and lastEndpoint); libzmq's outcome. */
const UNBIND_CASES: Array<[string, (p: number) => string, (p: number, last: string) => string, string]> = [
  ['as bound', (p) => `tcp://127.0.0.1:${p}`, (p) => `tcp://127.0.0.1:${p}`, 'OK'],
  ['another host on the port', (p) => `tcp://127.0.0.10:${p}`, (p) => `tcp://127.0.0.1:${p}`, 'ENOENT'],
  ['another port', (p) => `tcp://127.0.0.1:${p}`, (p) => `tcp://127.0.0.1:${p + 1}`, 'ENOENT'],
  ['by a name resolving to it', (p) => `tcp://127.0.0.1:${p}`, (p) => `tcp://localhost:${p}`, 'OK'],
  ['bound by name, unbound by address', (p) => `tcp://localhost:${p}`, (p) => `tcp://127.0.0.1:${p}`, 'OK'],
  ['port with a leading zero', (p) => `tcp://127.0.0.1:${p}`, (p) => `tcp://127.0.0.1:0${p}`, 'OK'],
  ['wildcard host, by the wildcard', (p) => `tcp://*:${p}`, (p) => `tcp://*:${p}`, 'ENOENT'],
  ['wildcard host, by lastEndpoint', (p) => `tcp://*:${p}`, (_p, last) => last, 'OK'],
  ['wildcard host, by one of its addresses', (p) => `tcp://*:${p}`, (p) => `tcp://127.0.0.1:${p}`, 'ENOENT'],
  ['0.0.0.0, by the wildcard', (p) => `tcp://0.0.0.0:${p}`, (p) => `tcp://*:${p}`, 'ENOENT'],
  ['wildcard port, by lastEndpoint', () => 'tcp://127.0.0.1:*', (_p, last) => last, 'OK'],
  ['wildcard port, by the wildcard', () => 'tcp://127.0.0.1:*', () => 'tcp://127.0.0.1:*', 'ENOENT'],
  ['wildcard host and port', () => 'tcp://127.0.0.1:*', () => 'tcp://*:*', 'ENOENT'],
  ['no port', (p) => `tcp://127.0.0.1:${p}`, () => 'tcp://127.0.0.1', 'ENOENT'],
  ['text after the port (libzmq reads the digits only)', (p) => `tcp://127.0.0.1:${p}`, (p) => `tcp://127.0.0.1:${p}/x`, 'OK'],
  ['unknown transport', (p) => `tcp://127.0.0.1:${p}`, () => 'bogus://x', 'EPROTONOSUPPORT'],
  ['no transport', (p) => `tcp://127.0.0.1:${p}`, () => 'nothing', 'EINVAL'],
  ['empty address', (p) => `tcp://127.0.0.1:${p}`, () => 'tcp://', 'EINVAL'],
  ['empty inproc name', (p) => `tcp://127.0.0.1:${p}`, () => 'inproc://', 'EINVAL'],
  ['ipc as bound', () => `ipc://${path.join(os.tmpdir(), `term-${unique()}.sock`)}`, (_p, last) => last, 'OK'],
  [
    'ipc another path',
    () => `ipc://${path.join(os.tmpdir(), `term-${unique()}.sock`)}`,
    () => `ipc://${path.join(os.tmpdir(), `term-${unique()}.sock`)}`,
    'ENOENT',
  ],
  ['ipc://*, by lastEndpoint', () => 'ipc://*', (_p, last) => last, 'OK'],
  ['ipc://*, by the wildcard', () => 'ipc://*', () => 'ipc://*', 'ENOENT'],
  ['inproc another name', () => `inproc://term-${unique()}`, () => `inproc://term-${unique()}`, 'ENOENT'],
];

for (const [label, bindAt, unbindAt, libzmq] of UNBIND_CASES) {
  test(`unbind, ${label}: the engine does what libzmq does`, async () => {
    const results: string[] = [];
    for (const [, zmq] of IMPLEMENTATIONS) {
      // A port the OS just gave out: fixed ranges collide with other test files' ephemeral ports.
      const port = await freedPort();
      const s = new zmq.Pull({ linger: 0 });
      try {
        await s.bind(bindAt(port));
        results.push(await outcome(() => s.unbind(unbindAt(port, s.lastEndpoint!))));
      } finally {
        s.close();
      }
    }
    assert.deepEqual(results, [libzmq, libzmq]);
  });
}

/** Connects to the first addresses (fresh port, nothing listening), disconnects the second in turn; libzmq's outcomes. */
const DISCONNECT_CASES: Array<[string, (p: number) => string[], (p: number) => string[], string[]]> = [
  ['as connected, twice', (p) => [`tcp://127.0.0.1:${p}`], (p) => [`tcp://127.0.0.1:${p}`, `tcp://127.0.0.1:${p}`], ['OK', 'ENOENT']],
  [
    'connected twice, disconnected once for both',
    (p) => [`tcp://127.0.0.1:${p}`, `tcp://127.0.0.1:${p}`],
    (p) => [`tcp://127.0.0.1:${p}`, `tcp://127.0.0.1:${p}`],
    ['OK', 'ENOENT'],
  ],
  ['another host on the port', (p) => [`tcp://127.0.0.1:${p}`], (p) => [`tcp://127.0.0.2:${p}`, `tcp://127.0.0.1:${p}`], ['ENOENT', 'OK']],
  ['another port', (p) => [`tcp://127.0.0.1:${p}`], (p) => [`tcp://127.0.0.1:${p + 1}`], ['ENOENT']],
  ['by a name resolving to it', (p) => [`tcp://127.0.0.1:${p}`], (p) => [`tcp://localhost:${p}`], ['OK']],
  [
    'connected by name, disconnected by address',
    (p) => [`tcp://localhost:${p}`],
    (p) => [`tcp://127.0.0.1:${p}`, `tcp://localhost:${p}`],
    ['ENOENT', 'OK'],
  ],
  ['wildcards', () => [], (p) => [`tcp://*:${p}`, 'tcp://127.0.0.1:*'], ['ENOENT', 'ENOENT']],
  ['malformed', () => [], () => ['nothing', 'tcp://', 'bogus://x'], ['EINVAL', 'EINVAL', 'EPROTONOSUPPORT']],
  ['text after the port', (p) => [`tcp://127.0.0.1:${p}`], (p) => [`tcp://127.0.0.1:${p}/x`], ['OK']],
  [
    'inproc and ipc never connected',
    () => [],
    () => [`inproc://term-${unique()}`, `ipc://${path.join(os.tmpdir(), `term-${unique()}.sock`)}`],
    ['ENOENT', 'ENOENT'],
  ],
];

for (const [label, connectTo, disconnectFrom, libzmq] of DISCONNECT_CASES) {
  test(`disconnect, ${label}: the engine does what libzmq does`, async () => {
    const results: string[][] = [];
    for (const [, zmq] of IMPLEMENTATIONS) {
      // A port the OS just gave out: fixed ranges collide with other test files' ephemeral ports.
      const port = await freedPort();
      const s = new zmq.Push({ linger: 0 });
      try {
        for (const a of connectTo(port)) s.connect(a);
        const each: string[] = [];
        for (const a of disconnectFrom(port)) each.push(await outcome(() => s.disconnect(a)));
        results.push(each);
      } finally {
        s.close();
      }
    }
    assert.deepEqual(results, [libzmq, libzmq]);
  });
}
