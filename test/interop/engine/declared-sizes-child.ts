// Child of declared-sizes.test.ts, run under `ulimit -v`: one engine socket of every ZMTP socket type,
// each with a healthy libzmq peer (zeromq.js) exchanging numbered messages before, during and after
// raw peers (driven by the parent) declare huge frames. Prints JSON lines; 'stop' on stdin ends the
// run with a count per type. With PROBE=1 it only sets up, prints its address-space size and exits,
// so the parent can pick a limit just above what this process needs.
import { tryHugeAllocation, vmSizeKiB } from '../../helpers/address-space.js';
import { createInterface } from 'node:readline';
import * as engine from '../../../core/internal.js';
import * as zmq from 'zeromq';

const original = process.emitWarning;
process.emitWarning = () => {}; // zeromq.js's draft warning
const draft = await import('zeromq/draft.js');
process.emitWarning = original;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySocket = any;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

interface Case {
  type: string;
  /** Our class and the libzmq peer's class (zeromq or zeromq/draft). */
  ours: string;
  theirs: string;
  /** Who sends the numbered messages. */
  sender: 'ours' | 'theirs';
  /** The receiver answers each message (REQ/REP). */
  reply?: boolean;
  /** Messages flow while raw peers attack. Not for senders that load-balance (a raw peer of the right
   *  type legitimately gets its share of those). */
  during: boolean;
  /** Fan-out senders drop until the subscription/join arrives: warm up first. */
  warm?: boolean;
}

const CASES: Case[] = [
  { type: 'PAIR', ours: 'Pair', theirs: 'Pair', sender: 'theirs', during: true },
  { type: 'PUB', ours: 'Publisher', theirs: 'Subscriber', sender: 'ours', during: true, warm: true },
  { type: 'SUB', ours: 'Subscriber', theirs: 'Publisher', sender: 'theirs', during: true, warm: true },
  { type: 'REQ', ours: 'Request', theirs: 'Reply', sender: 'ours', reply: true, during: false },
  { type: 'REP', ours: 'Reply', theirs: 'Request', sender: 'theirs', reply: true, during: true },
  { type: 'DEALER', ours: 'Dealer', theirs: 'Dealer', sender: 'theirs', during: true },
  { type: 'ROUTER', ours: 'Router', theirs: 'Dealer', sender: 'theirs', during: true },
  { type: 'PULL', ours: 'Pull', theirs: 'Push', sender: 'theirs', during: true },
  { type: 'PUSH', ours: 'Push', theirs: 'Pull', sender: 'ours', during: false },
  { type: 'XPUB', ours: 'XPublisher', theirs: 'Subscriber', sender: 'ours', during: true, warm: true },
  { type: 'XSUB', ours: 'XSubscriber', theirs: 'Publisher', sender: 'theirs', during: true, warm: true },
  { type: 'SERVER', ours: 'Server', theirs: 'Client', sender: 'theirs', during: true },
  { type: 'CLIENT', ours: 'Client', theirs: 'Server', sender: 'ours', during: false },
  { type: 'RADIO', ours: 'Radio', theirs: 'Dish', sender: 'ours', during: true, warm: true },
  { type: 'DISH', ours: 'Dish', theirs: 'Radio', sender: 'theirs', during: true, warm: true },
  { type: 'SCATTER', ours: 'Scatter', theirs: 'Gather', sender: 'ours', during: false },
  { type: 'GATHER', ours: 'Gather', theirs: 'Scatter', sender: 'theirs', during: true },
];

/** The ZMTP socket type a raw peer announces to reach this case's socket: the healthy peer's. */
function peerTypeOf(c: Case): string {
  return (
    {
      Pair: 'PAIR',
      Subscriber: 'SUB',
      Publisher: 'PUB',
      Reply: 'REP',
      Request: 'REQ',
      Dealer: 'DEALER',
      Push: 'PUSH',
      Pull: 'PULL',
      Client: 'CLIENT',
      Server: 'SERVER',
      Dish: 'DISH',
      Radio: 'RADIO',
      Gather: 'GATHER',
      Scatter: 'SCATTER',
    } as Record<string, string>
  )[c.theirs];
}

const GROUP = 'g';

class Pairing {
  ours!: AnySocket;
  theirs!: AnySocket;
  sent = 0;
  received = 0;
  mismatch?: string;
  constructor(readonly c: Case) {}

  async setup(): Promise<number> {
    const c = this.c;
    const oursCtor = (engine as AnySocket)[c.ours];
    const theirsCtor = (zmq as AnySocket)[c.theirs] ?? (draft as AnySocket)[c.theirs];
    this.ours = new oursCtor({ linger: 0 });
    this.theirs = new theirsCtor({ linger: 0 });
    await this.ours.bind('tcp://127.0.0.1:*');
    if (c.ours === 'Subscriber') this.ours.subscribe();
    if (c.theirs === 'Subscriber') this.theirs.subscribe();
    if (c.ours === 'XSubscriber') await this.ours.send(Buffer.from([1]));
    if (c.ours === 'Dish') this.ours.join(GROUP);
    if (c.theirs === 'Dish') this.theirs.join(GROUP);
    this.theirs.connect(this.ours.lastEndpoint);
    for (const [ev] of [['disconnect'], ['handshake:error:protocol'], ['handshake:error:other'], ['handshake:error:auth']]) {
      this.ours.events.on(ev, (e: AnySocket) => print({ event: e.type, type: c.type, remote: e.remoteAddress, reason: e.reason }));
    }
    if (c.ours === 'XPublisher') await this.ours.receive(); // the subscription
    if (c.warm) await this.warmUp();
    return Number(String(this.ours.lastEndpoint).split(':').pop());
  }

  private side(who: 'ours' | 'theirs'): AnySocket {
    return who === 'ours' ? this.ours : this.theirs;
  }

  private async send(who: 'ours' | 'theirs', body: string, routingId?: number): Promise<void> {
    const s = this.side(who);
    const cls = who === 'ours' ? this.c.ours : this.c.theirs;
    if (cls === 'Radio') await s.send(body, { group: GROUP });
    else if (cls === 'Server') await s.send(body, { routingId });
    else await s.send(body);
  }

  /** The payload of the next message at `who`, and the routing id to answer it with (SERVER). */
  private async receive(who: 'ours' | 'theirs'): Promise<{ body: string; frames: Buffer[]; routingId?: number }> {
    const got = await this.side(who).receive();
    const frames = got.filter((f: unknown) => Buffer.isBuffer(f)) as Buffer[];
    const routingId = (got[1] as { routingId?: number } | undefined)?.routingId;
    return { body: frames[frames.length - 1].toString(), frames, routingId };
  }

  /** PUB-like senders: repeat a probe until one arrives, then mark the start of the real traffic. */
  private async warmUp(): Promise<void> {
    const receiver = this.c.sender === 'ours' ? 'theirs' : 'ours';
    let arrived = false;
    const wait = this.receive(receiver).then(() => {
      arrived = true;
    });
    while (!arrived) {
      await this.send(this.c.sender, 'warm');
      await new Promise((r) => setTimeout(r, 20));
    }
    await wait;
    await this.send(this.c.sender, 'go');
    for (;;) if ((await this.receive(receiver)).body === 'go') break;
  }

  /** One numbered message from the sender to the receiver (and its answer for REQ/REP), checked. */
  async exchange(): Promise<void> {
    const c = this.c;
    const receiver = c.sender === 'ours' ? 'theirs' : 'ours';
    const n = this.sent++;
    await this.send(c.sender, `m${n}`);
    const got = await this.receive(receiver);
    if (got.body !== `m${n}`) this.mismatch ??= `expected m${n}, got ${got.frames.map(String).join('|')}`;
    if (c.reply) {
      await this.send(receiver, `r${n}`, got.routingId);
      const back = await this.receive(c.sender);
      if (back.body !== `r${n}`) this.mismatch ??= `expected r${n}, got ${back.body}`;
    }
    this.received++;
  }
}

const pairings = CASES.map((c) => new Pairing(c));
const ports: Record<string, { port: number; peerType: string }> = {};
for (const p of pairings) ports[p.c.type] = { port: await p.setup(), peerType: peerTypeOf(p.c) };
for (const p of pairings) for (let i = 0; i < 10; i++) await p.exchange();
const vm = vmSizeKiB();
if (process.env.PROBE) {
  print({ vmKiB: vm });
  process.exit(0);
}
// The limit must bite: a 2 GiB allocation fails here, and the process goes on.
print({ ready: ports, vmKiB: vm, bigAllocation: tryHugeAllocation() });

let stopping = false;
const during = pairings
  .filter((p) => p.c.during)
  .map(async (p) => {
    while (!stopping) {
      await p.exchange();
      await new Promise((r) => setTimeout(r, 5));
    }
  });
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line !== 'stop') return;
  stopping = true;
  await Promise.all(during);
  for (const p of pairings) for (let i = 0; i < 10; i++) await p.exchange();
  const done: Record<string, { sent: number; received: number; mismatch?: string }> = {};
  for (const p of pairings) done[p.c.type] = { sent: p.sent, received: p.received, mismatch: p.mismatch };
  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  print({ done, rssMiB });
  for (const p of pairings) {
    p.ours.close();
    p.theirs.close();
  }
  process.exit(0);
});
