// Both ends of one tcp connection in this process are told about each other (they then write smaller
// batches, see core/engine/connection/same-thread.ts); ends of different connections never are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinTcpEnd, leaveTcpEnd, type TcpEnd } from '../../../core/engine/connection/same-thread.js';

function end(): TcpEnd & { told: number } {
  const e = {
    told: 0,
    peerInThisThread: () => {
      e.told++;
    },
  };
  return e;
}

test('the two ends of one loopback connection find each other, in either order', () => {
  const dialer = end();
  const acceptor = end();
  joinTcpEnd('tcp://127.0.0.1:40001', 'tcp://127.0.0.1:5555', dialer);
  assert.equal(dialer.told, 0, 'alone so far');
  joinTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40001', acceptor);
  assert.equal(dialer.told, 1);
  assert.equal(acceptor.told, 1);
  leaveTcpEnd('tcp://127.0.0.1:40001', 'tcp://127.0.0.1:5555', dialer);
  leaveTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40001', acceptor);
});

test('ends of other connections, or of a closed one, are not taken for the peer', () => {
  const a = end();
  const other = end();
  joinTcpEnd('tcp://127.0.0.1:40002', 'tcp://127.0.0.1:5555', a);
  // Same server port, different client port: another connection.
  joinTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40003', other);
  assert.equal(a.told + other.told, 0);
  leaveTcpEnd('tcp://127.0.0.1:40002', 'tcp://127.0.0.1:5555', a);
  // The peer of a connection closed on our side (its port reused by a new remote process) stays alone.
  const late = end();
  joinTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40002', late);
  assert.equal(late.told, 0);
  leaveTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40003', other);
  leaveTcpEnd('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:40002', late);
});

test('IPv6 addresses pair the same way', () => {
  const a = end();
  const b = end();
  joinTcpEnd('tcp://[::1]:40004', 'tcp://[::1]:6000', a);
  joinTcpEnd('tcp://[::1]:6000', 'tcp://[::1]:40004', b);
  assert.deepEqual([a.told, b.told], [1, 1]);
  leaveTcpEnd('tcp://[::1]:40004', 'tcp://[::1]:6000', a);
  leaveTcpEnd('tcp://[::1]:6000', 'tcp://[::1]:40004', b);
});
