// Real ZeroMQ traffic on loopback (libzmq through the zeromq npm package), captured by tcpdump.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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

/** A free loopback port (bound then released by libzmq). */
export async function freePort(): Promise<number> {
  const s = new zmq.Pair({ linger: 0 });
  await s.bind('tcp://127.0.0.1:*');
  const port = Number(/:(\d+)$/.exec(s.lastEndpoint!)![1]);
  s.close();
  return port;
}

/** Runs `during` while tcpdump writes loopback traffic on `port` to `file`. */
export async function captureWithTcpdump(file: string, port: number, during: () => Promise<void>, extraArgs: string[] = []): Promise<void> {
  const child = spawn('tcpdump', ['-i', 'lo', '-U', '--immediate-mode', ...extraArgs, '-w', file, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => {
        err += d;
        if (/listening on/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${err}`)));
    });
    await during();
    // tcpdump can lag behind on a busy machine: let it write what the kernel still holds before stopping
    // it (the file stops growing), or the capture misses the last packets.
    let last = -1;
    for (let stable = 0, polls = 0; stable < 5 && polls < 200; polls++) {
      await new Promise((r) => setTimeout(r, 100));
      const size = existsSync(file) ? statSync(file).size : 0;
      stable = size === last ? stable + 1 : 0;
      last = size;
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  }
}

/** Pushes `count` small messages through libzmq PUSH -> PULL on the given port. */
export async function pushPullBurst(port: number, count: number): Promise<void> {
  const pull = new zmq.Pull({ linger: 0 });
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 0 });
  try {
    await pull.bind(`tcp://127.0.0.1:${port}`);
    push.connect(`tcp://127.0.0.1:${port}`);
    const received = (async () => { for (let i = 0; i < count; i++) await pull.receive(); })();
    for (let i = 0; i < count; i++) await push.send(`msg-${i}`);
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
    const first = sub.receive().then(() => { got = true; });
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
