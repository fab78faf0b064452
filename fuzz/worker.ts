// One fuzzing target, run by fuzz/index.ts in its own process so a hang or crash can be caught and
// reported: `decoder` decodes mutated capture files; `engine` feeds mutated ZMTP conversations from
// raw TCP peers to engine sockets of every type while a libzmq peer (zeromq.js) sends numbered
// messages, which must all arrive. Prints JSON lines: progress (iteration, RSS), findings, a summary.
// Before each mutant it writes the mutant to OUT/current.bin, so the parent can keep the one that hung.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as zmq from 'zeromq';
import * as engine from '../core/internal.js';
import { CaptureError } from '../core/capture/index.js';
import { decodeCapture } from '../core/inspect/index.js';
import { encodeFrame } from '../core/zmtp/index.js';
import { buildCapture, zmtpOpening } from '../test/helpers/zmtp-capture.js';
import { mutate } from './mutate.js';

const [target, seedArg, secondsArg, out] = process.argv.slice(2);
const seed = Number(seedArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
let peakRss = 0;
let iter = 0;
const progress = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  print({ iter, rss: peakRss });
};
process.on('uncaughtException', (e) => {
  print({ crash: { iter, error: String(e.stack ?? e) } });
  process.exit(2);
});

const frame = (s: string | Buffer, more = false, command = false) =>
  encodeFrame('v3', Buffer.isBuffer(s) ? s : Buffer.from(s), more, command);

/** ZMTP conversations a fuzzer mutates: messages, multipart, subscriptions, a command, long frames. */
function conversation(peerType: string): Buffer {
  return Buffer.concat([
    zmtpOpening(peerType),
    frame('hello'),
    frame('part', true),
    frame(''),
    frame(Buffer.alloc(300, 7)),
    frame('\x01topic'),
    frame(Buffer.from('\x04PING\x00\x0a', 'latin1'), false, true),
  ]);
}

async function fuzzDecoder(): Promise<void> {
  const seeds = [
    buildCapture([{ c2s: conversation('DEALER'), s2c: conversation('ROUTER'), fin: true }]),
    buildCapture([
      { c2s: conversation('PUB'), s2c: zmtpOpening('SUB', true) },
      { c2s: conversation('PUSH'), s2c: zmtpOpening('PULL', true), fin: true },
    ]),
  ];
  while (Date.now() < deadline) {
    const mutant = mutate(seeds[iter % 2], seeds[(iter + 1) % 2], seed * 1_000_003 + iter);
    writeFileSync(join(out, 'current.bin'), mutant);
    try {
      await decodeCapture(Readable.from([mutant]), { onRecord: () => {} });
    } catch (e) {
      // A capture file the reader refuses is an answer, not a crash.
      if (!(e instanceof CaptureError)) print({ crash: { iter, error: String((e as Error).stack ?? e) } });
    }
    iter++;
    if (iter % 200 === 0) progress();
  }
}

const TYPES: Array<[string, string]> = [
  ['Pull', 'PUSH'],
  ['Subscriber', 'PUB'],
  ['Publisher', 'SUB'],
  ['Router', 'DEALER'],
  ['Dealer', 'DEALER'],
  ['Reply', 'REQ'],
  ['Pair', 'PAIR'],
  ['XPublisher', 'SUB'],
];

async function fuzzEngine(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const sockets: any[] = [];
  for (const [cls] of TYPES) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = new (engine as any)[cls]({ linger: 0 });
    await s.bind('tcp://127.0.0.1:*');
    if (cls === 'Subscriber') s.subscribe();
    sockets.push(s);
  }
  // The healthy peer: a libzmq PUSH into our PULL, numbered, checked at the end.
  const pull = sockets[0];
  const push = new zmq.Push({ linger: 0 });
  push.connect(pull.lastEndpoint);
  let sent = 0;
  let received = 0;
  let disorder = 0;
  const reading = (async () => {
    for (;;) {
      const [m] = await pull.receive();
      const text = m.toString();
      if (!text.startsWith('good ')) continue; // fuzzed peers' messages arrive too
      if (Number(text.slice(5)) !== received) disorder++;
      received++;
    }
  })();
  void reading.catch(() => {});
  const seeds = TYPES.map(([, peer]) => conversation(peer));
  while (Date.now() < deadline) {
    const k = iter % TYPES.length;
    const mutant = mutate(seeds[k], seeds[(k + 1) % seeds.length], seed * 1_000_003 + iter);
    writeFileSync(join(out, 'current.bin'), mutant);
    const port = Number(String(sockets[k].lastEndpoint).split(':').pop());
    await new Promise<void>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.end(mutant));
      c.on('data', () => {});
      c.on('error', () => resolve());
      c.on('close', () => resolve());
      setTimeout(() => {
        c.destroy();
        resolve();
      }, 100);
    });
    await push.send(`good ${sent++}`);
    iter++;
    if (iter % 50 === 0) progress();
  }
  for (let i = 0; i < 100 && received < sent; i++) await new Promise((r) => setTimeout(r, 50));
  print({ healthy: { sent, received, disorder } });
  push.close();
  for (const s of sockets) s.close();
}

if (target === 'decoder') await fuzzDecoder();
else if (target === 'engine') await fuzzEngine();
else throw new Error(`unknown target ${target}`);
progress();
print({ done: iter });
process.exit(0);
