// Our PUSH connected to a libzmq PULL (zeromq.js) over tcp, handshake done (one warm-up message), with
// every write of this process's connections recorded through the wire tap: for tests of how the engine
// lays messages out in socket writes.
import * as zmq from 'zeromq';
import { Push } from '../../core/internal.js';
import { addWireTap } from '../../core/engine/wiretap.js';

export interface PushToLibzmq {
  push: Push;
  pull: zmq.Pull;
  /** The bytes of each socket write since the warm-up; the test may empty it. */
  writes: Buffer[];
  close(): void;
}

export async function pushToLibzmq(): Promise<PushToLibzmq> {
  const pull = new zmq.Pull({ linger: 0 });
  const push = new Push({ linger: 0 });
  const writes: Buffer[] = [];
  const remove = addWireTap((c) => {
    if (c.direction === 'out') writes.push(Buffer.from(c.data));
  });
  const close = () => {
    remove();
    push.close();
    pull.close();
  };
  try {
    await pull.bind('tcp://127.0.0.1:*');
    push.connect(pull.lastEndpoint!);
    await push.send('warm-up');
    if ((await pull.receive())[0].toString() !== 'warm-up') throw new Error('the warm-up message came back different');
    // The handshake's own writes are done with by the next turn. The check phase (setImmediate) can still be
    // in the loop turn of our last write, which would make the test's first send that turn's second output:
    // a timer after it runs in a later turn, with nothing written yet (a CI run saw the first send deferred).
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 1));
    writes.length = 0;
    return { push, pull, writes, close };
  } catch (err) {
    close();
    throw err;
  }
}
