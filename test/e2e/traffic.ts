// Real ZeroMQ traffic on loopback (libzmq through the zeromq npm package), captured by tcpdump.
import { createServer } from 'node:net';
import { basename, dirname } from 'node:path';
import { startCapture } from '../helpers/capture.js';
import * as zmq from 'zeromq';

/** A REQ/REP exchange of the given request frames on a fresh loopback port; returns the port. */
export async function reqRepExchange(frames: string[], reply: string[], port?: number): Promise<number> {
  const rep = new zmq.Reply({ linger: 0 });
  const req = new zmq.Request({ linger: 0 });
  try {
    await rep.bind(`tcp://127.0.0.1:${port ?? '*'}`);
    const bound = Number(/:(\d+)$/.exec(rep.lastEndpoint!)![1]);
    req.connect(`tcp://127.0.0.1:${bound}`);
    await req.send(frames);
    await rep.receive();
    await rep.send(reply);
    await req.receive();
    return bound;
  } finally {
    req.close();
    rep.close();
  }
}

/** libzmq REQ -> REP on one connection: each of `requests` sent and answered in turn. */
export async function reqRepRounds(requests: string[], port: number): Promise<void> {
  const rep = new zmq.Reply({ linger: 0 });
  const req = new zmq.Request({ linger: 0 });
  try {
    await rep.bind(`tcp://127.0.0.1:${port}`);
    req.connect(`tcp://127.0.0.1:${port}`);
    for (const request of requests) {
      await req.send(request);
      await rep.receive();
      await rep.send(`reply to ${request}`);
      await req.receive();
    }
  } finally {
    req.close();
    rep.close();
  }
}

/** A free loopback port (bound then released by libzmq). */
/**
 * A TCP port free on 127.0.0.1 now, for a test that must know its port before binding (a tcpdump filter).
 * Taken below Linux's ephemeral range (32768-60999 by default): a port the kernel handed out for a bind to
 * port 0 can be handed out again at once, as another socket's bind or a connection's source port, before the
 * test binds it (seen once: EADDRINUSE under parallel load). Ports below that range are only ever taken by
 * name, so the only race left is another test drawing the same one of 12,000 in the same moment.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
    if (attempt >= 100) throw new Error('no free TCP port found in 20000-31999 after 100 tries');
  }
}

/** Runs `during` while tcpdump writes loopback traffic on `port` to `file`. */
export async function captureWithTcpdump(file: string, port: number, during: () => Promise<void>): Promise<void> {
  const capture = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, dirname(file), basename(file));
  try {
    await during();
    await capture.stop();
  } finally {
    capture.kill();
  }
}

/** Pushes `count` messages (by default small ones, "msg-i") through libzmq PUSH -> PULL on the given port. */
export async function pushPullBurst(
  port: number,
  count: number,
  message: (i: number) => string | string[] = (i) => `msg-${i}`,
): Promise<void> {
  const pull = new zmq.Pull({ linger: 0 });
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 0 });
  try {
    await pull.bind(`tcp://127.0.0.1:${port}`);
    push.connect(`tcp://127.0.0.1:${port}`);
    const received = (async () => {
      for (let i = 0; i < count; i++) await pull.receive();
    })();
    for (let i = 0; i < count; i++) await push.send(message(i));
    await received;
  } finally {
    push.close();
    pull.close();
  }
}

/** PUB/SUB on the given port: SUB subscribes to `topic`, PUB publishes until one arrives, then `extra` messages. */
export async function pubSubExchange(port: number, topic: string, extra: string[][]): Promise<void> {
  const pub = new zmq.Publisher({ linger: 0 });
  const sub = new zmq.Subscriber({ linger: 0 });
  try {
    await pub.bind(`tcp://127.0.0.1:${port}`);
    sub.connect(`tcp://127.0.0.1:${port}`);
    sub.subscribe(topic);
    let got = false;
    const first = sub.receive().then(() => {
      got = true;
    });
    while (!got) {
      await pub.send([topic, 'warmup']);
      await Promise.race([first, new Promise((r) => setTimeout(r, 50))]);
    }
    for (const m of extra) await pub.send(m);
    for (const m of extra) if (m[0].startsWith(topic)) await sub.receive();
  } finally {
    sub.close();
    pub.close();
  }
}

/**
 * `roundTrips` libzmq REQ/REP round trips in lock-step from `clients` REQ sockets to one REP on the given
 * port: every message is its own TCP segment, as on a NIC (a packet-heavy capture, unlike a burst).
 */
export async function reqRepRoundTrips(port: number, clients: number, roundTrips: number): Promise<void> {
  const rep = new zmq.Reply({ linger: 0 });
  const reqs = Array.from({ length: clients }, () => new zmq.Request({ linger: 0 }));
  try {
    await rep.bind(`tcp://127.0.0.1:${port}`);
    for (const req of reqs) req.connect(`tcp://127.0.0.1:${port}`);
    const serving = (async () => {
      for (let i = 0; i < roundTrips; i++) {
        const [msg] = await rep.receive();
        await rep.send(msg);
      }
    })();
    let left = roundTrips;
    await Promise.all(
      reqs.map(async (req, k) => {
        for (let i = 0; left > 0; i++) {
          left--;
          await req.send(`client ${k} request ${i}`);
          await req.receive();
        }
      }),
    );
    await serving;
  } finally {
    for (const req of reqs) req.close();
    rep.close();
  }
}
