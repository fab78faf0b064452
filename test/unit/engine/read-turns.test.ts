// A large read is decoded over several event-loop turns (issue 11: one 1 MiB read of subscriptions held
// the loop for hundreds of ms). A raw TCP peer puts 8,000 small messages into the kernel in one write
// before our Connection starts reading, so without pacing they would all be decoded in the first turn.
// Turns are counted with a setImmediate ticker (never timed): each message is tagged with the turn in
// which it reached the pipe. Frames stay in order, nothing is lost, a full pipe stops the decoding
// until the reader makes room, and a peer that closes right after its flood still has it all delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Connection, type ConnectionHost } from '../../../core/engine/connection/connection.js';
import { FRAMES_PER_TURN } from '../../../core/engine/connection/loop-turn.js';
import { adoptAccepted } from '../../../core/engine/transports/reader.js';
import { createEngineMechanism } from '../../../core/engine/mechanism-factory.js';
import { Pipe } from '../../../core/engine/pipe.js';
import { defaultOptions } from '../../../core/engine/options.js';
import type { ConnectionEnd } from '../../../core/engine/connection/close-cause.js';
import { encodeFrame, encodeGreetingV3, readyCommand } from '../../../core/zmtp/index.js';
import { turnCounter } from '../../helpers/turns.js';

const COUNT = 8000;

/** Waits until `cond` holds, checking once per turn (up to a generous bound of turns). */
async function untilTurns(cond: () => boolean, what: string, maxTurns = 200_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${what} did not happen within ${maxTurns} turns`);
}

interface Arrival {
  turn: number;
  n: number;
}

/**
 * A PULL-side Connection over a real accepted tcp socket (read through the SlabReader, as sockets do),
 * fed by a raw peer that wrote greeting, READY and COUNT numbered messages (then FIN) before we read.
 * `hwm`: the most messages the connection may queue for the reader before it is refused (0: no limit).
 */
async function floodedConnection(hwm: number, ticker: { readonly turn: number }) {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const peer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  peer.on('error', () => {});
  peer.on('data', () => {});
  await new Promise((r) => peer.once('connect', r));
  const frames: Buffer[] = [encodeGreetingV3('NULL', false), encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUSH' }), false, true)];
  for (let i = 0; i < COUNT; i++) frames.push(encodeFrame('v3', Buffer.from(String(i).padStart(8, '0')), false, false));
  const all = Buffer.concat(frames);
  await new Promise<void>((r) => peer.end(all, () => r()));
  const raw = await accepted;
  server.close();

  const [socketEnd, connEnd] = Pipe.pair(0, hwm);
  const arrivals: Arrival[] = [];
  const reader = { reading: true };
  const take = (p: Pipe) => {
    for (let m = p.read(); m !== undefined; m = p.read()) arrivals.push({ turn: ticker.turn, n: Number(m[0].toString()) });
  };
  socketEnd.owner = {
    readActivated: (p) => {
      if (reader.reading) take(p);
    },
    writeActivated: () => {},
    pipeTerminated: () => {},
  };
  let ended: { end: ConnectionEnd; delivered: number } | undefined;
  const host: ConnectionHost = {
    socketType: 'PULL',
    options: { ...defaultOptions(), maxMessageSize: -1, handshakeInterval: 30_000, heartbeatInterval: 0, routingId: null },
    createMechanism: (peerAddress) =>
      createEngineMechanism('NULL', {
        asServer: false,
        properties: { 'Socket-Type': 'PULL' },
        zapDomain: '',
        peerAddress,
        socketOptions: {},
      }),
    attach: () => connEnd,
    closed: (_conn, end) => {
      ended = { end, delivered: arrivals.length + socketEnd.readable };
    },
  };
  const { socket, reader: slab } = adoptAccepted(raw);
  assert.ok(slab, 'the accepted socket reads through a SlabReader, as engine sockets do');
  new Connection(socket, host, 'tcp://127.0.0.1:0', false, slab);
  return {
    arrivals,
    socketEnd,
    reader,
    take,
    get ended() {
      return ended;
    },
    peer,
    bytes: all.length,
  };
}

test(`8,000 messages read at once are decoded over several loop turns, at most ${FRAMES_PER_TURN} frames a turn, in order, none lost`, async () => {
  const ticker = turnCounter();
  try {
    const c = await floodedConnection(0, ticker);
    await untilTurns(() => c.ended !== undefined, 'the connection end');
    assert.equal(c.arrivals.length, COUNT, 'every message arrived');
    assert.deepEqual(
      c.arrivals.map((a) => a.n),
      Array.from({ length: COUNT }, (_, i) => i),
      'in order',
    );
    const perTurn = new Map<number, number>();
    for (const a of c.arrivals) perTurn.set(a.turn, (perTurn.get(a.turn) ?? 0) + 1);
    const most = Math.max(...perTurn.values());
    assert.ok(most <= FRAMES_PER_TURN, `at most ${FRAMES_PER_TURN} frames decoded in one turn, saw ${most}`);
    assert.ok(perTurn.size >= Math.ceil(COUNT / FRAMES_PER_TURN), `spread over ${perTurn.size} turns`);
    // The peer's FIN came behind its flood: reported once everything before it was delivered.
    assert.equal(c.ended!.delivered, COUNT, 'the close is seen after the last message');
    assert.match(c.ended!.end.reason, /peer closed/);
  } finally {
    ticker.stop();
  }
});

test('a full pipe stops the decoding of a large read until the reader makes room; then the rest follows in order', async () => {
  const ticker = turnCounter();
  try {
    const hwm = 100;
    const c = await floodedConnection(hwm, ticker);
    c.reader.reading = false;
    // Nothing is read: the connection decodes one turn's worth (forced past the HWM), then waits.
    await untilTurns(() => c.socketEnd.readable > hwm, 'the pipe filling');
    const start = ticker.turn;
    await untilTurns(() => ticker.turn - start > 50, 'fifty turns');
    const held = c.socketEnd.readable;
    assert.ok(held <= FRAMES_PER_TURN, `with the pipe full, at most one turn of frames is queued: ${held} of ${COUNT}`);
    assert.equal(c.ended, undefined, 'still open (the FIN behind the flood is not read yet)');
    c.reader.reading = true;
    c.take(c.socketEnd);
    await untilTurns(() => c.ended !== undefined, 'the connection end');
    c.take(c.socketEnd);
    assert.deepEqual(
      c.arrivals.map((a) => a.n),
      Array.from({ length: COUNT }, (_, i) => i),
      'all, in order',
    );
  } finally {
    ticker.stop();
  }
});
