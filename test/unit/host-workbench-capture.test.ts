// The "workbench" capture source: the workbench's own sockets watched through the engine's wire tap
// (no pcap), decoded by the same inspector and store as packet captures, with a libzmq peer.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host, type HostEvent } from '../../core/host/index.js';
import { addWireTap, setWireTap } from '../../core/internal.js';
import type { CaptureSummary, RecordRow } from '../../core/host/protocol.js';

let host: Host;
let dir: string;
before(() => {
  host = new Host();
  dir = mkdtempSync(join(tmpdir(), 'host-wbcap-'));
});
after(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function allRows(id: string): Promise<RecordRow[]> {
  return (await host.request('capture.query', { id, filter: { kind: 'all' }, offset: 0, limit: 10000 })).items;
}

test('the wire tap fans out to several listeners; a throwing one does not starve the others', async () => {
  const a: number[] = [];
  const b: number[] = [];
  const offA = addWireTap((c) => a.push(c.data.length));
  setWireTap((c) => b.push(c.data.length));
  const throwing = addWireTap(() => {
    throw new Error('faulty listener');
  });
  const rep = new zmq.Reply();
  const s = await host.request('socket.create', { type: 'REQ', name: 'fan' });
  try {
    await rep.bind('tcp://127.0.0.1:*');
    await host.request('socket.connect', { id: s.id, endpoint: rep.lastEndpoint! });
    await host.request('socket.send', { id: s.id, frames: [{ kind: 'text', data: 'ping' }] });
    const [req] = await rep.receive();
    assert.equal(req.toString(), 'ping');
    await until('both listeners saw the traffic', async () => (a.length > 0 && b.length > 0 ? true : undefined));
    assert.deepEqual(a, b, 'every listener gets every chunk, despite a throwing one');
  } finally {
    offA();
    throwing();
    setWireTap(undefined);
    await host.request('socket.close', { id: s.id });
    rep.close();
  }
  assert.throws(() => addWireTap('x' as never), /addWireTap expects a function/);
});

test('watch workbench sockets: a libzmq REQ talking to a workbench REP, decoded without pcap', async () => {
  const rep = await host.request('socket.create', { type: 'REP', name: 'wb-rep' });
  const bound = await host.request('socket.bind', { id: rep.id, endpoint: 'tcp://127.0.0.1:*' });
  const endpoint = bound.endpoints[0].endpoint;
  const port = Number(/:(\d+)$/.exec(endpoint)![1]);
  const cap = await host.request('capture.watchWorkbench', {});
  assert.equal(cap.source, 'workbench');
  assert.equal(cap.state, 'capturing');
  assert.equal(cap.canSave, false);
  const req = new zmq.Request({ routingId: 'libzmq-req' });
  try {
    req.connect(endpoint);
    await req.send([Buffer.from('alpha'), Buffer.from([0, 1, 2, 0xff]), Buffer.from('')]);
    // The REP logs the request; answer it through the host.
    await until('the request in the REP log', async () =>
      (await host.request('socket.messages', { id: rep.id })).total === 1 ? true : undefined,
    );
    await host.request('socket.send', { id: rep.id, frames: [{ kind: 'text', data: 'reply-1' }] });
    const reply = await req.receive();
    assert.deepEqual(
      reply.map((f) => f.toString()),
      ['reply-1'],
    );

    const rows = await until('greetings, READYs and both messages', async () => {
      const r = await allRows(cap.id);
      return r.filter((x) => x.type === 'message').length >= 2 && r.filter((x) => x.type === 'command').length >= 2 ? r : undefined;
    });
    // One connection: libzmq's end is the client (it connected), the workbench's bound end the server.
    const conns = await host.request('capture.connections', { id: cap.id });
    assert.equal(conns.length, 1);
    assert.equal(conns[0].server, `127.0.0.1:${port}`);
    assert.match(conns[0].client, /^127\.0\.0\.1:\d+$/);
    assert.equal(conns[0].clientType, 'REQ');
    assert.equal(conns[0].serverType, 'REP');
    assert.equal(conns[0].clientIdentity, 'libzmq-req');
    assert.equal(conns[0].version, '3.1');
    assert.equal(conns[0].mechanism, 'NULL');
    assert.equal(rows.filter((r) => r.type === 'greeting').length, 2);

    const messages = rows.filter((r) => r.type === 'message');
    assert.equal(messages[0].dir, 'c2s');
    assert.equal(messages[1].dir, 's2c');
    const request = await host.request('capture.record', { id: cap.id, index: messages[0].index });
    assert.equal(request.record.type, 'message');
    if (request.record.type !== 'message') return;
    // REQ puts an empty delimiter in front; the three frames follow exactly.
    assert.deepEqual(request.record.frames, ['', Buffer.from('alpha').toString('hex'), '000102ff', '']);
    const response = await host.request('capture.record', { id: cap.id, index: messages[1].index });
    assert.ok(response.record.type === 'message');
    if (response.record.type !== 'message') return;
    assert.deepEqual(response.record.frames, ['', Buffer.from('reply-1').toString('hex')]);
    assert.ok(response.record.replyTo, 'the reply is paired with its request');
    assert.match(messages[1].summary, /↩ [\d.]+ ms/);

    // Export works on a workbench capture like on any other.
    const out = join(dir, 'wb.jsonl');
    const exported = await host.request('capture.export', { id: cap.id, format: 'jsonl', path: out, filter: { kind: 'message' } });
    assert.equal(exported.rows, 2);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 2);
    const rate = await host.request('capture.rate', { id: cap.id, buckets: 10, filter: {} });
    assert.equal(
      rate.c2s.reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(
      rate.s2c.reduce((a, b) => a + b, 0),
      1,
    );

    // Stopped: traffic after this is not recorded.
    const stopped = new Promise<CaptureSummary>((resolve) => {
      const off = host.onEvent((e: HostEvent) => {
        if (e.type === 'capture.changed' && e.capture.id === cap.id && e.capture.state === 'stopped') {
          off();
          resolve(e.capture);
        }
      });
    });
    await host.request('capture.stop', { id: cap.id });
    assert.equal((await stopped).state, 'stopped');
    const before = (await allRows(cap.id)).length;
    await req.send('after-stop');
    await until('the late request in the REP log', async () =>
      (await host.request('socket.messages', { id: rep.id })).total === 2 ? true : undefined,
    );
    assert.equal((await allRows(cap.id)).filter((r) => r.type === 'message').length, 2);
    assert.ok((await allRows(cap.id)).length >= before);
    await assert.rejects(host.request('capture.save', { id: cap.id, path: join(dir, 'x.pcapng') }), /no packet file/);
  } finally {
    req.close();
    await host.request('socket.close', { id: rep.id });
    await host.request('capture.close', { id: cap.id });
  }
});

test('watch workbench sockets: both ends in the workbench show each message once', async () => {
  const cap = await host.request('capture.watchWorkbench', {});
  const pull = await host.request('socket.create', { type: 'PULL', name: 'wb-pull' });
  const push = await host.request('socket.create', { type: 'PUSH', name: 'wb-push' });
  try {
    const ep = (await host.request('socket.bind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
    await host.request('socket.connect', { id: push.id, endpoint: ep });
    await host.request('socket.send', {
      id: push.id,
      frames: [
        { kind: 'text', data: 'one' },
        { kind: 'hex', data: 'cafe' },
      ],
    });
    await until('the message in the PULL log', async () =>
      (await host.request('socket.messages', { id: pull.id })).total === 1 ? true : undefined,
    );
    const rows = await until('the message in the capture', async () => {
      const r = await allRows(cap.id);
      return r.some((x) => x.type === 'message') && r.filter((x) => x.type === 'command').length >= 2 ? r : undefined;
    });
    const conns = await host.request('capture.connections', { id: cap.id });
    assert.equal(conns.length, 1, 'the two ends of one tcp connection are one connection');
    assert.equal(conns[0].server, ep.replace('tcp://', ''));
    assert.equal(conns[0].clientType, 'PUSH');
    assert.equal(conns[0].serverType, 'PULL');
    const msgs = rows.filter((r) => r.type === 'message');
    assert.equal(msgs.length, 1);
    const rec = await host.request('capture.record', { id: cap.id, index: msgs[0].index });
    assert.ok(rec.record.type === 'message');
    if (rec.record.type === 'message') assert.deepEqual(rec.record.frames, [Buffer.from('one').toString('hex'), 'cafe']);
  } finally {
    await host.request('socket.close', { id: push.id });
    await host.request('socket.close', { id: pull.id });
    await host.request('capture.close', { id: cap.id });
  }
});

test('watch workbench sockets: ipc ends are shown as their endpoint', async () => {
  const path = join(dir, 'wb.ipc');
  const cap = await host.request('capture.watchWorkbench', {});
  const pair = await host.request('socket.create', { type: 'PAIR', name: 'wb-pair' });
  const peer = new zmq.Pair();
  try {
    await host.request('socket.bind', { id: pair.id, endpoint: `ipc://${path}` });
    peer.connect(`ipc://${path}`);
    await peer.send('over-ipc');
    await until('the message in the PAIR log', async () =>
      (await host.request('socket.messages', { id: pair.id })).total === 1 ? true : undefined,
    );
    const conns = await until('the ipc connection', async () => {
      const c = await host.request('capture.connections', { id: cap.id });
      return c.length === 1 && c[0].messages === 1 ? c : undefined;
    });
    assert.equal(conns[0].server, `ipc://${path}`);
    assert.equal(conns[0].clientType, 'PAIR');
  } finally {
    peer.close();
    await host.request('socket.close', { id: pair.id });
    await host.request('capture.close', { id: cap.id });
  }
});

test('watch workbench sockets: a ws:// connection is decoded too', async () => {
  const cap = await host.request('capture.watchWorkbench', {});
  const a = await host.request('socket.create', { type: 'PAIR', name: 'ws-a' });
  const b = await host.request('socket.create', { type: 'PAIR', name: 'ws-b' });
  try {
    const ep = (await host.request('socket.bind', { id: a.id, endpoint: 'ws://127.0.0.1:*/zmq' })).endpoints[0].endpoint;
    assert.match(ep, /^ws:\/\/127\.0\.0\.1:\d+\/zmq$/);
    await host.request('socket.connect', { id: b.id, endpoint: ep });
    await host.request('socket.send', { id: b.id, frames: [{ kind: 'text', data: 'over-ws' }] });
    await until('the message in the PAIR log', async () =>
      (await host.request('socket.messages', { id: a.id })).total === 1 ? true : undefined,
    );
    const hit = await until('the ws message in the capture', async () => {
      const p = await host.request('capture.query', { id: cap.id, filter: { kind: 'message', search: 'over-ws' }, offset: 0, limit: 10 });
      return p.total >= 1 ? p.items[0] : undefined;
    });
    const rec = await host.request('capture.record', { id: cap.id, index: hit.index });
    assert.ok(rec.record.type === 'message');
    if (rec.record.type === 'message') assert.deepEqual(rec.record.frames, [Buffer.from('over-ws').toString('hex')]);
    for (const c of await host.request('capture.connections', { id: cap.id })) {
      assert.doesNotMatch(`${c.client} ${c.server}`, /:0\b|\[/, 'ends are shown as endpoints');
    }
  } finally {
    await host.request('socket.close', { id: a.id });
    await host.request('socket.close', { id: b.id });
    await host.request('capture.close', { id: cap.id });
  }
});

test('watch workbench sockets: a connection is marked closed when the libzmq peer disconnects', async () => {
  const cap = await host.request('capture.watchWorkbench', {});
  const pair = await host.request('socket.create', { type: 'PAIR', name: 'wb-close' });
  const peer = new zmq.Pair({ linger: 0 });
  try {
    const ep = (await host.request('socket.bind', { id: pair.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
    peer.connect(ep);
    await peer.send('before-close');
    const open = await until('the open connection with its message', async () => {
      const c = await host.request('capture.connections', { id: cap.id });
      return c.length === 1 && c[0].messages === 1 ? c[0] : undefined;
    });
    assert.equal(open.state, 'open');
    peer.close();
    const closed = await until('the connection marked closed', async () => {
      const c = await host.request('capture.connections', { id: cap.id });
      return c.length === 1 && c[0].state === 'closed' ? c[0] : undefined;
    });
    assert.equal(closed.conn, open.conn);
    assert.equal(closed.messages, 1);
    const list = await host.request('capture.list', {});
    assert.equal(list.find((c) => c.id === cap.id)?.state, 'capturing', 'the capture goes on');
  } finally {
    if (!peer.closed) peer.close();
    await host.request('socket.close', { id: pair.id });
    await host.request('capture.close', { id: cap.id });
  }
});
