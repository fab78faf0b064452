// The workbench tells the truth and stays cheap under floods (issue 10): endpoint states from real monitor
// events, what became of each sent message (queued, written to a libzmq peer, dropped, refused), folded
// retries, batched updates with true totals when a libzmq peer floods a socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host, type HostEvent } from '../../core/host/index.js';
import type { SocketInfo } from '../../core/host/protocol.js';
import { freePort } from '../e2e/traffic.js';

let host: Host;
const seen: HostEvent[] = [];
before(() => {
  host = new Host();
  host.onEvent((e) => seen.push(e));
});
after(async () => {
  await host.close();
});

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const info = async (id: string): Promise<SocketInfo> => (await host.request('socket.list')).find((s) => s.id === id)!;

test('a REQ retrying a dead port: one folded row whose count grows, endpoint "retrying" with the reason, batched updates', async () => {
  const port = await freePort();
  const req = await host.request('socket.create', {
    type: 'REQ',
    name: 'retrying',
    options: { reconnectInterval: 10, reconnectMaxInterval: 10 },
  });
  try {
    await host.request('socket.connect', { id: req.id, endpoint: `tcp://127.0.0.1:${port}` });
    const rows = await until('20 retries', async () => {
      const page = await host.request('socket.events', { id: req.id });
      const retry = page.items.find((r) => r.type === 'connect:retry');
      return retry && retry.count >= 20 ? page.items : undefined;
    });
    // One row per (type, endpoint, reason): connect:delay, close (of the refused socket, as libzmq) and
    // connect:retry, however many attempts.
    assert.deepEqual(rows.map((r) => r.type).sort(), ['close', 'connect:delay', 'connect:retry']);
    const retry = rows.find((r) => r.type === 'connect:retry')!;
    assert.match(retry.reason!, /ECONNREFUSED/);
    assert.ok(retry.ts > retry.firstTs);
    const s = await info(req.id);
    assert.ok(s.eventCount >= 40, `true event total ${s.eventCount}`);
    const status = s.endpoints[0].status!;
    assert.equal(status.phase, 'retrying');
    assert.match(status.reason!, /ECONNREFUSED/);
    assert.ok(status.retries >= 20);
    assert.ok(status.nextAttemptAt! > retry.firstTs);
    // The UI was told in batches carrying several events each, not once per event.
    const batches = seen.filter((e): e is Extract<HostEvent, { type: 'socket.events' }> => e.type === 'socket.events' && e.id === req.id);
    assert.ok(batches.length > 0 && batches.length < s.eventCount / 2, `${batches.length} batches for ${s.eventCount} events`);
    // A batch carries the changed folded rows: at most one each of connect:delay, close and connect:retry.
    assert.ok(
      batches.every((b) => b.events.length <= 3),
      `batch sizes ${batches.map((b) => b.events.length).join(',')}`,
    );
  } finally {
    await host.request('socket.close', { id: req.id });
  }
});

test("a connect to a host that does not resolve retries with the resolver's reason and never reads connected", async () => {
  const push = await host.request('socket.create', { type: 'PUSH', options: { reconnectInterval: 20 } });
  try {
    await host.request('socket.connect', { id: push.id, endpoint: 'tcp://nowhere.invalid:5555' });
    const status = await until('a retry', async () => {
      const st = (await info(push.id)).endpoints[0].status!;
      return st.retries >= 2 ? st : undefined;
    });
    assert.equal(status.phase, 'retrying');
    assert.match(status.reason!, /getaddrinfo|ENOTFOUND|EAI_AGAIN/);
    assert.equal(status.ready.length, 0);
  } finally {
    await host.request('socket.close', { id: push.id });
  }
});

test('a PUSH to a dead port logs its message as queued; once a libzmq PULL binds there it becomes written', async () => {
  const port = await freePort();
  const push = await host.request('socket.create', { type: 'PUSH', options: { reconnectInterval: 20 } });
  const pull = new zmq.Pull({ linger: 0 });
  try {
    await host.request('socket.connect', { id: push.id, endpoint: `tcp://127.0.0.1:${port}` });
    const sent = await host.request('socket.send', { id: push.id, frames: [{ kind: 'text', data: 'wait for me' }] });
    assert.deepEqual(sent.state, { kind: 'queued', peers: 0 });
    await pull.bind(`tcp://127.0.0.1:${port}`);
    const [got] = await pull.receive();
    assert.equal(got.toString(), 'wait for me');
    const update = await until('the written state', () => {
      for (const e of seen) {
        if (e.type !== 'socket.messages' || e.id !== push.id) continue;
        const m = e.messages.find((x) => x.seq === sent.seq && x.state?.kind === 'written');
        if (m) return m;
      }
      return undefined;
    });
    assert.deepEqual(update.state, { kind: 'written', to: [`tcp://127.0.0.1:${port}`] });
    const log = await host.request('socket.messages', { id: push.id });
    assert.equal(log.items[0].state?.kind, 'written');
    // With the peer up, the next message is written at once.
    const next = await host.request('socket.send', { id: push.id, frames: [{ kind: 'text', data: 'now' }] });
    assert.deepEqual(next.state, { kind: 'written', to: [`tcp://127.0.0.1:${port}`] });
    assert.equal((await pull.receive())[0].toString(), 'now');
  } finally {
    pull.close();
    await host.request('socket.close', { id: push.id });
  }
});

test('a PUB with no subscriber drops; a DEALER with no peer is refused with EAGAIN and the refusal is logged', async () => {
  const pub = await host.request('socket.create', { type: 'PUB' });
  const dealer = await host.request('socket.create', { type: 'DEALER', options: { sendTimeout: 50 } });
  try {
    await host.request('socket.bind', { id: pub.id, endpoint: 'tcp://127.0.0.1:*' });
    const dropped = await host.request('socket.send', { id: pub.id, frames: [{ kind: 'text', data: 'nobody listens' }] });
    assert.deepEqual(dropped.state, { kind: 'dropped', reason: 'no subscriber connected' });
    await assert.rejects(
      host.request('socket.send', { id: dealer.id, frames: [{ kind: 'text', data: 'x' }] }),
      (err: { code?: string }) => err.code === 'EAGAIN',
    );
    const log = await host.request('socket.messages', { id: dealer.id });
    assert.equal(log.items.length, 1);
    assert.equal(log.items[0].state?.kind, 'refused');
    assert.equal((log.items[0].state as { code?: string }).code, 'EAGAIN');
  } finally {
    await host.request('socket.close', { id: pub.id });
    await host.request('socket.close', { id: dealer.id });
  }
});

test('a libzmq PUSH flooding a workbench PULL: few bounded batches, true totals past the kept log', async () => {
  const pull = await host.request('socket.create', { type: 'PULL' });
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 0 });
  const N = 15000;
  try {
    const ep = (await host.request('socket.bind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
    push.connect(ep);
    for (let i = 0; i < N; i++) await push.send(`m${i}`);
    const last = await until('all messages counted', () => {
      const batches = seen.filter(
        (e): e is Extract<HostEvent, { type: 'socket.messages' }> => e.type === 'socket.messages' && e.id === pull.id,
      );
      return batches.length && batches[batches.length - 1].total === N ? batches : undefined;
    });
    assert.ok(last.length < N / 100, `${last.length} batches for ${N} messages`);
    assert.ok(last.every((b) => b.messages.length <= 200));
    // The newest message is in the last batch, with its true seq.
    const newest = last[last.length - 1].messages.at(-1)!;
    assert.equal(newest.seq, N);
    assert.equal(Buffer.from(newest.frames[0], 'hex').toString(), `m${N - 1}`);
    const s = await info(pull.id);
    assert.equal(s.messageCount, N);
    const page = await host.request('socket.messages', { id: pull.id, offset: 0, limit: 1 });
    assert.ok(page.total < N, `the host log is bounded (${page.total})`);
  } finally {
    push.close();
    await host.request('socket.close', { id: pull.id });
  }
});

test('a REP reply to a libzmq REQ that has gone is logged as dropped, not sent', async () => {
  const rep = await host.request('socket.create', { type: 'REP' });
  const req = new zmq.Request({ linger: 0 });
  try {
    const ep = (await host.request('socket.bind', { id: rep.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
    req.connect(ep);
    await req.send('question');
    await until('the request logged', async () => ((await host.request('socket.messages', { id: rep.id })).total === 1 ? true : undefined));
    req.close();
    await until('the peer gone', async () => ((await info(rep.id)).peers.length === 0 ? true : undefined));
    const reply = await host.request('socket.send', { id: rep.id, frames: [{ kind: 'text', data: 'answer' }] });
    assert.equal(reply.state?.kind, 'dropped');
  } finally {
    await host.request('socket.close', { id: rep.id });
  }
});

test('between two workbench sockets over inproc, a sent message reads written to the inproc peer', async () => {
  const pull = await host.request('socket.create', { type: 'PULL' });
  const push = await host.request('socket.create', { type: 'PUSH' });
  try {
    await host.request('socket.bind', { id: pull.id, endpoint: 'inproc://truth-test' });
    await host.request('socket.connect', { id: push.id, endpoint: 'inproc://truth-test' });
    const sent = await host.request('socket.send', { id: push.id, frames: [{ kind: 'text', data: 'next door' }] });
    assert.deepEqual(sent.state, { kind: 'written', to: ['inproc://truth-test'] });
    await until('the PULL got it', async () => ((await host.request('socket.messages', { id: pull.id })).total === 1 ? true : undefined));
  } finally {
    await host.request('socket.close', { id: push.id });
    await host.request('socket.close', { id: pull.id });
  }
});
