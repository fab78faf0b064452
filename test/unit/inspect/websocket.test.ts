// ZWS (ZeroMQ over WebSocket) in the inspector, on streams built here: masking, length encodings,
// fragmented messages, control frames, any chunking; and every kind of malformed upgrade or frame
// giving a specific error (or not-ZMTP) without a throw, while another connection keeps decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Diagnostic, DiagnosticCode } from '../../../core/capture/diagnostics.js';
import type { TcpConnection, TcpStreamEvent } from '../../../core/capture/types.js';
import { Inspector } from '../../../core/inspect/inspector.js';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { readyCommand } from '../../../core/zmtp/index.js';
import { rng } from './relay.js';
import { problem, problemsOf } from '../../helpers/problems.js';

let nextId = 500;
const conn = (): TcpConnection => {
  const id = nextId++;
  return { id, client: { ip: '10.0.0.1', port: 40000 + id }, server: { ip: '10.0.0.2', port: 8080 }, midstream: false };
};
let clock = 1_700_000_000;
const data = (c: TcpConnection, dir: 'c2s' | 's2c', bytes: Buffer): TcpStreamEvent => ({
  kind: 'data',
  conn: c,
  dir,
  ts: clock++,
  data: bytes,
});

const REQUEST = (protocols: string) =>
  Buffer.from(
    `GET /zmq HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
    'latin1',
  );
const RESPONSE = (status: string, protocol?: string) =>
  Buffer.from(
    `HTTP/1.1 ${status}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
    'latin1',
  );

/** One WebSocket frame; `mask` as a client sends (RFC 6455 5.3). */
function wsFrame(payload: Buffer, { opcode = 2, fin = true, mask = false, rsv = 0 } = {}): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0, len])
      : len < 65536
        ? Buffer.from([0, 126, len >> 8, len & 255])
        : Buffer.concat([Buffer.from([0, 127]), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])]);
  if (len >= 65536) head.writeUInt32BE(len, 6);
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  if (!mask) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const key = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  return Buffer.concat([head, key, Buffer.from(payload.map((b, i) => b ^ key[i & 3]))]);
}
/** A ZWS message: flags byte + body. */
const zws = (body: Buffer, flags = 0, mask = false) => wsFrame(Buffer.concat([Buffer.from([flags]), body]), { mask });

function run(events: TcpStreamEvent[]) {
  const records: InspectRecord[] = [];
  const inspector = new Inspector({ onRecord: (r) => records.push(r) });
  for (const e of events) inspector.push(e);
  inspector.end();
  return { records, inspector };
}
const of = <T extends InspectRecord['type']>(rs: InspectRecord[], type: T, c: TcpConnection) =>
  rs.filter((r) => r.type === type && r.conn === c.id) as Extract<InspectRecord, { type: T }>[];

function goodStream(): { c2s: Buffer; s2c: Buffer } {
  const big = Buffer.alloc(70000, 9);
  return {
    c2s: Buffer.concat([
      REQUEST('ZWS2.0/NULL,ZWS2.0'),
      zws(readyCommand({ 'Socket-Type': 'DEALER' }), 0x02, true),
      zws(Buffer.from('part one'), 0x01, true),
      // A message split over a continuation frame, with a ping between its fragments.
      wsFrame(Buffer.concat([Buffer.from([0x00]), big.subarray(0, 300)]), { fin: false, mask: true }),
      wsFrame(Buffer.from('are you there'), { opcode: 9, mask: true }),
      wsFrame(big.subarray(300), { opcode: 0, mask: true }),
      zws(Buffer.alloc(0), 0x02, true), // libzmq's keep-alive: an empty COMMAND message
    ]),
    s2c: Buffer.concat([
      RESPONSE('101 Switching Protocols', 'ZWS2.0/NULL'),
      zws(readyCommand({ 'Socket-Type': 'ROUTER' }), 0x02),
      zws(Buffer.from('x'.repeat(200))),
    ]),
  };
}

test('a ZWS stream in any chunking: upgrade records, READY, messages (masked, fragmented, 64-bit length), keep-alive', () => {
  for (const chunk of [Infinity, 1, 7, 1000]) {
    const c = conn();
    const { c2s, s2c } = goodStream();
    const events: TcpStreamEvent[] = [{ kind: 'open', conn: c, ts: clock++ }];
    const cut = (dir: 'c2s' | 's2c', b: Buffer) => {
      for (let i = 0; i < b.length; i += chunk === Infinity ? b.length : chunk)
        events.push(data(c, dir, b.subarray(i, i + (chunk === Infinity ? b.length : chunk))));
    };
    cut('c2s', c2s.subarray(0, REQUEST('ZWS2.0/NULL,ZWS2.0').length));
    cut('s2c', s2c);
    cut('c2s', c2s.subarray(REQUEST('ZWS2.0/NULL,ZWS2.0').length));
    const { records, inspector } = run(events);
    assert.deepEqual(of(records, 'error', c), [], `chunk ${chunk}`);
    const ups = of(records, 'upgrade', c);
    assert.deepEqual(
      ups.map((u) => [u.dir, u.path, u.offered, u.status, u.protocol, u.mechanism]),
      [
        ['c2s', '/zmq', ['ZWS2.0/NULL', 'ZWS2.0'], undefined, undefined, undefined],
        ['s2c', undefined, undefined, 101, 'ZWS2.0/NULL', 'NULL'],
      ],
    );
    const cmds = of(records, 'command', c);
    assert.deepEqual(
      cmds.map((x) => `${x.dir} ${x.name}`),
      ['s2c READY', 'c2s READY', 'c2s EMPTY'],
    );
    const msgs = of(records, 'message', c);
    // The server's data went in before the rest of the client's.
    assert.deepEqual(
      msgs.map((m) => [m.dir, m.sizes]),
      [
        ['s2c', [200]],
        ['c2s', [8, 70000]],
      ],
    );
    assert.equal(msgs[1].frames[1], Buffer.alloc(70000, 9).toString('hex'));
    const info = inspector.connection(c.id)!;
    assert.deepEqual(info.socketTypes, { c2s: 'DEALER', s2c: 'ROUTER' });
    assert.deepEqual(info.websocket, { path: '/zmq', protocol: 'ZWS2.0/NULL' });
    assert.equal(info.mechanism, 'NULL');
  }
});

test('malformed ZWS: each gives its own error (or not-ZMTP), never a throw, and a good connection beside it decodes', () => {
  const cases: Array<[string, (c: TcpConnection) => TcpStreamEvent[], Diagnostic | DiagnosticCode]> = [
    [
      'plain HTTP, no ZWS',
      (c) => [data(c, 'c2s', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))],
      problem('NOT_ZMTP_NOT_ZWS', 'GET / HTTP/1.1'),
    ],
    [
      'refused upgrade',
      (c) => [data(c, 'c2s', REQUEST('ZWS2.0/NULL')), data(c, 's2c', RESPONSE('400 Bad Request'))],
      problem('ZWS_UPGRADE_REFUSED', '400'),
    ],
    [
      'server picked no ZWS',
      (c) => [data(c, 'c2s', REQUEST('ZWS2.0/NULL')), data(c, 's2c', RESPONSE('101 Switching Protocols', 'chat'))],
      problem('ZWS_NO_SUBPROTOCOL', 'chat'),
    ],
    ['header line without colon', (c) => [data(c, 'c2s', Buffer.from('GET / HTTP/1.1\r\nbroken\r\n\r\n'))], 'NOT_ZMTP_HTTP'],
    [
      'endless head',
      (c) => [data(c, 'c2s', Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n'), Buffer.alloc(20000, 0x61)]))],
      'NOT_ZMTP_HTTP',
    ],
    [
      'text message',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), wsFrame(Buffer.from('hi'), { opcode: 1, mask: true })]))],
      problem('ZWS_TEXT_MESSAGE', 2),
    ],
    [
      'empty message',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), wsFrame(Buffer.alloc(0), { mask: true })]))],
      problem('ZWS_EMPTY_MESSAGE'),
    ],
    [
      'unknown flags',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), zws(Buffer.from('z'), 0x80, true)]))],
      problem('ZWS_BAD_FLAGS', 0x80),
    ],
    [
      'reserved bits',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), wsFrame(Buffer.from([0, 1]), { rsv: 0x40, mask: true })]))],
      'ZWS_MALFORMED',
    ],
    [
      'orphan continuation',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), wsFrame(Buffer.from([0, 1]), { opcode: 0, mask: true })]))],
      'ZWS_MALFORMED',
    ],
    [
      'unknown opcode',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), wsFrame(Buffer.from([0, 1]), { opcode: 5, mask: true })]))],
      'ZWS_MALFORMED',
    ],
    [
      'cut mid-message',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), zws(Buffer.alloc(500), 0, true).subarray(0, 100)]))],
      problem('ZWS_ENDED_IN_MESSAGE', 100),
    ],
    ['cut mid-upgrade', (c) => [data(c, 'c2s', Buffer.from('GET /zmq HTTP/1.1\r\nUpgr'))], 'ZWS_ENDED_IN_UPGRADE'],
    [
      'absurd length',
      (c) => [data(c, 'c2s', Buffer.concat([REQUEST('ZWS2.0/NULL'), Buffer.from([0x82, 0xff, 0, 0, 0x10, 0, 0, 0, 0, 0])]))],
      'ZWS_MALFORMED',
    ],
  ];
  for (const [name, build, expected] of cases) {
    const bad = conn();
    const good = conn();
    const { c2s, s2c } = goodStream();
    const events: TcpStreamEvent[] = [
      { kind: 'open', conn: bad, ts: clock++ },
      { kind: 'open', conn: good, ts: clock++ },
      data(good, 'c2s', c2s.subarray(0, 50)),
      ...build(bad),
      data(good, 'c2s', c2s.subarray(50)),
      data(good, 's2c', s2c),
      { kind: 'close', conn: bad, ts: clock++, reason: 'fin' },
    ];
    const { records } = run(events);
    // Compared by code; where the table makes the whole text from values, by those values too.
    const errors = problemsOf(of(records, 'error', bad));
    const found =
      typeof expected === 'string' ? errors.some((e) => e.code === expected) : errors.some((e) => isDeepStrictEqual(e, expected));
    assert.ok(found, `${name}: ${JSON.stringify(errors)}`);
    assert.deepEqual(of(records, 'error', good), [], `${name}: the good connection`);
    assert.equal(of(records, 'message', good).length, 2, `${name}: the good connection's messages`);
  }
});

test('seeded mutations of a ZWS stream never throw', () => {
  const random = rng(2024);
  for (let round = 0; round < 300; round++) {
    const c = conn();
    const { c2s, s2c } = goodStream();
    const mutate = (b: Buffer) => {
      const m = Buffer.from(b);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
      return m.subarray(0, random() < 0.2 ? Math.floor(random() * m.length) : m.length);
    };
    assert.doesNotThrow(() => run([{ kind: 'open', conn: c, ts: clock++ }, data(c, 'c2s', mutate(c2s)), data(c, 's2c', mutate(s2c))]));
  }
});
