// The monitor events a connection's life gives, in libzmq's order. Each case runs twice with the same libzmq
// (zeromq.js) or raw TCP peer: once with our socket as the subject, once with a zeromq.js socket of the same
// type and options in its place, on the bind side and on the connect side; the sequences of event types
// (with the protocol code, ZAP status or errno where libzmq's is meaningful) must be equal. This pins
// libzmq's shapes: a failed handshake is handshake:error:* then disconnect; a STREAM has no handshake event;
// after a protocol error or a ZAP refusal the connect side does not dial again (no connect:retry); a PLAIN
// server with no ZAP handler gives one handshake:error:other EFAULT. (Dials that fail: monitor-dial-failures.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as zmq from 'zeromq';
import { ours, ownLoopback } from './machinery-helpers.js';
import { startEngineZapHandler, startZapHandler, type ZapPolicy } from './security-raw-peer.js';
import { Context } from '../../../core/engine/context.js';
import { curveKeyPair } from '../../../core/zmtp/index.js';
import type { SocketTypeName } from '../../../core/zmtp/constants.js';

/** The events a connection's life gives (connect:delay left out: libzmq emits it only when connect() would block). */
const RECORDED = [
  'accept',
  'connect',
  'handshake',
  'handshake:error:protocol',
  'handshake:error:auth',
  'handshake:error:other',
  'disconnect',
  'connect:retry',
  'close',
] as const;

/** How long nothing more must happen after the case's last expected event (a further event would be seen). */
const SETTLE_MS = 400;
/** A run that never gets its expected events ends here, and its sequence shows what is missing. */
const RUN_LIMIT_MS = 6000;
/** Ends a sequence whose run reached RUN_LIMIT_MS before the case was done: what came later is unknown. */
const CUT = '(cut by the run limit)';

type Options = Record<string, unknown>;
type AnyEvent = { type: string; error?: { code?: string | number; status?: number } };
interface EventSource {
  events: { on(type: never, fn: (e: AnyEvent) => void): unknown };
}
/** What a case does with the subject (ours or zeromq.js): both have these. */
interface Subject extends EventSource {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  unbind(address: string): Promise<void>;
  disconnect(address: string): void;
  close(): void;
  readonly lastEndpoint: string | null | undefined;
  receive?(): Promise<unknown>;
}

const LIBZMQ_CLASS: Partial<Record<SocketTypeName, new (options: Options) => zmq.Socket>> = {
  PULL: zmq.Pull,
  PUSH: zmq.Push,
  STREAM: zmq.Stream,
};

/** The other end: a libzmq socket in a context of its own (with a ZAP handler when `zap`), or a raw TCP peer. */
type Peer =
  | {
      kind: 'libzmq';
      type: SocketTypeName;
      options?: Options;
      zap?: ZapPolicy;
      act?(peer: zmq.Socket, subject: Subject, side: 'bind' | 'connect', endpoint: string): Promise<void>;
    }
  | { kind: 'raw'; act(socket: net.Socket): void };

interface Case {
  label: string;
  subject: { type: SocketTypeName; options?: Options; zap?: ZapPolicy };
  peer: Peer;
  /** Whether the recording is complete: by default once it has a disconnect. */
  done?(types: string[]): boolean;
  /** handshake:error:other's errno is part of the comparison (where libzmq's is not left over from another call). */
  errno?: true;
  /**
   * Both ends find the failure and the faster one reports it (libzmq, linger 0, may also reset before its
   * greeting is read): ours must give a sequence libzmq gave in this case (see shownByLibzmq), within 5 runs.
   */
  racy?: true;
  /** A known difference: ours has this one event more than libzmq, at the end. */
  oursHasMore?: string;
}

const server = curveKeyPair();
const client = curveKeyPair();
const CURVE_SERVER = { curveServer: true, curveSecretKey: server.secretKey };
const curveClient = (serverKey: string) => ({
  curveServerKey: serverKey,
  curvePublicKey: client.publicKey,
  curveSecretKey: client.secretKey,
});
const denyWrongPassword: ZapPolicy = (r) => (r.credentials[1]?.toString() === 'right' ? { statusCode: '200' } : { statusCode: '400' });
const allow: ZapPolicy = () => ({ statusCode: '200' });
const deny: ZapPolicy = () => ({ statusCode: '400' });

const CASES: Case[] = [
  {
    label: 'the peer closes after the handshake',
    subject: { type: 'PULL' },
    peer: {
      kind: 'libzmq',
      type: 'PUSH',
      async act(peer, subject) {
        await (peer as zmq.Push).send('x');
        await subject.receive!();
        peer.close();
      },
    },
  },
  {
    label: 'we end the connection (unbind on the bind side, disconnect on the connect side)',
    subject: { type: 'PULL' },
    peer: {
      kind: 'libzmq',
      type: 'PUSH',
      async act(peer, subject, side, endpoint) {
        await (peer as zmq.Push).send('x');
        await subject.receive!();
        if (side === 'bind') await subject.unbind(endpoint);
        else subject.disconnect(endpoint);
      },
    },
    done: (types) => types.includes('handshake'),
    // libzmq ends the engine without a disconnect event when this side ends it (see the README).
    oursHasMore: 'disconnect',
  },
  {
    label: 'the peer sends a message over our maxMessageSize (protocol error after the handshake)',
    subject: { type: 'PULL', options: { maxMessageSize: 64 } },
    peer: {
      kind: 'libzmq',
      type: 'PUSH',
      async act(peer) {
        await (peer as zmq.Push).send(Buffer.alloc(1000));
      },
    },
  },
  {
    label: 'the peer is a socket type ours cannot talk to',
    subject: { type: 'PULL' },
    peer: { kind: 'libzmq', type: 'PULL' },
    racy: true,
  },
  {
    label: 'the peer uses another security mechanism',
    subject: { type: 'PULL' },
    peer: { kind: 'libzmq', type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'p' } },
    racy: true,
  },
  {
    label: 'PLAIN server whose ZAP handler refuses the peer',
    subject: { type: 'PULL', options: { plainServer: true, zapDomain: 'test' }, zap: denyWrongPassword },
    peer: { kind: 'libzmq', type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'wrong' } },
  },
  {
    label: "PLAIN client refused by the peer's ZAP handler",
    subject: { type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'wrong' } },
    peer: { kind: 'libzmq', type: 'PULL', options: { plainServer: true, zapDomain: 'test' }, zap: denyWrongPassword },
  },
  {
    // libzmq (4.3.4 and 4.3.5 alike) reports one no-detail failure, EFAULT, then the disconnect; no redial.
    label: 'PLAIN server with no ZAP handler',
    // libzmq usually ends with disconnect, but one CI run saw it hold the connection past the run's 6 s
    // after EFAULT: judged against several libzmq runs.
    racy: true,
    subject: { type: 'PULL', options: { plainServer: true } },
    peer: { kind: 'libzmq', type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'p' } },
    errno: true,
  },
  {
    label: 'PLAIN server with no ZAP handler, a ZAP domain and zapEnforceDomain',
    // libzmq usually ends with disconnect, but one CI run saw it hold the connection past the run's 6 s
    // after EFAULT: judged against several libzmq runs.
    racy: true,
    subject: { type: 'PULL', options: { plainServer: true, zapDomain: 'test', zapEnforceDomain: true } },
    peer: { kind: 'libzmq', type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'p' } },
    errno: true,
  },
  {
    // Unlike PLAIN, libzmq's CURVE server lets any client with its key in when there is no ZAP handler.
    label: 'CURVE server with no ZAP handler (lets the client in)',
    subject: { type: 'PULL', options: CURVE_SERVER },
    peer: { kind: 'libzmq', type: 'PUSH', options: curveClient(server.publicKey) },
    done: (types) => types.includes('handshake'),
  },
  {
    label: 'PLAIN server and client that agree (ZAP allows)',
    subject: { type: 'PULL', options: { plainServer: true, zapDomain: 'test' }, zap: allow },
    peer: { kind: 'libzmq', type: 'PUSH', options: { plainUsername: 'u', plainPassword: 'right' } },
    done: (types) => types.includes('handshake'),
  },
  {
    label: 'CURVE server, the client has the wrong server key',
    subject: { type: 'PULL', options: CURVE_SERVER },
    peer: { kind: 'libzmq', type: 'PUSH', options: curveClient(curveKeyPair().publicKey) },
    racy: true,
  },
  {
    label: 'CURVE client with the wrong server key',
    subject: { type: 'PUSH', options: curveClient(curveKeyPair().publicKey) },
    peer: { kind: 'libzmq', type: 'PULL', options: CURVE_SERVER },
    racy: true,
  },
  {
    label: "CURVE client refused by the peer's ZAP handler",
    subject: { type: 'PUSH', options: curveClient(server.publicKey) },
    peer: { kind: 'libzmq', type: 'PULL', options: { ...CURVE_SERVER, zapDomain: 'test' }, zap: deny },
  },
  {
    label: 'no greeting within handshakeInterval',
    subject: { type: 'PULL', options: { handshakeInterval: 300 } },
    peer: { kind: 'raw', act: () => {} },
  },
  {
    label: 'the peer closes in the middle of the greeting',
    subject: { type: 'PULL' },
    peer: { kind: 'raw', act: (s) => s.end(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f])) },
    errno: true,
  },
  {
    label: 'STREAM: a raw TCP peer sends bytes and closes',
    subject: { type: 'STREAM' },
    peer: { kind: 'raw', act: (s) => s.end('hello') },
    errno: true,
  },
];

/** One event as compared: its type, and what libzmq says of the cause. */
function describe(e: AnyEvent, errno: boolean): string {
  switch (e.type) {
    case 'handshake:error:protocol':
      return `${e.type} ${e.error?.code}`;
    case 'handshake:error:auth':
      return `${e.type} ${e.error?.status}`;
    case 'handshake:error:other':
      return errno ? `${e.type} ${e.error?.code}` : e.type;
    default:
      return e.type;
  }
}

/**
 * Records the subject's events; settle() waits until the case is done and SETTLE_MS have passed with nothing
 * new (true), or until RUN_LIMIT_MS (false).
 */
function record(subject: EventSource, c: Case): { seen: string[]; settle(): Promise<boolean> } {
  const seen: string[] = [];
  const done = c.done ?? ((types: string[]) => types.includes('disconnect'));
  let wake = () => {};
  for (const type of RECORDED)
    subject.events.on(type as never, (e: AnyEvent) => {
      seen.push(describe(e, c.errno === true));
      wake();
    });
  const settle = async (): Promise<boolean> => {
    const limit = Date.now() + RUN_LIMIT_MS;
    while (Date.now() < limit) {
      if (done(seen.map((s) => s.split(' ')[0]))) {
        const count = seen.length;
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        if (seen.length === count) return true;
      } else {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.max(0, limit - Date.now()));
        });
      }
    }
    return false;
  };
  return { seen, settle };
}

interface Run {
  side: 'bind' | 'connect';
  impl: 'ours' | 'libzmq';
}

/** One run of a case: the subject (ours or libzmq's) on `side`, against the case's peer; the recorded sequence. */
async function runCase(c: Case, { side, impl }: Run): Promise<string[]> {
  const cleanup: (() => unknown)[] = [];
  try {
    const options: Options = { linger: 0, reconnectInterval: 10_000, ...c.subject.options };
    let subject: Subject;
    if (impl === 'ours') {
      const context = new Context();
      if (c.subject.zap) {
        const zap = await startEngineZapHandler(context, c.subject.zap);
        cleanup.push(() => zap.close());
      }
      subject = ours(c.subject.type, options, context);
    } else {
      const context = new zmq.Context();
      if (c.subject.zap) {
        const zap = await startZapHandler(context, c.subject.zap);
        cleanup.push(() => zap.close());
      }
      subject = new LIBZMQ_CLASS[c.subject.type]!({ context, ...options });
    }
    cleanup.unshift(() => subject.close());
    const { seen, settle } = record(subject, c);
    const peer = c.peer;
    const loopback = ownLoopback();
    if (peer.kind === 'libzmq') {
      const context = new zmq.Context();
      if (peer.zap) {
        const zap = await startZapHandler(context, peer.zap);
        cleanup.push(() => zap.close());
      }
      // The peer does not dial again: only the subject's redials are under test.
      const p = new LIBZMQ_CLASS[peer.type]!({ context, linger: 0, reconnectInterval: -1, ...peer.options });
      cleanup.unshift(() => p.close());
      let endpoint: string;
      if (side === 'bind') {
        await subject.bind(`tcp://${loopback}:*`);
        endpoint = subject.lastEndpoint!;
        p.connect(endpoint);
      } else {
        await p.bind(`tcp://${loopback}:*`);
        endpoint = p.lastEndpoint!;
        subject.connect(endpoint);
      }
      await peer.act?.(p, subject, side, endpoint);
    } else if (side === 'bind') {
      await subject.bind(`tcp://${loopback}:*`);
      const s = net.connect(Number(new URL(subject.lastEndpoint!).port), loopback, () => peer.act(s));
      s.on('error', () => {});
      cleanup.push(() => s.destroy());
    } else {
      const server = net.createServer((s) => {
        s.on('error', () => {});
        cleanup.push(() => s.destroy());
        peer.act(s);
      });
      await new Promise<void>((r) => server.listen(0, loopback, r));
      cleanup.push(() => server.close());
      subject.connect(`tcp://${loopback}:${(server.address() as net.AddressInfo).port}`);
    }
    return (await settle()) ? [...seen] : [...seen, CUT];
  } finally {
    for (const f of cleanup) await f();
  }
}

/**
 * Whether our sequence agrees with one libzmq gave: the same (with the case's known extra event), or, when
 * libzmq's run reached the limit before the case was done, ours begins with what libzmq showed until then
 * and is done (seen under heavy load: libzmq's EFAULT, then no disconnect within 6 s, five runs of five).
 */
function consistent(theirs: string[], mine: string[], oursHasMore?: string): boolean {
  if (theirs.at(-1) !== CUT) return JSON.stringify(theirs.concat(oursHasMore ?? [])) === JSON.stringify(mine);
  const shown = theirs.slice(0, -1);
  return mine.at(-1) !== CUT && mine.length >= shown.length && shown.every((t, i) => mine[i] === t);
}

/**
 * A racy case's sequences libzmq has shown on `side`: its runs there, and also the other side's runs in which
 * the subject won the race. Which end reads the other's greeting or READY first decides who reports the
 * failure. A subject that wins it on the bind side gives what a winning connect side gives, with accept for
 * connect and no redial (libzmq does not dial again after a protocol error); so does a winning connect
 * side's sequence seen from the bind side. A losing subject's sequences are not mirrored: on the connect
 * side it would dial again, on the bind side not.
 */
function shownByLibzmq(side: 'bind' | 'connect', runs: Record<'bind' | 'connect', string[][]>): string[][] {
  const won = (seq: string[]) => seq.some((t) => t.startsWith('handshake:error:protocol'));
  if (side === 'connect') return [...runs.connect, ...runs.bind.filter(won).map((seq) => seq.map((t) => (t === 'accept' ? 'connect' : t)))];
  const mirrored = runs.connect.map((seq) => seq.filter((t) => t !== 'connect:retry').map((t) => (t === 'connect' ? 'accept' : t)));
  return [...runs.bind, ...mirrored];
}

for (const c of CASES) {
  for (const side of ['bind', 'connect'] as const) {
    test(`${c.label} (${side} side): our events in libzmq's sequence`, async () => {
      const expected = (seq: string[]) => seq.concat(c.oursHasMore ?? []);
      if (!c.racy) {
        const theirs = await runCase(c, { side, impl: 'libzmq' });
        const mine = await runCase(c, { side, impl: 'ours' });
        if (!consistent(theirs, mine, c.oursHasMore)) assert.deepEqual(mine, expected(theirs));
        return;
      }
      const runs: Record<'bind' | 'connect', string[][]> = { bind: [], connect: [] };
      let mine: string[] = [];
      for (let run = 1; run <= 5; run++) {
        for (const s of ['bind', 'connect'] as const) runs[s].push(await runCase(c, { side: s, impl: 'libzmq' }));
        mine = await runCase(c, { side, impl: 'ours' });
        if (shownByLibzmq(side, runs).some((seq) => consistent(seq, mine, c.oursHasMore))) return;
      }
      assert.fail(`ours ${JSON.stringify(mine)}; libzmq showed ${JSON.stringify(shownByLibzmq(side, runs))}`);
    });
  }
}
