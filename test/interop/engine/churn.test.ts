// Connection churn: many peers that vanish at every point of the greeting and handshake, while a libzmq
// peer streams messages. Each vanished peer ends with an event; the stream loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { encodeFrame, encodeGreetingV3, encodeMessage, readyCommand } from '../../../core/zmtp/index.js';
import { ours, rawConnect } from './machinery-helpers.js';
import type { SocketEvent } from '../../../core/engine/monitor.js';

test('peers cut off at every byte of the handshake each end once (a disconnect, after at most one handshake failure); a streaming libzmq peer loses nothing', async () => {
  const pull = ours('PULL');
  await pull.bind('tcp://127.0.0.1:*');
  const port = Number(pull.lastEndpoint!.split(':').pop());
  const ended = new Map<string, SocketEvent[]>();
  for (const type of ['disconnect', 'handshake:error:protocol', 'handshake:error:other', 'handshake:error:auth'] as const) {
    pull.events.on(type, (e) => {
      const list = ended.get(e.remoteAddress!) ?? [];
      list.push(e);
      ended.set(e.remoteAddress!, list);
    });
  }
  const good = new zmq.Push();
  good.connect(pull.lastEndpoint!);
  const script = Buffer.concat([
    encodeGreetingV3('NULL', false),
    encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUSH' }), false, true),
    encodeMessage('v3', [Buffer.from('from a raw peer')]),
  ]);
  const total = 400;
  let sent = 0;
  const sending = (async () => {
    for (; sent < total; sent++) await good.send(['good', String(sent)]);
  })();
  const cuts = [0, 1, 9, 10, 11, 12, 40, 63, 64, 65, 70, 80, script.length - 3, script.length];
  const addresses: string[] = [];
  try {
    for (const cut of cuts) {
      const peer = await rawConnect(port);
      addresses.push(`tcp://127.0.0.1:${peer.sock.localPort}`);
      peer.sock.end(script.subarray(0, cut));
      await peer.closed;
    }
    await sending;
    let raw = 0;
    for (let i = 0; i < total + 2;) {
      const msg = (await pull.receive()).map(String);
      if (msg[0] === 'from a raw peer') {
        raw++;
        continue;
      }
      assert.deepEqual(msg, ['good', String(i)]);
      i++;
      if (i === total) break;
    }
    // Wait until every cut peer has its closing event.
    while (addresses.some((a) => !ended.has(a))) await new Promise((r) => setTimeout(r, 10));
    // Each peer ends once: one disconnect, after at most one handshake failure (libzmq's order).
    while (addresses.some((a) => ended.get(a)!.at(-1)!.type !== 'disconnect')) await new Promise((r) => setTimeout(r, 10));
    for (const a of addresses) {
      const types = ended.get(a)!.map((e) => e.type);
      assert.ok(types.length <= 2 && types.indexOf('disconnect') === types.length - 1, `one end for ${a}: ${types.join(' ')}`);
    }
    // Cuts before the READY finished fail the handshake (a close there is EPIPE, as libzmq's read() sees it);
    // the complete script is a normal disconnect.
    assert.deepEqual(
      ended.get(addresses[0])!.map((e) => `${e.type} ${e.error?.code ?? ''}`.trim()),
      ['handshake:error:other EPIPE', 'disconnect'],
    );
    assert.deepEqual(
      ended.get(addresses[addresses.length - 1])!.map((e) => e.type),
      ['disconnect'],
    );
    if (raw === 0) {
      assert.deepEqual((await pull.receive()).map(String), ['from a raw peer']);
      raw++;
    }
    assert.equal(raw, 1, 'the complete raw script delivered its message, the one cut mid-message did not');
    pull.receiveTimeout = 0;
    await assert.rejects(pull.receive(), { code: 'EAGAIN' });
  } finally {
    good.close();
    pull.close();
  }
});
