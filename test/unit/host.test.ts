// The host API over our engine and the inspector: request validation, workbench sockets talking to real
// peers (pyzmq), CURVE through the API, and capture queries on a real tcpdump capture.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Host, endpointProblem, type HostEvent } from '../../core/host/index.js';
import { captureWithTcpdump, freePort, pushPullBurst } from '../e2e/traffic.js';
import * as zmq from 'zeromq';
import { rejects } from '../helpers/host-errors.js';

let host: Host;
let dir: string;
before(() => {
  host = new Host();
  dir = mkdtempSync(join(tmpdir(), 'host-test-'));
});
after(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function nextEvent(pred: (e: HostEvent) => boolean): Promise<HostEvent> {
  return new Promise((resolve) => {
    const off = host.onEvent((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

test('requests are validated with specific errors', async () => {
  await rejects(host.request('nope' as never, {} as never), 'ENOMETHOD', /unknown method 'nope'/);
  await rejects(host.request('socket.create', { type: 'FOO' as never }), 'EINVAL', /type/);
  // An option the type does not have (ROUTER's mandatory on a PUB) is named (routingId is common since the option table).
  await rejects(host.request('socket.create', { type: 'PUB', options: { mandatory: true } }), 'EINVAL', /unknown option 'mandatory'/);
  await rejects(host.request('socket.create', { type: 'REQ', options: { linger: -2 } }), 'EINVAL', /linger/);
  await rejects(host.request('socket.create', { type: 'REQ', options: { curveServerKey: 'short' } }), 'EINVAL', /40-character Z85/);
  await rejects(host.request('socket.bind', { id: 's999', endpoint: 'tcp://127.0.0.1:*' }), 'ENOTFOUND', /no socket with id 's999'/);
  const s = await host.request('socket.create', { type: 'DEALER', name: 'v' });
  await rejects(
    host.request('socket.connect', { id: s.id, endpoint: 'tcp://127.0.0.1:*' }),
    'EINVAL',
    /wildcard port can only be bound, not connected to/,
  );
  await rejects(host.request('socket.send', { id: s.id, frames: [] }), 'EINVAL', /at least one frame/);
  await rejects(host.request('socket.send', { id: s.id, frames: [{ kind: 'hex', data: 'abc' }] }), 'EINVAL', /odd number of hex digits/);
  await rejects(
    host.request('socket.send', {
      id: s.id,
      frames: [
        { kind: 'text', data: 'a' },
        { kind: 'json', data: '{bad' },
      ],
    }),
    'EINVAL',
    /frame 2 \(JSON\)/,
  );
  await rejects(host.request('socket.send', { id: s.id, frames: [{ kind: 'base64', data: '@@@' }] }), 'EINVAL', /not valid base64/);
  await rejects(host.request('socket.unbind', { id: s.id, endpoint: 'tcp://127.0.0.1:1' }), 'ENOENT', /no bound endpoint/);
  await rejects(host.request('socket.subscribe', { id: s.id, topic: { kind: 'text', data: 'x' } }), 'ENOTSUP', /only SUB/);
  // With no peer, a DEALER send reports EAGAIN after the default send timeout instead of hanging.
  await rejects(host.request('socket.send', { id: s.id, frames: [{ kind: 'text', data: 'x' }] }), 'EAGAIN', /send failed/);
  await host.request('socket.close', { id: s.id });
  await rejects(host.request('capture.record', { id: 'c404', index: 0 }), 'ENOTFOUND', /no capture/);
  await rejects(host.request('capture.openFile', { path: join(dir, 'missing.pcap') }), 'ENOENT', /cannot open/);
  await rejects(host.request('capture.startLive', { interface: 'lo; rm -rf /' }), 'EINVAL', /not an interface name/);
});

test('endpoint syntax', () => {
  assert.equal(endpointProblem('tcp://127.0.0.1:*', true), null);
  assert.equal(endpointProblem('tcp://[::1]:5555', false), null);
  assert.equal(endpointProblem('ipc:///tmp/x', true), null);
  assert.equal(endpointProblem('inproc://a', false), null);
  assert.match(endpointProblem('bogus://x:1', true)!, /unsupported transport 'bogus'/);
  assert.match(endpointProblem('pgm://x:1', true)!, /expected IFACE;GROUP:PORT/);
  assert.match(endpointProblem('tcp://x:70000', true)!, /port '70000' is not a number from 1 to 65535/);
  assert.match(endpointProblem('localhost:5555', true)!, /expected transport:\/\/address/);
  assert.match(endpointProblem('tcp://*:5555', false)!, /cannot connect to '\*'/);
});

test('a workbench REP answers a pyzmq REQ, with monitor events and peers', async () => {
  const rep = await host.request('socket.create', { type: 'REP', name: 'py-rep' });
  const bound = await host.request('socket.bind', { id: rep.id, endpoint: 'tcp://127.0.0.1:*' });
  const endpoint = bound.endpoints[0].endpoint;
  assert.match(endpoint, /:\d+$/);
  const got = nextEvent((e) => e.type === 'socket.messages' && e.id === rep.id);
  const py = spawn(
    '/usr/bin/python3',
    [
      '-c',
      `
import zmq, sys
s = zmq.Context().socket(zmq.REQ)
s.linger = 0
s.connect(sys.argv[1])
s.send_multipart([b'from', b'\\x00\\x01python'])
print(repr(s.recv_multipart()), flush=True)
`,
      endpoint,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  py.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((r) => py.once('exit', r));
  try {
    const ev = await got;
    assert.ok(ev.type === 'socket.messages');
    assert.deepEqual(ev.messages[0].frames, ['66726f6d', '0001707974686f6e']);
    // The peer's READY metadata, as the engine learned it in the handshake.
    const [info] = (await host.request('socket.list')).filter((x) => x.id === rep.id);
    assert.equal(info.peers.length, 1);
    assert.equal(info.peers[0].state, 'ready');
    assert.equal(info.peers[0].metadata?.['Socket-Type'], 'REQ');
    await host.request('socket.send', { id: rep.id, frames: [{ kind: 'json', data: '{"ok": true}' }] });
    await exited;
    assert.equal(out.trim(), `[b'{"ok":true}']`);
    const events = await host.request('socket.events', { id: rep.id });
    assert.ok(events.items.some((e) => e.type === 'accept'));
    assert.ok(events.items.some((e) => e.type === 'handshake'));
    const log = await host.request('socket.messages', { id: rep.id });
    assert.deepEqual(
      log.items.map((m) => m.dir),
      ['in', 'out'],
    );
  } finally {
    if (py.exitCode === null) py.kill();
    await host.request('socket.close', { id: rep.id });
  }
});

test('CURVE sockets made through the API talk with keys from curve.keyPair', async () => {
  const server = await host.request('curve.keyPair');
  const client = await host.request('curve.keyPair');
  assert.match(server.publicKey, /^.{40}$/);
  assert.notEqual(server.publicKey, client.publicKey);
  const pull = await host.request('socket.create', {
    type: 'PULL',
    options: { curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey },
  });
  const ep = (await host.request('socket.bind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  // A libzmq PUSH as the CURVE client proves the handshake is real CURVE.
  const push = new zmq.Push({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
    linger: 0,
  });
  try {
    const got = nextEvent((e) => e.type === 'socket.messages' && e.id === pull.id);
    push.connect(ep);
    await push.send(['secret', 'stuff']);
    const ev = await got;
    assert.ok(ev.type === 'socket.messages');
    assert.deepEqual(
      ev.messages[0].frames.map((h) => Buffer.from(h, 'hex').toString()),
      ['secret', 'stuff'],
    );
  } finally {
    push.close();
    await host.request('socket.close', { id: pull.id });
  }
});

test('a ws:// capture through the host: upgrade records by kind, connection with socket types and messages', async () => {
  const file = join(dir, 'ws.pcap');
  const port = await freePort();
  await captureWithTcpdump(file, port, async () => {
    const rep = new zmq.Reply({ linger: 0 });
    const req = new zmq.Request({ linger: 0 });
    try {
      await rep.bind(`ws://127.0.0.1:${port}`);
      req.connect(`ws://127.0.0.1:${port}`);
      for (let i = 0; i < 3; i++) {
        await req.send(`over ws ${i}`);
        await rep.receive();
        await rep.send('ok');
        await req.receive();
      }
    } finally {
      req.close();
      rep.close();
    }
  });
  const opened = await host.request('capture.openFile', { path: file });
  for (let i = 0; i < 500 && (await host.request('capture.list')).find((c) => c.id === opened.id)?.state !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 20));
  const upgrades = await host.request('capture.query', { id: opened.id, filter: { kind: 'upgrade' } });
  assert.equal(upgrades.total, 2);
  assert.match(upgrades.items.find((r) => r.dir === 'c2s')!.summary, /^WebSocket upgrade GET \S* offering ZWS2\.0\/NULL/);
  assert.match(upgrades.items.find((r) => r.dir === 's2c')!.summary, /answered 101, ZWS2\.0\/NULL \(mechanism NULL, no ZMTP greeting\)/);
  const [conn] = await host.request('capture.connections', { id: opened.id });
  assert.equal(conn.clientType, 'REQ');
  assert.equal(conn.serverType, 'REP');
  assert.equal(conn.messages, 6);
  const errors = await host.request('capture.query', { id: opened.id, filter: { kind: 'error' } });
  assert.equal(errors.total, 0);
});

test('capture queries: filters, search, record, rate and export on a real capture', async () => {
  const file = join(dir, 'traffic.pcap');
  const port = await freePort();
  await captureWithTcpdump(file, port, async () => {
    const router = new zmq.Router({ linger: 0 });
    const dealer = new zmq.Dealer({ routingId: 'dlr', linger: 0 });
    try {
      await router.bind(`tcp://127.0.0.1:${port}`);
      dealer.connect(`tcp://127.0.0.1:${port}`);
      for (let i = 0; i < 5; i++) {
        await dealer.send(['ping', String(i)]);
        const [id, ...rest] = await router.receive();
        await router.send([id, 'pong', ...rest]);
        await dealer.receive();
      }
    } finally {
      dealer.close();
      router.close();
    }
  });
  const opened = await host.request('capture.openFile', { path: file });
  await new Promise<void>((resolve) => {
    const check = async () => {
      const list = await host.request('capture.list');
      if (list.find((c) => c.id === opened.id)?.state === 'ready') resolve();
      else setTimeout(check, 20);
    };
    void check();
  });
  const [conn] = await host.request('capture.connections', { id: opened.id });
  assert.equal(conn.clientType, 'DEALER');
  assert.equal(conn.serverType, 'ROUTER');
  assert.equal(conn.clientIdentity, 'dlr', "the DEALER's routing id from its READY Identity");
  assert.equal(conn.messages, 10);

  const msgs = await host.request('capture.query', { id: opened.id, filter: { kind: 'message' } });
  assert.equal(msgs.total, 10);
  const c2s = await host.request('capture.query', { id: opened.id, filter: { kind: 'message', dir: 'c2s' } });
  assert.equal(c2s.total, 5);
  assert.ok(c2s.items.every((r) => r.socketType === 'DEALER' && r.summary.includes('"ping"')));
  const fromRouter = await host.request('capture.query', { id: opened.id, filter: { kind: 'message', socketType: 'router' } });
  assert.equal(fromRouter.total, 5);
  assert.ok(fromRouter.items.every((r) => r.dir === 's2c'));
  const byConn = await host.request('capture.query', { id: opened.id, filter: { conn: conn.conn + 1 } });
  assert.equal(byConn.total, 0);
  const hex = await host.request('capture.query', { id: opened.id, filter: { search: '706f 6e67', searchHex: true } });
  assert.equal(hex.total, 5, 'hex search finds the five pongs');
  const commands = await host.request('capture.query', { id: opened.id, filter: { kind: 'command' } });
  assert.ok(commands.items.some((r) => r.summary.startsWith('READY')));
  const paged = await host.request('capture.query', { id: opened.id, filter: {}, offset: 2, limit: 3 });
  assert.equal(paged.items.length, 3);
  assert.equal(paged.items[0].index, 2);

  const full = await host.request('capture.record', { id: opened.id, index: c2s.items[0].index });
  assert.equal(full.record.type, 'message');
  await rejects(host.request('capture.record', { id: opened.id, index: 100000 }), 'ERANGE', /has no record 100000/);

  const rate = await host.request('capture.rate', { id: opened.id, buckets: 10, filter: {} });
  assert.equal(
    rate.c2s.reduce((a, b) => a + b, 0),
    5,
  );
  assert.equal(
    rate.s2c.reduce((a, b) => a + b, 0),
    5,
  );

  const csv = join(dir, 'out.csv');
  const exported = await host.request('capture.export', {
    id: opened.id,
    format: 'csv',
    path: csv,
    filter: { kind: 'message', dir: 's2c' },
  });
  assert.equal(exported.rows, 5);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'index,time_utc,ts,since_start,delta,conn,dir,src,dst,type,socket_type,summary,frames_hex');
  assert.equal(lines.length, 6);
  assert.ok(lines.slice(1).every((l) => l.includes(',s2c,') && l.includes('ROUTER') && l.includes(Buffer.from('pong').toString('hex'))));
  // Readable UTC times to the microsecond beside the epoch seconds; deltas between the exported rows.
  const cells = lines.slice(1).map((l) => l.split(','));
  for (const [, time, ts, sinceStart, delta] of cells) {
    assert.match(time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(
      Math.round((Date.parse(`${time.slice(0, 19).replace(' ', 'T')}Z`) / 1000 + Number(`0.${time.slice(20)}`)) * 1e6),
      Math.round(Number(ts) * 1e6),
    );
    assert.ok(Number(sinceStart) >= 0);
    assert.ok(Number(delta) >= 0);
  }
  assert.equal(cells[0][4], '0.000000');
  assert.equal(Number(cells[1][4]).toFixed(6), (Number(cells[1][2]) - Number(cells[0][2])).toFixed(6));
  const copy = join(dir, 'copy.pcap');
  const saved = await host.request('capture.save', { id: opened.id, path: copy });
  assert.deepEqual(readFileSync(copy), readFileSync(file));
  assert.equal(saved.bytes, readFileSync(file).length);
  await host.request('capture.close', { id: opened.id });
});

test('bind/unbind and connect/disconnect several endpoints; options change; events page', async () => {
  const pull = await host.request('socket.create', { type: 'PULL', name: 'multi' });
  const a = (await host.request('socket.bind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const both = await host.request('socket.bind', { id: pull.id, endpoint: `ipc://${join(dir, 'multi.sock')}` });
  assert.deepEqual(
    both.endpoints.map((e) => e.kind),
    ['bind', 'bind'],
  );
  assert.equal(both.endpoints[1].endpoint, `ipc://${join(dir, 'multi.sock')}`);
  await rejects(host.request('socket.bind', { id: pull.id, endpoint: a }), 'EADDRINUSE', /bind .* failed/);

  const push = await host.request('socket.create', { type: 'PUSH' });
  await host.request('socket.connect', { id: push.id, endpoint: a });
  const got = nextEvent((e) => e.type === 'socket.messages' && e.id === pull.id);
  await host.request('socket.send', { id: push.id, frames: [{ kind: 'text', data: 'one' }] });
  await got;
  const disconnected = await host.request('socket.disconnect', { id: push.id, endpoint: a });
  assert.deepEqual(disconnected.endpoints, []);
  const unbound = await host.request('socket.unbind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' });
  assert.deepEqual(
    unbound.endpoints.map((e) => e.endpoint),
    [`ipc://${join(dir, 'multi.sock')}`],
  );

  const changed = await host.request('socket.setOptions', { id: push.id, options: { sendHighWaterMark: 5, linger: 0 } });
  assert.equal(changed.options.sendHighWaterMark, 5);
  await rejects(host.request('socket.setOptions', { id: push.id, options: { mandatory: true } }), 'EINVAL', /unknown option 'mandatory'/);
  const events = await host.request('socket.events', { id: pull.id, offset: 0, limit: 2 });
  assert.equal(events.items.length, 2);
  assert.ok(events.total >= 2);
  await host.request('socket.close', { id: push.id });
  await host.request('socket.close', { id: pull.id });
  await rejects(host.request('socket.messages', { id: pull.id }), 'ENOTFOUND', /no socket/);
});

test('loading a capture reports progress steps, then ready', async () => {
  const file = join(dir, 'burst.pcap');
  const port = await freePort();
  await captureWithTcpdump(file, port, () => pushPullBurst(port, 200_000));
  const progress: number[] = [];
  let id = '';
  const ready = new Promise<void>((resolve) => {
    const off = host.onEvent((e) => {
      if (e.type !== 'capture.changed' || (id && e.capture.id !== id)) return;
      progress.push(e.capture.progress);
      if (e.capture.state === 'ready') {
        off();
        resolve();
      }
    });
  });
  id = (await host.request('capture.openFile', { path: file })).id;
  await ready;
  const partial = progress.filter((p) => p > 0 && p < 1);
  assert.ok(partial.length >= 3, `several progress steps before the end: ${JSON.stringify(progress)}`);
  assert.deepEqual(
    [...partial].sort((a, b) => a - b),
    partial,
    'progress only grows',
  );
  assert.equal(progress[progress.length - 1], 1);
  await host.request('capture.close', { id });
});
