// Malformed and hostile input: every problem becomes a record, nothing throws, and other connections
// keep decoding. Streams are built with the codec's encoders plus deliberate damage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpConnection, TcpStreamEvent } from '../../../core/capture/types.js';
import { Inspector, type InspectorOptions } from '../../../core/inspect/inspector.js';
import type { InspectRecord, ErrorRecord, MessageRecord, CommandRecord } from '../../../core/inspect/records.js';
import { findResync } from '../../../core/inspect/resync.js';
import {
  encodeGreetingV3,
  encodeFrame,
  encodeMessage,
  readyCommand,
  errorCommand,
  pingCommand,
  pongCommand,
  encodeCommand,
} from '../../../core/zmtp/index.js';
import { rng } from './relay.js';
import { codesOf, problem, problemsOf } from '../../helpers/problems.js';

let nextId = 100;
function conn(midstream = false, v6 = false): TcpConnection {
  const id = nextId++;
  return v6
    ? { id, client: { ip: '2001:db8::1', port: 40000 + id }, server: { ip: '2001:db8::2', port: 5555 }, midstream }
    : { id, client: { ip: '10.0.0.1', port: 40000 + id }, server: { ip: '10.0.0.2', port: 5555 }, midstream };
}

function run(events: TcpStreamEvent[], opts: Partial<InspectorOptions> = {}) {
  const records: InspectRecord[] = [];
  const inspector = new Inspector({ ...opts, onRecord: (r) => records.push(r) });
  for (const e of events) inspector.push(e);
  inspector.end();
  // Clean records: no field is present-but-undefined, and `type` comes first (readable JSON lines).
  for (const r of records) {
    assert.equal(Object.keys(r)[0], 'type');
    for (const [k, v] of Object.entries(r)) assert.notEqual(v, undefined, `${r.type}.${k} is undefined`);
  }
  return { records, inspector };
}

let clock = 1_700_000_000;
const data = (c: TcpConnection, dir: 'c2s' | 's2c', bytes: Buffer): TcpStreamEvent => ({
  kind: 'data',
  conn: c,
  dir,
  ts: clock++,
  data: bytes,
});
const open = (c: TcpConnection): TcpStreamEvent => ({ kind: 'open', conn: c, ts: clock++ });
const close = (c: TcpConnection): TcpStreamEvent => ({ kind: 'close', conn: c, ts: clock++, reason: 'fin' });

/** A NULL 3.1 handshake in both directions. */
function handshake(c: TcpConnection, client = 'DEALER', server = 'ROUTER'): TcpStreamEvent[] {
  return [
    open(c),
    data(
      c,
      'c2s',
      Buffer.concat([encodeGreetingV3('NULL', false), encodeFrame('v3', readyCommand({ 'Socket-Type': client }), false, true)]),
    ),
    data(
      c,
      's2c',
      Buffer.concat([encodeGreetingV3('NULL', false), encodeFrame('v3', readyCommand({ 'Socket-Type': server }), false, true)]),
    ),
  ];
}

const errorsOf = (rs: InspectRecord[], c?: TcpConnection) =>
  rs.filter((r): r is ErrorRecord => r.type === 'error' && (!c || r.conn === c.id));
const msgsOf = (rs: InspectRecord[], c: TcpConnection) => rs.filter((r): r is MessageRecord => r.type === 'message' && r.conn === c.id);
const hex = (s: string) => Buffer.from(s).toString('hex');

function goodTraffic(c: TcpConnection, n: number): TcpStreamEvent[] {
  const evs = handshake(c);
  for (let i = 0; i < n; i++) evs.push(data(c, 'c2s', encodeMessage('v3', [Buffer.from(`m${i}`), Buffer.from('x')])));
  return evs;
}

test('garbage after a valid greeting: one error at the right offset, then frames found again', () => {
  const bad = conn();
  const good = conn();
  const greetingAndReady = 64 + encodeFrame('v3', readyCommand({ 'Socket-Type': 'DEALER' }), false, true).length;
  const events = [
    ...handshake(bad),
    ...goodTraffic(good, 2),
    data(
      bad,
      'c2s',
      Buffer.concat([
        Buffer.from([0xf0, 0xf1, 0xf2, 0xf3, 0xf4]),
        ...[0, 1, 2, 3].map((i) => encodeMessage('v3', [Buffer.from(`after ${i}`)])),
      ]),
    ),
    close(bad),
    close(good),
  ];
  const { records } = run(events);
  const errs = errorsOf(records, bad);
  assert.deepEqual(problemsOf(errs.slice(0, 1)), [problem('ZMTP_MALFORMED_FRAME', 'reserved frame flag bits set (0xf0)')]);
  assert.equal(errs[0].offset, greetingAndReady);
  assert.deepEqual(problemsOf(errs.slice(1)), [problem('ZMTP_RESYNC_SKIPPED', 5)]);
  const after = msgsOf(records, bad);
  assert.deepEqual(
    after.map((m) => m.frames),
    [0, 1, 2, 3].map((i) => [hex(`after ${i}`)]),
  );
  assert.ok(after.every((m) => m.heuristic));
  assert.deepEqual(errorsOf(records, good), []);
  assert.equal(msgsOf(records, good).length, 2);
});

test('after a malformed frame, decoding resumes at the same byte however the stream was cut into chunks', () => {
  // A bad header after a message, then good messages: cut in two at every byte, and with the bad header's
  // bytes split across chunks, the resync must start right after the bad header's first byte each time
  // (the decoder holds a header that began in an earlier chunk; once, that whole next chunk was dropped).
  const good = encodeMessage('v3', [Buffer.from('before')]);
  const badHeaders = [
    Buffer.from([0xf0, 0x05]), // reserved flag bits
    Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // an absurd long size
  ];
  for (const bad of badHeaders) {
    const after = [0, 1, 2, 3].map((i) => encodeMessage('v3', [Buffer.from(`after ${i}`), Buffer.from('x'.repeat(i * 3))]));
    const stream = Buffer.concat([good, bad, ...after]);
    const shape = (cuts: number[]) => {
      const c = conn();
      const pieces: Buffer[] = [];
      let from = 0;
      for (const cut of [...cuts, stream.length]) {
        pieces.push(stream.subarray(from, cut));
        from = cut;
      }
      const { records } = run([...handshake(c), ...pieces.filter((p) => p.length).map((p) => data(c, 'c2s', p)), close(c)]);
      return {
        messages: msgsOf(records, c).map((m) => m.frames),
        errors: errorsOf(records, c).map((e) => [e.code, e.offset, e.message]),
      };
    };
    const whole = shape([]);
    assert.equal(whole.messages.length, 5, 'the message before and the four after');
    assert.equal(whole.errors[0][0], 'ZMTP_MALFORMED_FRAME');
    for (let cut = 1; cut < stream.length; cut++) assert.deepEqual(shape([cut]), whole, `cut at ${cut}`);
    // Every byte its own chunk: the header is held byte by byte.
    assert.deepEqual(shape(Array.from({ length: stream.length - 1 }, (_, i) => i + 1)), whole, 'one byte a chunk');
  }
});

test('absurd frame lengths are errors, not allocations; a claim cut short by the close is reported', () => {
  const a = conn();
  const b = conn();
  const huge = Buffer.alloc(9);
  huge[0] = 0x02; // LONG
  huge.writeBigUInt64BE(2n ** 62n, 1);
  const big = Buffer.alloc(9);
  big[0] = 0x02;
  big.writeBigUInt64BE(100_000_000n, 1);
  const { records } = run([
    ...handshake(a),
    data(a, 'c2s', huge),
    close(a),
    ...handshake(b),
    data(b, 'c2s', Buffer.concat([big, Buffer.alloc(1000)])),
    close(b),
  ]);
  assert.equal(errorsOf(records, a)[0].code, 'ZMTP_MALFORMED_FRAME');
  assert.match(errorsOf(records, a)[0].message, /4611686018427387904/);
  assert.deepEqual(problemsOf(errorsOf(records, b)), [problem('ZMTP_ENDED_IN_FRAME', 1009)]);
});

test('a smaller maxFrameSize turns big claims into errors too', () => {
  const a = conn();
  const { records } = run([...handshake(a), data(a, 'c2s', encodeMessage('v3', [Buffer.alloc(5000)])), close(a)], { maxFrameSize: 4096 });
  assert.equal(errorsOf(records, a)[0].code, 'ZMTP_MALFORMED_FRAME');
  assert.match(errorsOf(records, a)[0].message, /5000\b.*\b4096/);
});

test('non-ZMTP TCP gets one "not ZMTP" note per connection however many packets, and nothing else', () => {
  const http = conn();
  const events: TcpStreamEvent[] = [open(http)];
  for (let i = 0; i < 50; i++) {
    events.push(data(http, 'c2s', Buffer.from(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`)));
    events.push(data(http, 's2c', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
  }
  events.push(close(http));
  const { records, inspector } = run(events);
  assert.deepEqual(
    records.map((r) => r.type),
    ['error', 'close'],
  );
  assert.deepEqual(problemsOf([records[0] as ErrorRecord]), [problem('NOT_ZMTP_NOT_ZWS', 'GET /0 HTTP/1.1')]);
  const info = inspector.connection(http.id)!;
  assert.equal(info.state, 'not-zmtp');
  assert.equal(info.stateCode, 'NOT_ZMTP_NOT_ZWS');
  assert.equal(
    info.counts.c2s.wireBytes,
    events.filter((e) => e.kind === 'data' && e.dir === 'c2s').reduce((n, e) => n + (e as { data: Buffer }).data.length, 0),
  );
});

test('random bytes seen mid-stream: searched within a bound, then one "not ZMTP" note', () => {
  const c = conn(true);
  const random = rng(7);
  const events: TcpStreamEvent[] = [open(c)];
  for (let i = 0; i < 40; i++) {
    const b = Buffer.alloc(1000);
    // TLS-like record bytes: reserved flag bits set in most positions.
    for (let k = 0; k < b.length; k++) b[k] = 0x17 + Math.floor(random() * 200);
    events.push(data(c, i % 2 ? 's2c' : 'c2s', b));
  }
  events.push(close(c));
  const { records } = run(events, { resyncGiveUpBytes: 8000 });
  const errs = errorsOf(records, c);
  assert.deepEqual(codesOf(errs), ['NOT_ZMTP_NO_FRAMES']);
  assert.equal(errs[0].severity, 'note');
});

test('a gap: recorded, the message it cut is reported lost, decoding resumes on the next frames', () => {
  const c = conn();
  const events = [
    ...handshake(c),
    data(c, 'c2s', encodeMessage('v3', [Buffer.from('before')])),
    data(c, 'c2s', encodeMessage('v3', [Buffer.from('part one'), Buffer.from('part two')]).subarray(0, 12)),
    { kind: 'gap', conn: c, dir: 'c2s', ts: clock++, bytes: 50 } as TcpStreamEvent,
    data(
      c,
      'c2s',
      Buffer.concat([
        Buffer.from('tail of the lost frame'),
        Buffer.alloc(12),
        ...[1, 2, 3].map((i) => encodeMessage('v3', [Buffer.from(`after ${i}`)])),
      ]),
    ),
    close(c),
  ];
  const { records } = run(events);
  const types = records.filter((r) => r.conn === c.id).map((r) => r.type);
  assert.ok(types.includes('gap'));
  assert.deepEqual(problemsOf(errorsOf(records, c)), [problem('ZMTP_GAP_IN_MESSAGE', 1), problem('ZMTP_RESYNC_SKIPPED', 34)]);
  assert.deepEqual(
    msgsOf(records, c).map((m) => [m.frames, m.heuristic ?? false]),
    [
      [[hex('before')], false],
      [[hex('after 1')], true],
      [[hex('after 2')], true],
      [[hex('after 3')], true],
    ],
  );
});

test('ERROR, PING/PONG, unknown and malformed commands; mechanism mismatch; bad greeting', () => {
  const c = conn(false, true);
  const m = conn();
  const g = conn();
  const badMech = encodeGreetingV3('NULL', false);
  badMech[12] = 0x01;
  const { records, inspector } = run([
    ...handshake(c),
    data(
      c,
      'c2s',
      Buffer.concat([
        encodeFrame('v3', pingCommand(30, Buffer.from('ctx')), false, true),
        encodeFrame('v3', encodeCommand('X-CUSTOM', Buffer.from([1, 2])), false, true),
        encodeFrame('v3', Buffer.from([9, 0x41]), false, true),
      ]),
    ),
    data(
      c,
      's2c',
      Buffer.concat([
        encodeFrame('v3', pongCommand(Buffer.from('ctx')), false, true),
        encodeFrame('v3', errorCommand('go away'), false, true),
      ]),
    ),
    close(c),
    open(m),
    data(m, 'c2s', encodeGreetingV3('PLAIN', false)),
    data(m, 's2c', encodeGreetingV3('CURVE', true)),
    close(m),
    open(g),
    data(g, 'c2s', badMech),
    close(g),
  ]);
  const cmds = records.filter((r): r is CommandRecord => r.type === 'command' && r.conn === c.id);
  assert.deepEqual(
    cmds.map((x) => x.name),
    ['READY', 'READY', 'PING', 'X-CUSTOM', 'PONG', 'ERROR'],
  );
  assert.equal(cmds[2].ttl, 30);
  assert.equal(cmds[2].context, hex('ctx'));
  assert.deepEqual(cmds[3].fields, { data: '0102' });
  assert.equal(cmds[4].context, hex('ctx'));
  assert.equal(cmds[5].reason, 'go away');
  assert.equal(cmds[0].src, '[2001:db8::1]:' + c.client.port);
  assert.equal(cmds[0].dst, '[2001:db8::2]:5555');
  assert.deepEqual(problemsOf(errorsOf(records, c)), [problem('ZMTP_MALFORMED_COMMAND', 2)]);
  const info = inspector.connection(c.id)!;
  assert.deepEqual([info.stateCode, info.stateReason], ['ZMTP_PEER_ERROR', problem('ZMTP_PEER_ERROR', 'server', 'go away').message]);
  assert.deepEqual(problemsOf(errorsOf(records, m)), [problem('ZMTP_MECHANISM_MISMATCH', 'PLAIN', 'CURVE')]);
  assert.deepEqual(codesOf(errorsOf(records, g)), ['ZMTP_BAD_GREETING']);
  assert.equal(inspector.connection(g.id)!.stateCode, 'ZMTP_BAD_GREETING');
});

test('a connection that ends during the greeting or inside a multipart message says so', () => {
  const a = conn();
  const b = conn();
  const { records } = run([
    open(a),
    data(a, 'c2s', encodeGreetingV3('NULL', false).subarray(0, 11)),
    close(a),
    ...handshake(b),
    data(b, 'c2s', encodeFrame('v3', Buffer.from('first'), true)),
    close(b),
  ]);
  assert.deepEqual(problemsOf(errorsOf(records, a)), [problem('ZMTP_ENDED_IN_GREETING', 11)]);
  assert.deepEqual(problemsOf(errorsOf(records, b)), [problem('ZMTP_ENDED_IN_MESSAGE', 1)]);
});

test('findResync: needs several plausible frames, waits when unsure, rejects implausible headers', () => {
  const frames = Buffer.concat([0, 1, 2].map((i) => encodeMessage('v3', [Buffer.from(`frame ${i}`)])));
  assert.deepEqual(findResync(Buffer.concat([Buffer.from([0xff, 0xfe, 0xfd]), frames]), ['v3']), {
    status: 'found',
    offset: 3,
    framing: 'v3',
  });
  assert.equal(findResync(frames.subarray(0, 12), ['v3']).status, 'wait');
  assert.deepEqual(findResync(Buffer.from([0xf8, 0xf9, 0xfa]), ['v3']), { status: 'none', discard: 3 });
  // A long-form header for a short body is not what senders write.
  const longShort = Buffer.from([0x02, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
  assert.notDeepEqual(findResync(Buffer.concat([longShort, frames]), ['v3']), { status: 'found', offset: 0, framing: 'v3' });
});

test('READY whose other values mention "Identity": the real binary identity is taken', () => {
  const c = conn();
  const { inspector } = run([
    open(c),
    data(
      c,
      'c2s',
      Buffer.concat([
        encodeGreetingV3('NULL', false),
        encodeFrame('v3', readyCommand({ 'Socket-Type': 'DEALER', 'X-Note': 'Identity', Identity: Buffer.from([0, 0xff]) }), false, true),
      ]),
    ),
    close(c),
  ]);
  assert.equal(inspector.connection(c.id)!.identities.c2s, '00ff');
});

test('seeded random commands under every mechanism: fields or problems, never a throw', () => {
  const names = ['READY', 'ERROR', 'SUBSCRIBE', 'CANCEL', 'PING', 'PONG', 'HELLO', 'WELCOME', 'INITIATE', 'MESSAGE', 'JOIN'];
  for (const mechanism of ['NULL', 'PLAIN', 'CURVE']) {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed * 7 + mechanism.length);
      const c = conn();
      const frames: Buffer[] = [];
      for (let i = 0; i < 5; i++) {
        const body = Buffer.alloc(Math.floor(random() * (random() < 0.2 ? 300 : 40)));
        for (let k = 0; k < body.length; k++) body[k] = Math.floor(random() * 256);
        // Sometimes a plausible layout: length-prefixed strings, as PLAIN and metadata use.
        if (body.length > 2 && random() < 0.5) body[0] = Math.floor(random() * body.length);
        frames.push(encodeFrame('v3', encodeCommand(names[Math.floor(random() * names.length)], body), false, true));
      }
      const { records } = run([
        open(c),
        data(c, 'c2s', Buffer.concat([encodeGreetingV3(mechanism, false), ...frames])),
        data(c, 's2c', encodeGreetingV3(mechanism, true)),
        close(c),
      ]);
      const cmds = records.filter((r) => r.type === 'command');
      assert.equal(cmds.length, 5, `${mechanism} seed ${seed}`);
      assert.ok(records.every((r) => JSON.parse(JSON.stringify(r)).type === r.type));
    }
  }
});

test('mid-stream roles: the side on a fixed port is taken as the server even if it spoke first', () => {
  const c: TcpConnection = {
    id: nextId++,
    client: { ip: '10.0.0.2', port: 5555 },
    server: { ip: '10.0.0.1', port: 41000 },
    midstream: true,
  };
  const frames = (tag: string) => Buffer.concat([1, 2, 3].map((i) => encodeMessage('v3', [Buffer.from(`${tag} ${i}`)])));
  const { records, inspector } = run([data(c, 'c2s', frames('from 5555')), data(c, 's2c', frames('from 41000')), close(c)]);
  const msgs = msgsOf(records, c);
  assert.equal(msgs.length, 6);
  for (const m of msgs) {
    const fromServer = m.src === '10.0.0.2:5555';
    assert.equal(m.dir, fromServer ? 's2c' : 'c2s');
    assert.equal(m.dst, fromServer ? '10.0.0.1:41000' : '10.0.0.2:5555');
    assert.equal(
      Buffer.from(m.frames[0], 'hex')
        .toString()
        .startsWith(fromServer ? 'from 5555' : 'from 41000'),
      true,
    );
  }
  const info = inspector.connection(c.id)!;
  assert.deepEqual([info.client, info.server, info.midstream], ['10.0.0.1:41000', '10.0.0.2:5555', true]);
  assert.equal(info.counts.s2c.messages, 3);
});
