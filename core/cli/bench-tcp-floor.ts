// The floor under a REQ/REP round trip: plain Node TCP ping-pong of the same payload, no ZMTP, no
// library. One end sends `size` bytes, the other echoes every chunk as it arrives, and the next send
// waits for all `size` bytes to come back. Both ends read the Node way ('data' events), with Nagle off
// as ZeroMQ sets it. Whatever a library adds to a round trip is the time above this.
import net from 'node:net';
import { startClock, type ClockReading } from './bench-clock.js';

/** Echoes every chunk back on every connection; resolves with the listening server. */
export async function startEchoServer(): Promise<net.Server> {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    sock.on('data', (chunk) => sock.write(chunk));
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

/** `count` round trips of `size` bytes against an echo server at `port`, after one untimed warm-up. */
export async function pingPong(port: number, size: number, count: number): Promise<ClockReading> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const payload = Buffer.alloc(size, 0x61);
  let clock: (() => ClockReading) | undefined;
  const reading = await new Promise<ClockReading>((resolve, reject) => {
    let got = 0;
    let done = -1; // the warm-up round trip is number -1 (untimed)
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('the echo side closed the connection')));
    sock.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got < size) return;
      got -= size;
      done++;
      if (done === 0) clock = startClock();
      if (done === count) {
        resolve(clock!());
        return;
      }
      sock.write(payload);
    });
    sock.write(payload);
  });
  sock.removeAllListeners('close');
  sock.destroy();
  return reading;
}
