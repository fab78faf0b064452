// Accepted tcp/ipc sockets read through our SlabReader only because adoptAccepted takes over Node's
// internal `_handle` (Node offers `onread` to sockets it constructs, not to accepted ones). If a Node
// upgrade changes that internal, the engine silently falls back to 'data' events and loses its zero-copy
// reads: this test makes that visible, and checks the adopted socket really carries the bytes both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseEndpoint } from '../../../core/engine/endpoint.js';
import { listenStream, type StreamEndpoint } from '../../../core/engine/transports/stream.js';
import { readerOf } from '../../../core/engine/transports/reader.js';
import { defaultOptions } from '../../../core/engine/option-table.js';

async function acceptOne(address: string, dial: (bound: string) => net.Socket): Promise<void> {
  const ep = parseEndpoint(address, true) as StreamEndpoint;
  let accepted!: (s: net.Socket) => void;
  const gotSocket = new Promise<net.Socket>((resolve) => (accepted = resolve));
  const listener = await listenStream(ep, defaultOptions(), (s) => accepted(s));
  const client = dial(listener.endpoint);
  try {
    const server = await gotSocket;
    const reader = readerOf(server);
    assert.ok(reader, `the accepted ${ep.transport} socket reads through a SlabReader (Node's _handle adoption works)`);
    const received: Buffer[] = [];
    let total = 0;
    const all = new Promise<void>((resolve) => {
      reader.attach({
        directTarget: () => undefined,
        onDirect: () => assert.fail('no direct target was offered'),
        onChunk: (c) => {
          received.push(Buffer.from(c));
          total += c.length;
          if (total === 200_000) resolve();
        },
      });
    });
    const payload = Buffer.alloc(200_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    client.write(payload);
    await all;
    assert.ok(Buffer.concat(received).equals(payload), 'bytes arrive in order through the slabs');
    // And the adopted socket still writes.
    const back = new Promise<Buffer>((resolve) => client.once('data', resolve));
    server.write('pong');
    assert.equal((await back).toString(), 'pong');
    server.destroy();
  } finally {
    client.destroy();
    listener.close();
  }
}

test('an accepted tcp socket is adopted into a SlabReader and carries bytes both ways', async () => {
  await acceptOne('tcp://127.0.0.1:*', (bound) => net.connect(Number(bound.split(':').pop()), '127.0.0.1'));
});

test('an accepted ipc socket is adopted into a SlabReader and carries bytes both ways', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zmtp-adopt-'));
  const file = path.join(dir, 'sock');
  try {
    await acceptOne(`ipc://${file}`, () => net.connect(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
