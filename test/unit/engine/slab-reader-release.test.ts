// A SlabReader lets go of its memory once its socket has closed. The reader whose read ran last is
// remembered (to resync it after an uncaught exception, see reader.ts); before a closed socket's reader
// was forgotten, that memory kept the reader, its slab (64 KiB to 2 MiB), its socket and its consumer
// alive until another socket read. Shown with real TCP reads from a Node server and full collections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { adoptAccepted, connectWithReader, readerOf, type SlabReader } from '../../../core/engine/transports/reader.js';
import { collectedWithin } from '../../helpers/gc.js';

/** Reads `payload` through the reader on one side of a real TCP connection, then closes; returns weak references only. */
async function readAndClose(
  side: 'connecting' | 'accepting',
  payload: Buffer,
): Promise<{ reader: WeakRef<object>; slab: WeakRef<object>; received: Buffer }> {
  // The accepting side reads through the reader adoptAccepted sets up (as the engine's listeners do).
  let adopt!: (adopted: { socket: net.Socket; reader?: SlabReader }) => void;
  const accepted = new Promise<{ socket: net.Socket; reader?: SlabReader }>((resolve) => (adopt = resolve));
  const server = net.createServer({ pauseOnConnect: side === 'accepting' }, (peer) =>
    side === 'accepting' ? adopt(adoptAccepted(peer)) : peer.end(payload),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  let socket: net.Socket;
  let reader: SlabReader | undefined;
  if (side === 'connecting') {
    socket = connectWithReader({ host: '127.0.0.1', port });
    reader = readerOf(socket);
  } else {
    net.connect({ host: '127.0.0.1', port }).end(payload);
    ({ socket, reader } = await accepted);
  }
  assert.ok(reader, `the ${side} socket reads through a SlabReader`);
  const chunks: Buffer[] = [];
  let slab: WeakRef<object> | undefined;
  reader.attach({
    directTarget: () => undefined,
    onDirect: () => assert.fail('no direct reads without a frame body to fill'),
    onChunk: (chunk) => {
      slab ??= new WeakRef(chunk.buffer);
      chunks.push(Buffer.from(chunk)); // a copy: the test itself must not hold the slab
    },
  });
  await once(socket, 'end');
  socket.destroy();
  await once(socket, 'close');
  server.close();
  await once(server, 'close');
  assert.ok(slab, 'bytes were read into a slab');
  return { reader: new WeakRef(reader), slab, received: Buffer.concat(chunks) };
}

for (const side of ['connecting', 'accepting'] as const) {
  test(`a closed ${side} socket: its reader and its slab can be collected`, async () => {
    const payload = Buffer.alloc(5000, 7);
    const { reader, slab, received } = await readAndClose(side, payload);
    assert.ok(received.equals(payload), 'the reader delivered what the peer sent');
    assert.ok(await collectedWithin(slab), 'the slab is still referenced after its socket closed');
    assert.ok(await collectedWithin(reader), 'the reader is still referenced after its socket closed');
  });
}
