// The GSSAPI mechanism (RFC 38, as libzmq 4.3 writes it) in a sniffed stream, laid out as real MIT
// Kerberos captures show it (test/interop/inspect/gssapi.test.ts makes those): greeting GSSAPI both ways
// with as-server 0 (libzmq never sets it), INITIATE tokens both ways shown as opaque tokens with their
// lengths, the client's empty command frame once its context is established, READY metadata in clear
// when unencrypted, MESSAGE records marked encrypted (flagged as commands or not); a token length that
// lies is an error. Here the cases a real run does not give: mixed plaintext/wrapped READY, a bad length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpConnection, TcpStreamEvent } from '../../../core/capture/types.js';
import { Inspector } from '../../../core/inspect/inspector.js';
import type { CommandRecord, InspectRecord } from '../../../core/inspect/records.js';
import { encodeCommand, encodeFrame, encodeGreetingV3, readyCommand } from '../../../core/zmtp/index.js';
import { formatRecord } from '../../../core/inspect/format.js';

const conn: TcpConnection = { id: 1, client: { ip: '10.0.0.1', port: 40001 }, server: { ip: '10.0.0.2', port: 5555 }, midstream: false };
let clock = 1_700_000_000;
const data = (dir: 'c2s' | 's2c', bytes: Buffer): TcpStreamEvent => ({ kind: 'data', conn, dir, ts: clock++, data: bytes });

/** A libzmq GSSAPI command body: name, 4-byte token length, token. */
function tokenCommand(name: string, token: Buffer, declared = token.length): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(declared);
  return encodeCommand(name, Buffer.concat([len, token]));
}

test('GSSAPI handshake and traffic: greeting, INITIATE tokens with lengths, READY metadata, MESSAGE encrypted', () => {
  const records: InspectRecord[] = [];
  const inspector = new Inspector({ onRecord: (r) => records.push(r) });
  const krbAsReq = Buffer.from('6082025d06092a864886f71201020201006e82024c', 'hex'); // a token's first bytes (opaque here)
  const krbAsRep = Buffer.from('607506092a864886f71201020202006f', 'hex');
  const wrapped = (n: number) => Buffer.alloc(60 + n, 0xa5);
  const events: TcpStreamEvent[] = [
    { kind: 'open', conn, ts: clock++ },
    data('c2s', encodeGreetingV3('GSSAPI', false)),
    data('s2c', encodeGreetingV3('GSSAPI', false)),
    data('c2s', encodeFrame('v3', tokenCommand('INITIATE', krbAsReq), false, true)),
    data('s2c', encodeFrame('v3', tokenCommand('INITIATE', krbAsRep), false, true)),
    data('c2s', encodeFrame('v3', Buffer.alloc(0), false, true)),
    // Plaintext READY (ZMQ_GSSAPI_PLAINTEXT) one way; wrapped as a MESSAGE the other way.
    data('c2s', encodeFrame('v3', readyCommand({ 'Socket-Type': 'REQ' }), false, true)),
    data('s2c', encodeFrame('v3', tokenCommand('MESSAGE', wrapped(30)), false, true)),
    // Messages: one flagged as a command, one sent as a plain frame (as libzmq 4.3 sends CURVE's).
    data('c2s', encodeFrame('v3', tokenCommand('MESSAGE', wrapped(5)), false, true)),
    data('s2c', encodeFrame('v3', tokenCommand('MESSAGE', wrapped(7)), false, false)),
    // A token length that does not match the command.
    data('c2s', encodeFrame('v3', tokenCommand('MESSAGE', wrapped(1), 999), false, true)),
    { kind: 'close', conn, ts: clock++, reason: 'fin' },
  ];
  for (const e of events) inspector.push(e);
  inspector.end();
  const greetings = records.filter((r) => r.type === 'greeting');
  assert.deepEqual(
    greetings.map((g) => g.type === 'greeting' && [g.dir, g.mechanism, g.asServer]),
    [
      ['c2s', 'GSSAPI', false],
      ['s2c', 'GSSAPI', false],
    ],
  );
  const cmds = records.filter((r): r is CommandRecord => r.type === 'command');
  assert.deepEqual(
    cmds.map((c) => [c.dir, c.name, c.gssapi?.tokenLength, c.encrypted ?? false]),
    [
      ['c2s', 'INITIATE', krbAsReq.length, false],
      ['s2c', 'INITIATE', krbAsRep.length, false],
      ['c2s', 'EMPTY', undefined, false],
      ['c2s', 'READY', undefined, false],
      ['s2c', 'MESSAGE', 90, true],
      ['c2s', 'MESSAGE', 65, true],
      ['s2c', 'MESSAGE', 67, true],
      ['c2s', 'MESSAGE', 999, true],
    ],
  );
  assert.equal(cmds[0].gssapi!.token, krbAsReq.toString('hex'));
  assert.deepEqual(cmds[3].properties, { 'Socket-Type': 'REQ' });
  assert.equal(records.filter((r) => r.type === 'message').length, 0, 'nothing in clear');
  const errors = records.filter((r) => r.type === 'error');
  assert.equal(errors.length, 1);
  // The layout problem of the last MESSAGE (its token length says 999, it holds 61), by code.
  assert.deepEqual(
    errors.map((e) => e.type === 'error' && [e.code, e.severity]),
    [['ZMTP_MALFORMED_SECURITY', 'error']],
  );
  assert.match(errors[0].type === 'error' ? errors[0].message : '', /\b999\b.*\b61\b/);
  assert.match(formatRecord(cmds[0]), /GSS-API token 21 bytes 0x6082025d/);
  const info = inspector.connections()[0];
  assert.equal(info.mechanism, 'GSSAPI');
  assert.equal(info.counts.c2s.boxes + info.counts.s2c.boxes, 4);
});

test('mid-stream (no greeting): a MESSAGE whose 4-byte token length is the rest of the frame is GSSAPI; one with an 8-byte nonce there is still CURVE', () => {
  const decode = (body: (i: number) => Buffer) => {
    const records: InspectRecord[] = [];
    const inspector = new Inspector({ onRecord: (r) => records.push(r) });
    const mid: TcpConnection = { ...conn, midstream: true };
    // Sent as data frames, as libzmq sends both mechanisms' MESSAGEs.
    const bytes = Buffer.concat([0, 1, 2, 3, 4].map((i) => encodeFrame('v3', body(i), false, false)));
    inspector.push({ kind: 'data', conn: mid, dir: 'c2s', ts: clock++, data: bytes });
    inspector.end();
    return { cmds: records.filter((r): r is CommandRecord => r.type === 'command'), info: inspector.connections()[0] };
  };
  const gss = decode((i) => tokenCommand('MESSAGE', Buffer.alloc(61 + 10 * i, 0xa5)));
  assert.equal(gss.info.mechanism, 'GSSAPI');
  assert.ok(gss.cmds.length >= 3);
  assert.ok(gss.cmds.every((c) => c.name === 'MESSAGE' && c.encrypted && c.gssapi && !c.curve));
  // A CURVE box: name, 8-byte nonce (a counter: its first 4 bytes 0), then the box.
  const curveBox = (i: number) => {
    const nonce = Buffer.alloc(8);
    nonce.writeUInt32BE(i + 7, 4);
    return Buffer.concat([Buffer.from('\x07MESSAGE', 'latin1'), nonce, Buffer.alloc(17 + 10 * i, 0x5a)]);
  };
  const curve = decode(curveBox);
  assert.equal(curve.info.mechanism, 'CURVE');
  assert.ok(curve.cmds.length >= 3);
  assert.ok(curve.cmds.every((c) => c.name === 'MESSAGE' && c.encrypted && c.curve && !c.gssapi));
});
