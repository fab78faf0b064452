// `zmtp socket TYPE --bind|--connect ENDPOINT ...`: one socket of this engine on the command line, in
// the spirit of zmqc: messages to send come from --send or from stdin (one per line), received
// messages are printed one per line. Exit codes: 0 done, 1 socket/peer error or timeout, 2 usage error.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import * as engine from '../internal.js';
import type { AnySocket, Socket } from '../engine/socket.js';
import { errorText } from '../engine/errors.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE, type SocketTypeName } from '../engine/socket-type-table.js';
import { socketClass } from '../socket-classes.js';

/** Types by what core/engine/socket-type-table.ts says of them. */
const typesWhere = (has: (t: (typeof SOCKET_TYPE_TABLE)[SocketTypeName]) => boolean): ReadonlySet<string> =>
  new Set(SOCKET_TYPE_NAMES.filter((t) => has(SOCKET_TYPE_TABLE[t])));
const DRAFT = typesWhere((t) => t.draft);
const SEND_ONLY = typesWhere((t) => t.sends && !t.receives);
const RECEIVE_ONLY = typesWhere((t) => t.receives && !t.sends);
/** Draft types carry one frame per message, with a routing id or group beside it (DGRAM: address and body). */
const SINGLE_PART = typesWhere((t) => t.singlePart);
/** Draft types that name the peer of every message by a numeric routing id. */
const ROUTED = new Set(['SERVER', 'PEER']);

const USAGE = `usage: zmtp socket TYPE (--bind ENDPOINT | --connect ENDPOINT)... [options]

TYPE is one of ${SOCKET_TYPE_NAMES.filter((t) => !DRAFT.has(t)).join(' ')},
or a draft type: ${SOCKET_TYPE_NAMES.filter((t) => DRAFT.has(t)).join(' ')}
(single-part messages but DGRAM's, whose messages are an address frame and a body, e.g. -d '|' with
127.0.0.1:5555|hello). PEER sends to the peers it --connects to; bound only, it answers like SERVER.
Messages to send: --send FRAME (repeat for more frames of one message), or stdin, one message per line.
Received messages are printed one per line.

  -b, --bind ENDPOINT        bind (repeatable), e.g. tcp://127.0.0.1:5555, tcp://*:*, ipc:///tmp/x
  -c, --connect ENDPOINT     connect (repeatable)
  -s, --send FRAME           a frame of the message to send at start (repeatable)
  -d, --delimiter TEXT       split stdin lines into frames at TEXT
      --hex                  frames given on the command line / stdin are hex
  -f, --format FORMAT        output: text (default), hex, json
  -n, --count N              exit after receiving N messages
  -t, --timeout MS           exit with status 1 when nothing arrives for MS milliseconds
      --subscribe TOPIC      SUB/XSUB subscription (repeatable; SUB defaults to everything)
      --reply TEXT           REP/SERVER/PEER: answer every request with TEXT (default: echo the request)
      --group GROUP          RADIO: the group to publish to
      --join GROUP           DISH: a group to join (repeatable)
      --routing-id ID        this socket's routing id
      --plain USER:PASSWORD  PLAIN client credentials
      --plain-server         act as PLAIN server
      --curve-server SECRET  act as CURVE server with this Z85 secret key
      --curve-client SERVERKEY  CURVE client of a server with this Z85 public key (own keys generated)
  -o, --option NAME=VALUE    any socket option by its zeromq.js name (repeatable), e.g. sendHighWaterMark=10
      --events               print monitor events on stderr
  -h, --help                 this help
`;

function isSocketType(type: string): type is SocketTypeName {
  return Object.prototype.hasOwnProperty.call(SOCKET_TYPE_TABLE, type);
}

export interface SocketArgs {
  type: SocketTypeName;
  binds: string[];
  connects: string[];
  send: string[];
  delimiter?: string;
  hex: boolean;
  format: 'text' | 'hex' | 'json';
  count?: number;
  timeout?: number;
  subscribe: string[];
  reply?: string;
  group?: string;
  join: string[];
  options: Record<string, unknown>;
  events: boolean;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new Error(`${name} must be a positive whole number, got '${text}'`);
  return Number(text);
}

function optionValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

export function parseSocketArgs(argv: string[]): SocketArgs | { help: true } | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        bind: { type: 'string', short: 'b', multiple: true, default: [] },
        connect: { type: 'string', short: 'c', multiple: true, default: [] },
        send: { type: 'string', short: 's', multiple: true, default: [] },
        delimiter: { type: 'string', short: 'd' },
        hex: { type: 'boolean', default: false },
        format: { type: 'string', short: 'f', default: 'text' },
        count: { type: 'string', short: 'n' },
        timeout: { type: 'string', short: 't' },
        subscribe: { type: 'string', multiple: true, default: [] },
        reply: { type: 'string' },
        group: { type: 'string' },
        join: { type: 'string', multiple: true, default: [] },
        'routing-id': { type: 'string' },
        plain: { type: 'string' },
        'plain-server': { type: 'boolean', default: false },
        'curve-server': { type: 'string' },
        'curve-client': { type: 'string' },
        option: { type: 'string', short: 'o', multiple: true, default: [] },
        events: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return { error: errorText(err) };
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  try {
    if (parsed.positionals.length !== 1)
      throw new Error(
        parsed.positionals.length ? `one socket TYPE expected, got ${parsed.positionals.join(' ')}` : 'missing the socket TYPE',
      );
    const type = parsed.positionals[0].toUpperCase();
    if (!isSocketType(type)) throw new Error(`unknown socket type '${parsed.positionals[0]}' (one of ${SOCKET_TYPE_NAMES.join(' ')})`);
    if (v.bind.length + v.connect.length === 0) throw new Error('give at least one --bind or --connect ENDPOINT');
    if (!['text', 'hex', 'json'].includes(v.format)) throw new Error(`--format must be text, hex or json, got '${v.format}'`);
    if (v.hex)
      for (const f of v.send)
        if (!/^([0-9a-fA-F]{2})*$/.test(f)) throw new Error(`--send frame '${f}' is not hex (use pairs of hex digits)`);
    if (v.send.length && RECEIVE_ONLY.has(type)) throw new Error(`a ${type} socket cannot send`);
    if (SINGLE_PART.has(type) && v.send.length > 1) throw new Error(`${type} messages have one frame: give one --send`);
    if (type === 'RADIO' && v.group === undefined) throw new Error('a RADIO socket needs --group GROUP to publish to');
    if (type !== 'RADIO' && v.group !== undefined) throw new Error('--group is for RADIO sockets');
    if (type === 'DISH' && v.join.length === 0) throw new Error('a DISH socket needs at least one --join GROUP');
    if (type !== 'DISH' && v.join.length) throw new Error('--join is for DISH sockets');
    for (const g of [v.group, ...v.join]) {
      if (g !== undefined && Buffer.byteLength(g) > 255) throw new Error(`group '${g.slice(0, 20)}...' is longer than 255 bytes`);
    }
    const options: Record<string, unknown> = {};
    for (const o of v.option) {
      const eq = o.indexOf('=');
      if (eq <= 0) throw new Error(`--option takes NAME=VALUE, got '${o}'`);
      options[o.slice(0, eq)] = optionValue(o.slice(eq + 1));
    }
    if (v['routing-id'] !== undefined) options.routingId = v['routing-id'];
    if (v.plain !== undefined) {
      const colon = v.plain.indexOf(':');
      if (colon < 0) throw new Error('--plain takes USER:PASSWORD');
      options.plainUsername = v.plain.slice(0, colon);
      options.plainPassword = v.plain.slice(colon + 1);
    }
    if (v['plain-server']) options.plainServer = true;
    if (v['curve-server'] !== undefined) {
      options.curveServer = true;
      options.curveSecretKey = v['curve-server'];
    }
    if (v['curve-client'] !== undefined) {
      const keys = engine.curveKeyPair();
      options.curveServerKey = v['curve-client'];
      options.curvePublicKey = keys.publicKey;
      options.curveSecretKey = keys.secretKey;
    }
    return {
      type,
      binds: v.bind,
      connects: v.connect,
      send: v.send,
      delimiter: v.delimiter,
      hex: v.hex,
      format: v.format as SocketArgs['format'],
      count: positiveInt('--count', v.count),
      timeout: positiveInt('--timeout', v.timeout),
      subscribe: v.subscribe,
      reply: v.reply,
      group: v.group,
      join: v.join,
      options,
      events: v.events,
    };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** A received message: its frames, and the routing id or group draft sockets return beside them. */
interface Received {
  frames: Buffer[];
  routingId?: number;
  group?: string;
}

function normalise(result: unknown): Received {
  const [first, meta] = result as [Buffer, unknown];
  if (meta !== undefined && !Buffer.isBuffer(meta)) {
    const m = meta as { routingId?: number; group?: Buffer | string };
    return { frames: [first], routingId: m.routingId, group: m.group === undefined ? undefined : String(m.group) };
  }
  return { frames: result as Buffer[] };
}

function formatReceived(r: Received, format: SocketArgs['format']): string {
  const body = formatMessage(r.frames, format);
  if (format === 'json' && (r.routingId !== undefined || r.group !== undefined)) {
    return JSON.stringify({ frames: r.frames.map((f) => f.toString('hex')), routingId: r.routingId, group: r.group });
  }
  if (r.routingId !== undefined) return `[${r.routingId}] ${body}`;
  if (r.group !== undefined) return `[${r.group}] ${body}`;
  return body;
}

function formatMessage(frames: Buffer[], format: SocketArgs['format']): string {
  if (format === 'json') return JSON.stringify(frames.map((f) => f.toString('hex')));
  if (format === 'hex') return frames.map((f) => f.toString('hex')).join(' ');
  // oxlint-disable-next-line no-control-regex -- control characters are what it replaces
  return frames.map((f) => f.toString('utf8').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '.')).join(' | ');
}

function toFrames(text: string, args: SocketArgs): Buffer[] {
  const parts = args.delimiter ? text.split(args.delimiter) : [text];
  if (parts.length > 1 && SINGLE_PART.has(args.type))
    throw new Error(`${args.type} messages have one frame, this line has ${parts.length}`);
  return parts.map((p) => {
    if (!args.hex) return Buffer.from(p, 'utf8');
    if (!/^([0-9a-fA-F]{2})*$/.test(p)) throw new Error(`'${p}' is not hex`);
    return Buffer.from(p, 'hex');
  });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseSocketArgs(argv);
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`zmtp socket: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const args: SocketArgs = parsed;
  let instance: Socket;
  try {
    instance = new (socketClass(args.type) as new (options?: Record<string, unknown>) => Socket)(args.options);
  } catch (err) {
    process.stderr.write(`zmtp socket: ${errorText(err)}\n`);
    return 2;
  }
  // The type is chosen at run time; send and receive are used only where it has them (SEND_ONLY, RECEIVE_ONLY).
  const socket = instance as AnySocket;
  if (DRAFT.has(args.type))
    process.stderr.write(`${args.type} is a draft socket type: a libzmq peer needs a draft build (ZMQ_BUILD_DRAFT_API)\n`);
  /** PEER: the routing ids of the peers it connected to, which its messages go to. */
  const peerIds: number[] = [];
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let status = 0;
  let received = 0;
  let idle: NodeJS.Timeout | undefined;
  const done = new AbortController();
  const finish = (code: number) => {
    status = Math.max(status, code);
    done.abort();
  };
  const armTimeout = () => {
    if (!args.timeout) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      process.stderr.write(`zmtp socket: nothing received for ${args.timeout} ms\n`);
      finish(1);
    }, args.timeout);
  };
  const onSigint = () => finish(0);
  process.on('SIGINT', onSigint);

  if (args.events) {
    void (async () => {
      try {
        for await (const e of socket.events) {
          const extra = 'error' in e && e.error ? ` (${errorText(e.error)})` : '';
          process.stderr.write(`event ${e.type} ${'address' in e ? e.address : ''}${extra}\n`);
        }
      } catch {
        /* socket closed */
      }
    })();
  }

  try {
    for (const ep of args.binds) {
      await socket.bind(ep);
      if (/:\*$|:0$/.test(ep)) process.stderr.write(`bound ${(socket as { lastEndpoint?: string }).lastEndpoint}\n`);
    }
    for (const ep of args.connects) {
      if (args.type === 'PEER') peerIds.push((instance as engine.Peer).connectPeer(ep));
      else socket.connect(ep);
    }
    if (args.type === 'DISH') {
      (instance as engine.Dish).join(...args.join);
    } else if (args.type === 'SUB') {
      const sub = instance as engine.Subscriber;
      if (args.subscribe.length === 0) sub.subscribe();
      else for (const t of args.subscribe) sub.subscribe(t);
    } else if (args.type === 'XSUB') {
      for (const t of args.subscribe) await socket.send(Buffer.concat([Buffer.from([1]), Buffer.from(t)]));
    }
  } catch (err) {
    process.stderr.write(`zmtp socket: ${errorText(err)}\n`);
    socket.close();
    process.off('SIGINT', onSigint);
    return 1;
  }

  // Messages to send: --send first, then stdin lines when stdin is not a terminal.
  async function* outgoing(): AsyncGenerator<Buffer[]> {
    if (args.send.length) yield args.send.map((f) => Buffer.from(f, args.hex ? 'hex' : 'utf8'));
    if (!process.stdin.isTTY && !(args.send.length && args.type === 'REQ')) {
      // The signal closes the reader once done (-n reached, SIGINT), so an open stdin does not keep it waiting.
      for await (const line of createInterface({ input: process.stdin, signal: done.signal })) {
        if (done.signal.aborted) return;
        try {
          yield toFrames(line, args);
        } catch (err) {
          process.stderr.write(`zmtp socket: skipped line: ${errorText(err)}\n`);
        }
      }
    }
  }

  const receiveOne = async (): Promise<Received | undefined> => {
    armTimeout();
    try {
      const result = await Promise.race([
        socket.receive(),
        new Promise<undefined>((resolve) => done.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
      ]);
      const msg = result === undefined ? undefined : normalise(result);
      if (msg) {
        say(formatReceived(msg, args.format));
        received++;
        if (args.count && received >= args.count) finish(0);
      }
      return msg;
    } finally {
      clearTimeout(idle);
    }
  };

  try {
    if (args.type === 'REQ') {
      for await (const msg of outgoing()) {
        await socket.send(msg);
        if (!(await receiveOne()) || done.signal.aborted) break;
      }
    } else if (args.type === 'REP' || args.type === 'SERVER' || (args.type === 'PEER' && peerIds.length === 0)) {
      while (!done.signal.aborted) {
        const request = await receiveOne();
        if (!request) break;
        const reply = args.reply !== undefined ? toFrames(args.reply, args) : request.frames;
        if (ROUTED.has(args.type)) await (instance as engine.Server).send(reply[0], { routingId: request.routingId! });
        else await socket.send(reply);
        if (done.signal.aborted) break;
      }
    } else {
      const receiving =
        RECEIVE_ONLY.has(args.type) || !SEND_ONLY.has(args.type)
          ? (async () => {
              while (!done.signal.aborted && (await receiveOne()));
            })()
          : undefined;
      // Awaited below; after a send error it ends by the socket's close, which must not become an unhandled rejection.
      receiving?.catch(() => {});
      if (!RECEIVE_ONLY.has(args.type)) {
        for await (const msg of outgoing()) {
          if (done.signal.aborted) break;
          if (args.type === 'RADIO') await (instance as engine.Radio).send(msg[0], { group: args.group! });
          else if (args.type === 'PEER') for (const routingId of peerIds) await (instance as engine.Peer).send(msg[0], { routingId });
          else await socket.send(SINGLE_PART.has(args.type) ? msg[0] : msg);
        }
        if (!receiving) finish(0);
      }
      await receiving;
    }
  } catch (err) {
    const e = err as { code?: string; message: string };
    process.stderr.write(`zmtp socket: ${e.code ? `${e.code}: ` : ''}${errorText(e)}\n`);
    status = 1;
  } finally {
    process.off('SIGINT', onSigint);
    clearTimeout(idle);
    socket.close();
  }
  return status;
}
