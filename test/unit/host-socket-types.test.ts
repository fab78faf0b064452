// Every socket type through the host API (our engine), paired with its natural peer made the same way,
// plus a raw TCP client for STREAM: the workbench can drive all of them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { Host, type HostEvent, type LoggedMessage, type SocketType } from '../../core/host/index.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE } from '../../core/engine/socket-type-table.js';

let host: Host;
before(() => {
  host = new Host();
});
after(async () => {
  await host.close();
});

function received(id: string): Promise<LoggedMessage> {
  return new Promise((resolve) => {
    const off = host.onEvent((e: HostEvent) => {
      if (e.type === 'socket.messages' && e.id === id) {
        const m = e.messages.find((x) => x.dir === 'in');
        if (m) {
          off();
          resolve(m);
        }
      }
    });
  });
}
const text = (m: LoggedMessage) => m.frames.map((h) => Buffer.from(h, 'hex').toString('latin1'));

async function pair(a: SocketType, b: SocketType, options: { a?: Record<string, unknown>; b?: Record<string, unknown> } = {}) {
  const sa = await host.request('socket.create', { type: a, options: options.a ?? {} });
  const sb = await host.request('socket.create', { type: b, options: options.b ?? {} });
  const ep = (await host.request('socket.bind', { id: sa.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  await host.request('socket.connect', { id: sb.id, endpoint: ep });
  return { a: sa.id, b: sb.id, ep };
}
const close = async (...ids: string[]) => {
  for (const id of ids) await host.request('socket.close', { id });
};

test('PAIR both ways', async () => {
  const { a, b } = await pair('PAIR', 'PAIR');
  const atA = received(a);
  await host.request('socket.send', { id: b, frames: [{ kind: 'text', data: 'to a' }] });
  assert.deepEqual(text(await atA), ['to a']);
  const atB = received(b);
  await host.request('socket.send', {
    id: a,
    frames: [
      { kind: 'text', data: 'to b' },
      { kind: 'hex', data: '00ff' },
    ],
  });
  assert.deepEqual((await atB).frames, ['746f2062', '00ff']);
  await close(a, b);
});

test('PUSH to PULL; PULL cannot send', async () => {
  const { a: pull, b: push } = await pair('PULL', 'PUSH');
  const got = received(pull);
  await host.request('socket.send', { id: push, frames: [{ kind: 'text', data: 'work' }] });
  assert.deepEqual(text(await got), ['work']);
  await assert.rejects(
    host.request('socket.send', { id: pull, frames: [{ kind: 'text', data: 'x' }] }),
    /cannot send|ENOTSUP|not supported/i,
  );
  await close(pull, push);
});

test('XPUB sees an XSUB subscription message and publishes to it', async () => {
  const { a: xpub, b: xsub } = await pair('XPUB', 'XSUB');
  const sub = received(xpub);
  await host.request('socket.send', { id: xsub, frames: [{ kind: 'hex', data: '01' + Buffer.from('news').toString('hex') }] });
  assert.deepEqual((await sub).frames, ['016e657773']);
  const got = received(xsub);
  await host.request('socket.send', {
    id: xpub,
    frames: [
      { kind: 'text', data: 'news' },
      { kind: 'text', data: 'today' },
    ],
  });
  assert.deepEqual(text(await got), ['news', 'today']);
  await close(xpub, xsub);
});

test('DEALER to REP through the envelope, and REQ to ROUTER', async () => {
  const { a: rep, b: dealer } = await pair('REP', 'DEALER');
  const req = received(rep);
  // A DEALER talking to REP sends the empty delimiter itself.
  await host.request('socket.send', {
    id: dealer,
    frames: [
      { kind: 'text', data: '' },
      { kind: 'text', data: 'q' },
    ],
  });
  assert.deepEqual(text(await req), ['q']);
  const answer = received(dealer);
  await host.request('socket.send', { id: rep, frames: [{ kind: 'text', data: 'a' }] });
  assert.deepEqual(text(await answer), ['', 'a']);
  await close(rep, dealer);

  const { a: router, b: reqId } = await pair('ROUTER', 'REQ', { b: { routingId: 'me' } });
  const atRouter = received(router);
  await host.request('socket.send', { id: reqId, frames: [{ kind: 'text', data: 'hello' }] });
  assert.deepEqual(text(await atRouter), ['me', '', 'hello']);
  const atReq = received(reqId);
  await host.request('socket.send', {
    id: router,
    frames: [
      { kind: 'text', data: 'me' },
      { kind: 'text', data: '' },
      { kind: 'text', data: 'world' },
    ],
  });
  assert.deepEqual(text(await atReq), ['world']);
  await close(router, reqId);
});

test('STREAM talks to a raw TCP client', async () => {
  const s = await host.request('socket.create', { type: 'STREAM' });
  const ep = (await host.request('socket.bind', { id: s.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const port = Number(/:(\d+)$/.exec(ep)![1]);
  const client = connect(port, '127.0.0.1');
  try {
    // STREAM reports a connection as an empty message from the new peer, then its bytes.
    const messages: LoggedMessage[] = [];
    const gotData = new Promise<void>((resolve) => {
      const off = host.onEvent((e) => {
        if (e.type === 'socket.messages' && e.id === s.id) {
          messages.push(...e.messages.filter((m) => m.dir === 'in'));
          if (messages.some((m) => m.frames[1] === Buffer.from('raw bytes').toString('hex'))) {
            off();
            resolve();
          }
        }
      });
    });
    client.write('raw bytes');
    await gotData;
    const peerId = messages.find((m) => m.frames[1] !== '')!.frames[0];
    const reply = new Promise<string>((resolve) => client.once('data', (d) => resolve(d.toString())));
    await host.request('socket.send', {
      id: s.id,
      frames: [
        { kind: 'hex', data: peerId },
        { kind: 'text', data: 'raw reply' },
      ],
    });
    assert.equal(await reply, 'raw reply');
  } finally {
    client.destroy();
    await close(s.id);
  }
});

test('inproc endpoints between workbench sockets', async () => {
  const a = await host.request('socket.create', { type: 'PAIR' });
  const b = await host.request('socket.create', { type: 'PAIR' });
  await host.request('socket.bind', { id: a.id, endpoint: 'inproc://workbench-test' });
  await host.request('socket.connect', { id: b.id, endpoint: 'inproc://workbench-test' });
  const got = received(a.id);
  await host.request('socket.send', { id: b.id, frames: [{ kind: 'json', data: '[1, 2]' }] });
  assert.deepEqual(text(await got), ['[1,2]']);
  await close(a.id, b.id);
});

test('every type in the socket-type table is made through the host API, bound, and marked draft exactly where the table says', async () => {
  for (const type of SOCKET_TYPE_NAMES) {
    const s = await host.request('socket.create', { type, options: {} });
    assert.equal(s.type, type);
    assert.equal(s.draft ?? false, SOCKET_TYPE_TABLE[type].draft, `${type}: draft`);
    const listed = (await host.request('socket.list', {})).find((x) => x.id === s.id)!;
    assert.equal(listed.draft ?? false, SOCKET_TYPE_TABLE[type].draft, `${type}: draft in socket.list`);
    // DGRAM speaks UDP only.
    const endpoint = type === 'DGRAM' ? 'udp://127.0.0.1:*' : 'tcp://127.0.0.1:*';
    const bound = await host.request('socket.bind', { id: s.id, endpoint });
    assert.match(bound.endpoints[0].endpoint, /^(tcp|udp):\/\/127\.0\.0\.1:\d+$/, `${type}: bound`);
    await close(s.id);
  }
});

test("the socket-type table's numbers are libzmq's, by pyzmq's names (libzmq 4.3.4)", () => {
  // One process for all names. (Draft-ness cannot be read off this libzmq: it makes SERVER and the other
  // draft types although zmq.has("draft") is false; the draft API only hides their constants from zmq.h.)
  const run = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `
import json, sys, zmq
print(json.dumps({name: getattr(zmq.SocketType.__members__.get(name), "value", None) for name in json.loads(sys.argv[1])}))
`,
      JSON.stringify(SOCKET_TYPE_NAMES),
    ],
    { encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const numbers = JSON.parse(run.stdout) as Record<string, number | null>;
  for (const type of SOCKET_TYPE_NAMES) assert.equal(numbers[type], SOCKET_TYPE_TABLE[type].number, `${type}: libzmq's number`);
});
