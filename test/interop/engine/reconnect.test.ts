// Reconnection against real libzmq peers: messages queued before the peer exists, a peer that restarts,
// the backoff between attempts, and a subscriber that gets its subscriptions back after a publisher restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { freedPort } from '../../helpers/port.js';
import { nextEvent, ours } from './machinery-helpers.js';
import type { SocketEvent } from '../../../core/engine/monitor.js';

test('connect before the peer binds: messages queue and arrive once libzmq binds', async () => {
  const port = await freedPort();
  const push = ours('PUSH', { reconnectInterval: 20 });
  const retried = nextEvent(push, 'connect:retry');
  push.connect(`tcp://127.0.0.1:${port}`);
  const pull = new zmq.Pull();
  try {
    await push.send(['queued', '1']);
    await push.send(['queued', '2']);
    const retry = await retried;
    assert.equal(retry.address, `tcp://127.0.0.1:${port}`);
    assert.ok(retry.interval! >= 20);
    await pull.bind(`tcp://127.0.0.1:${port}`);
    assert.deepEqual((await pull.receive()).map(String), ['queued', '1']);
    assert.deepEqual((await pull.receive()).map(String), ['queued', '2']);
  } finally {
    push.close();
    pull.close();
  }
});

test('peer restart: our PUSH reconnects to a new libzmq PULL on the same port and keeps queued messages', async () => {
  let pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const endpoint = pull.lastEndpoint!;
  const push = ours('PUSH', { reconnectInterval: 20 });
  try {
    const handshake1 = nextEvent(push, 'handshake');
    push.connect(endpoint);
    await handshake1;
    await push.send('before');
    assert.deepEqual((await pull.receive()).map(String), ['before']);

    const disconnected = nextEvent(push, 'disconnect');
    pull.close();
    const ev = await disconnected;
    assert.equal(ev.address, endpoint);
    // Sent while the peer is gone: kept in the session's pipe.
    await push.send('during');
    const handshake2 = nextEvent(push, 'handshake');
    pull = new zmq.Pull({ linger: 0 });
    await pull.bind(endpoint);
    await handshake2;
    await push.send('after');
    assert.deepEqual((await pull.receive()).map(String), ['during']);
    assert.deepEqual((await pull.receive()).map(String), ['after']);
  } finally {
    push.close();
    pull.close();
  }
});

test('backoff: retries double from reconnectInterval up to reconnectMaxInterval', async () => {
  const port = await freedPort();
  const dealer = ours('DEALER', { reconnectInterval: 10, reconnectMaxInterval: 80 });
  const intervals: number[] = [];
  const enough = new Promise<void>((resolve) => {
    dealer.events.on('connect:retry', (e: SocketEvent) => {
      intervals.push(e.interval!);
      if (intervals.length === 6) resolve();
    });
  });
  try {
    dealer.connect(`tcp://127.0.0.1:${port}`);
    await enough;
    assert.deepEqual(intervals, [10, 20, 40, 80, 80, 80]);
  } finally {
    dealer.close();
  }
});

test('reconnectInterval -1 stops after the first failure', async () => {
  const port = await freedPort();
  const dealer = ours('DEALER', { reconnectInterval: -1 });
  try {
    const closed = nextEvent(dealer, 'close');
    dealer.connect(`tcp://127.0.0.1:${port}`);
    const e = await closed;
    assert.match(e.reason!, /reconnection disabled/);
  } finally {
    dealer.close();
  }
});

test('our SUB re-subscribes after the libzmq PUB restarts', async () => {
  let pub = new zmq.Publisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  const endpoint = pub.lastEndpoint!;
  const sub = ours('SUB', { reconnectInterval: 20 });
  sub.setOption('subscribe', 'keep');
  sub.connect(endpoint);
  // Publish until something arrives: the subscription reaches the publisher asynchronously.
  async function pumpUntilReceived(p: zmq.Publisher, tag: string): Promise<Buffer[]> {
    let done = false;
    const got = sub.receive().finally(() => {
      done = true;
    });
    while (!done) {
      await p.send(['drop', tag]);
      await p.send(['keep', tag]);
      await new Promise((r) => setTimeout(r, 10));
    }
    return got;
  }
  try {
    assert.deepEqual((await pumpUntilReceived(pub, 'first')).map(String), ['keep', 'first']);
    const disconnected = nextEvent(sub, 'disconnect');
    pub.close();
    await disconnected;
    pub = new zmq.Publisher({ linger: 0 });
    await pub.bind(endpoint);
    const msg = await pumpUntilReceived(pub, 'second');
    assert.deepEqual(msg.map(String), ['keep', 'second'], 'the new publisher learned our subscription without us asking again');
  } finally {
    sub.close();
    pub.close();
  }
});

test('immediate: messages go only to connected peers, none are queued for an endpoint that is down', async () => {
  const deadPort = await freedPort();
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  // linger 0: the lazy socket's share for the dead endpoint would otherwise be waited for at close.
  const lazy = ours('PUSH', { reconnectInterval: 20, linger: 0 });
  const eager = ours('PUSH', { reconnectInterval: 20, immediate: true });
  try {
    for (const push of [lazy, eager]) {
      const up = nextEvent(push, 'handshake');
      push.connect(`tcp://127.0.0.1:${deadPort}`);
      push.connect(pull.lastEndpoint!);
      await up;
    }
    // Without immediate the pipe to the dead endpoint exists and takes its round-robin share.
    for (let i = 0; i < 4; i++) await lazy.send(`lazy ${i}`);
    for (let i = 0; i < 4; i++) await eager.send(`eager ${i}`);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push((await pull.receive())[0].toString());
    assert.deepEqual(
      got.filter((m) => m.startsWith('eager')),
      ['eager 0', 'eager 1', 'eager 2', 'eager 3'],
    );
    assert.equal(
      got.filter((m) => m.startsWith('lazy')).length,
      2,
      "half of the lazy socket's messages wait in the pipe to the dead endpoint",
    );
  } finally {
    lazy.close();
    eager.close();
    pull.close();
  }
});

test('immediate SUB: one subscription per connection, so a single unsubscribe stops the flow after a reconnect', async () => {
  let pub = new zmq.XPublisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  const endpoint = pub.lastEndpoint!;
  const sub = ours('SUB', { reconnectInterval: 20, immediate: true });
  sub.setOption('subscribe', 't');
  sub.connect(endpoint);
  try {
    assert.deepEqual(
      (await pub.receive()).map((b) => b.toString('latin1')),
      ['\x01t'],
    );
    const disconnected = nextEvent(sub, 'disconnect');
    pub.close();
    await disconnected;
    pub = new zmq.XPublisher({ linger: 0, verbosity: 'allSubsUnsubs' });
    await pub.bind(endpoint);
    // After the reconnect the publisher hears the subscription once, then the cancel.
    assert.deepEqual(
      (await pub.receive()).map((b) => b.toString('latin1')),
      ['\x01t'],
    );
    sub.setOption('unsubscribe', 't');
    assert.deepEqual(
      (await pub.receive()).map((b) => b.toString('latin1')),
      ['\x00t'],
      'no second subscribe before the cancel',
    );
  } finally {
    sub.close();
    pub.close();
  }
});
