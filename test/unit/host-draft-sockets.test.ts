// The draft socket types through the host API: SERVER replying by routing id to a libzmq CLIENT
// (zeromq.js's draft build), RADIO/DISH groups over udp:// and tcp://, GATHER/SCATTER, PEER, CHANNEL,
// DGRAM, and the specific errors for bad groups, routing ids and frame counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Host, type HostEvent, type LoggedMessage } from '../../core/host/index.js';
import { rejects } from '../helpers/host-errors.js';

let host: Host;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let draft: any;
before(async () => {
  host = new Host();
  draft = await import('zeromq/draft.js');
});
after(async () => {
  await host.close();
});

function received(id: string, pred: (m: LoggedMessage) => boolean = () => true): Promise<LoggedMessage> {
  return new Promise((resolve) => {
    const off = host.onEvent((e: HostEvent) => {
      if (e.type === 'socket.messages' && e.id === id) {
        const m = e.messages.find((x) => x.dir === 'in' && pred(x));
        if (m) {
          off();
          resolve(m);
        }
      }
    });
  });
}
const text = (m: LoggedMessage) => m.frames.map((h) => Buffer.from(h, 'hex').toString('utf8'));
const close = async (...ids: string[]) => {
  for (const id of ids) await host.request('socket.close', { id });
};

test('SERVER answers a libzmq CLIENT by routing id; an unknown routing id is EHOSTUNREACH in plain words', async () => {
  const server = await host.request('socket.create', { type: 'SERVER', name: 'srv' });
  const ep = (await host.request('socket.bind', { id: server.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const client = new draft.Client({ linger: 0 });
  try {
    client.connect(ep);
    const got = received(server.id);
    await client.send('hello server');
    const m = await got;
    assert.deepEqual(text(m), ['hello server']);
    assert.equal(typeof m.routingId, 'number');
    assert.ok(m.routingId! >= 1);
    const sent = await host.request('socket.send', {
      id: server.id,
      routingId: m.routingId,
      frames: [{ kind: 'text', data: 'hello client' }],
    });
    assert.equal(sent.routingId, m.routingId);
    const [reply] = await client.receive();
    assert.equal(reply.toString(), 'hello client');

    const unknown = m.routingId! + 1000;
    await rejects(
      host.request('socket.send', { id: server.id, routingId: unknown, frames: [{ kind: 'text', data: 'x' }] }),
      'EHOSTUNREACH',
      new RegExp(`send to routing id ${unknown} failed: .*no peer with routing id ${unknown}`),
    );
    await rejects(
      host.request('socket.send', { id: server.id, frames: [{ kind: 'text', data: 'x' }] }),
      'EINVAL',
      /SERVER send needs the routing id/,
    );
    await rejects(
      host.request('socket.send', {
        id: server.id,
        routingId: m.routingId,
        frames: [
          { kind: 'text', data: 'a' },
          { kind: 'text', data: 'b' },
        ],
      }),
      'EINVAL',
      /exactly one frame \(this one has 2\)/,
    );
    await rejects(
      host.request('socket.send', { id: server.id, routingId: 0, frames: [{ kind: 'text', data: 'x' }] }),
      'EINVAL',
      /routing id must be 1 or more/,
    );
    const list = (await host.request('socket.list')).find((s) => s.id === server.id)!;
    assert.match(list.lastError!.message, /EHOSTUNREACH|routing id/);
  } finally {
    client.close();
    await close(server.id);
  }
});

test('RADIO to DISH over udp:// and tcp:// with groups; join and leave; bad groups rejected', async () => {
  for (const transport of ['udp', 'tcp'] as const) {
    const dish = await host.request('socket.create', { type: 'DISH', name: `dish-${transport}`, options: { groups: ['weather'] } });
    const ep = (
      await host.request('socket.bind', { id: dish.id, endpoint: transport === 'udp' ? 'udp://127.0.0.1:*' : 'tcp://127.0.0.1:*' })
    ).endpoints[0].endpoint;
    assert.match(ep, transport === 'udp' ? /^udp:\/\/127\.0\.0\.1:\d+$/ : /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const radio = await host.request('socket.create', { type: 'RADIO', name: `radio-${transport}` });
    await host.request('socket.connect', { id: radio.id, endpoint: ep });
    try {
      const got = received(dish.id, (m) => m.group === 'weather');
      // tcp: the JOIN travels after the handshake; udp has no handshake. Repeat until one arrives.
      let done = false;
      void got.then(() => {
        done = true;
      });
      while (!done) {
        await host.request('socket.send', { id: radio.id, group: 'news', frames: [{ kind: 'text', data: 'not joined' }] });
        await host.request('socket.send', { id: radio.id, group: 'weather', frames: [{ kind: 'text', data: 'rain' }] });
        await new Promise((r) => setTimeout(r, 50));
      }
      const m = await got;
      assert.deepEqual(text(m), ['rain']);
      assert.equal(m.group, 'weather');
      const log = (await host.request('socket.messages', { id: dish.id, limit: 10000 })).items;
      assert.ok(
        log.every((x) => x.group === 'weather'),
        'a DISH gets only its joined groups',
      );

      let info = await host.request('socket.join', { id: dish.id, group: 'news' });
      assert.deepEqual(info.options.groups, ['weather', 'news']);
      info = await host.request('socket.leave', { id: dish.id, group: 'weather' });
      assert.deepEqual(info.options.groups, ['news']);
      await rejects(
        host.request('socket.leave', { id: dish.id, group: 'weather' }),
        'EINVAL',
        /leave "weather" failed: not a member of group "weather"/,
      );
    } finally {
      await close(radio.id, dish.id);
    }
  }
  const radio = await host.request('socket.create', { type: 'RADIO' });
  await rejects(
    host.request('socket.send', { id: radio.id, group: 'g'.repeat(256), frames: [{ kind: 'text', data: 'x' }] }),
    'EINVAL',
    /group is at most 255 bytes \(this one is 256 bytes\)/,
  );
  await rejects(
    host.request('socket.send', { id: radio.id, group: 'é'.repeat(128), frames: [{ kind: 'text', data: 'x' }] }),
    'EINVAL',
    /256 bytes/,
  );
  await rejects(host.request('socket.send', { id: radio.id, frames: [{ kind: 'text', data: 'x' }] }), 'EINVAL', /RADIO send needs a group/);
  await rejects(host.request('socket.join', { id: radio.id, group: 'x' }), 'ENOTSUP', /only DISH sockets join groups/);
  await rejects(host.request('socket.create', { type: 'DISH', options: { groups: ['x'.repeat(300)] } }), 'EINVAL', /at most 255 bytes/);
  await rejects(host.request('socket.create', { type: 'RADIO', options: { groups: ['x'] } }), 'EINVAL', /groups/);
  await close(radio.id);
});

test("GATHER/SCATTER, CHANNEL, PEER (speaks first with connectPeer's routing id) and DGRAM", async () => {
  const gather = await host.request('socket.create', { type: 'GATHER' });
  const scatter = await host.request('socket.create', { type: 'SCATTER' });
  const ep = (await host.request('socket.bind', { id: gather.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  await host.request('socket.connect', { id: scatter.id, endpoint: ep });
  let got = received(gather.id);
  await host.request('socket.send', { id: scatter.id, frames: [{ kind: 'text', data: 'scattered' }] });
  assert.deepEqual(text(await got), ['scattered']);
  await rejects(
    host.request('socket.send', { id: gather.id, frames: [{ kind: 'text', data: 'x' }] }),
    'ENOTSUP',
    /GATHER socket cannot send/,
  );

  const ch1 = await host.request('socket.create', { type: 'CHANNEL' });
  const ch2 = await host.request('socket.create', { type: 'CHANNEL' });
  const chEp = (await host.request('socket.bind', { id: ch1.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  await host.request('socket.connect', { id: ch2.id, endpoint: chEp });
  got = received(ch1.id);
  await host.request('socket.send', { id: ch2.id, frames: [{ kind: 'text', data: 'on channel' }] });
  assert.deepEqual(text(await got), ['on channel']);

  const p1 = await host.request('socket.create', { type: 'PEER' });
  const p2 = await host.request('socket.create', { type: 'PEER' });
  const pEp = (await host.request('socket.bind', { id: p1.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const connected = await host.request('socket.connect', { id: p2.id, endpoint: pEp });
  const rid = connected.endpoints[0].routingId;
  assert.equal(typeof rid, 'number');
  got = received(p1.id);
  await host.request('socket.send', { id: p2.id, routingId: rid, frames: [{ kind: 'text', data: 'peer first' }] });
  const atP1 = await got;
  assert.deepEqual(text(atP1), ['peer first']);
  got = received(p2.id);
  await host.request('socket.send', { id: p1.id, routingId: atP1.routingId, frames: [{ kind: 'text', data: 'peer back' }] });
  const atP2 = await got;
  assert.deepEqual(text(atP2), ['peer back']);
  assert.equal(atP2.routingId, rid);

  const d1 = await host.request('socket.create', { type: 'DGRAM' });
  const d2 = await host.request('socket.create', { type: 'DGRAM' });
  const dEp = (await host.request('socket.bind', { id: d1.id, endpoint: 'udp://127.0.0.1:*' })).endpoints[0].endpoint;
  await host.request('socket.bind', { id: d2.id, endpoint: 'udp://127.0.0.1:*' });
  got = received(d1.id);
  await host.request('socket.send', {
    id: d2.id,
    frames: [
      { kind: 'text', data: dEp.replace('udp://', '') },
      { kind: 'text', data: 'datagram' },
    ],
  });
  const dm = await got;
  assert.equal(text(dm)[1], 'datagram');
  assert.match(text(dm)[0], /^127\.0\.0\.1:\d+/);
  await rejects(
    host.request('socket.send', { id: scatter.id, routingId: 3, frames: [{ kind: 'text', data: 'x' }] }),
    'EINVAL',
    /only SERVER and PEER sockets send to a routing id/,
  );
  await close(gather.id, scatter.id, ch1.id, ch2.id, p1.id, p2.id, d1.id, d2.id);
});
