import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameDecoder,
  encodeMessage,
  encodeFrame,
  parseGreeting,
  encodeGreetingV3,
  encodeGreetingV2,
  encodeSignature,
  z85Encode,
  z85Decode,
  encodeMetadata,
  decodeMetadata,
  parseCommand,
  readyCommand,
  pingCommand,
  errorCommand,
  subscribeCommand,
  parseLegacySubscription,
  legacySubscription,
  REVISION_1_0,
  REVISION_2_0,
  type Framing,
} from '../../../core/zmtp/index.js';

function decodeAll(framing: Framing, chunks: Buffer[], max = -1) {
  const frames: { more: boolean; command: boolean; body: string }[] = [];
  const d = new FrameDecoder(framing, max);
  let error;
  for (const c of chunks) error = d.push(c, (more, command, body) => frames.push({ more, command, body: body.toString('hex') }));
  return { frames, error, decoder: d };
}

/** Splits a buffer into pieces of the given sizes, cycling. */
function split(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0, i = 0; pos < buf.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(buf.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

test('Z85 matches the RFC 32 test vector and round-trips', () => {
  const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), bytes);
  const random = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));
  assert.deepEqual(z85Decode(z85Encode(random)), random);
  assert.throws(() => z85Decode('Hell'), /multiple of 5/);
  assert.throws(() => z85Decode('Hello"orld'), /invalid Z85 character/);
  assert.throws(() => z85Encode(Buffer.alloc(3)), /multiple of 4/);
});

for (const framing of ['v1', 'v2', 'v3'] as const) {
  test(`${framing} framing: multipart messages survive any chunking, short and long frames`, () => {
    const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.alloc(254, 1), Buffer.alloc(255, 2)];
    const wire = Buffer.concat([encodeMessage(framing, frames), encodeMessage(framing, [Buffer.from('end')])]);
    const expected = [
      ...frames.map((f, i) => ({ more: i < frames.length - 1, command: false, body: f.toString('hex') })),
      { more: false, command: false, body: Buffer.from('end').toString('hex') },
    ];
    for (const sizes of [[wire.length], [1], [2, 3], [7, 1, 300], [9, 10]]) {
      const { frames: got, error } = decodeAll(framing, split(wire, sizes));
      assert.equal(error, undefined);
      assert.deepEqual(got, expected, `chunk sizes ${sizes}`);
    }
  });

  test(`${framing} framing: a frame over the limit is refused from its header alone`, () => {
    const big = encodeFrame(framing, Buffer.alloc(1000));
    const { frames, error } = decodeAll(framing, [big.subarray(0, 10)], 999);
    assert.equal(frames.length, 0);
    assert.match(String(error?.message), /exceeds maxMessageSize 999/);
  });
}

test('v3 command frames and absurd lengths', () => {
  const wire = encodeFrame('v3', readyCommand({ 'Socket-Type': 'DEALER' }), false, true);
  const { frames } = decodeAll('v3', [wire]);
  assert.equal(frames[0].command, true);
  const huge = Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.match(String(decodeAll('v3', [huge]).error?.message), /absurd/);
  assert.match(String(decodeAll('v3', [Buffer.from([0x80, 0x00])]).error?.message), /reserved frame flag/);
  assert.match(String(decodeAll('v1', [Buffer.from([0x00, 0x00])]).error?.message), /length 0/);
});

test('greetings: 3.x, 2.0, 1.0 and libzmq fallback forms', () => {
  const v31 = encodeGreetingV3('PLAIN', true);
  const r = parseGreeting(v31);
  assert.equal(r.status, 'done');
  if (r.status === 'done') {
    assert.equal(r.greeting.version, '3.1');
    assert.equal(r.greeting.mechanism, 'PLAIN');
    assert.equal(r.greeting.asServer, true);
  }
  const v30 = parseGreeting(encodeGreetingV3('NULL', false, 0));
  assert.equal(v30.status === 'done' && v30.greeting.version, '3.0');
  // Incomplete input asks for more.
  assert.deepEqual(parseGreeting(v31.subarray(0, 5)), { status: 'more', need: 10 });
  assert.deepEqual(parseGreeting(v31.subarray(0, 10)), { status: 'more', need: 11 });
  // 2.0 greeting.
  const v2 = parseGreeting(encodeGreetingV2('DEALER'));
  assert.equal(v2.status === 'done' && v2.greeting.socketType, 'DEALER');
  // A 1.0 peer starts with a frame length byte.
  const v1 = parseGreeting(Buffer.from([0x01, 0x00]));
  assert.equal(v1.status === 'done' && v1.greeting.version, '1.0');
  // libzmq facing a 2.0 peer: revision 3 then a socket-type byte, framed as 2.0.
  const fallback = Buffer.concat([encodeSignature(), Buffer.from([3, 5])]);
  assert.equal(parseGreeting(fallback).status, 'need-peer');
  const fb = parseGreeting(fallback, REVISION_2_0);
  assert.equal(fb.status === 'done' && fb.greeting.version, '2.0');
  assert.equal(fb.status === 'done' && fb.greeting.revision, 3);
  // libzmq facing a 1.0 peer sends only its signature, which is a 1.0 frame header.
  const to1 = parseGreeting(encodeSignature(3), REVISION_1_0);
  assert.equal(to1.status === 'done' && to1.greeting.version, '1.0');
  // Garbage mechanism name.
  const bad = Buffer.from(v31);
  bad.write('pl\u0001in', 12, 'latin1');
  assert.equal(parseGreeting(bad).status, 'error');
});

test('metadata and commands', () => {
  const md = encodeMetadata({ 'Socket-Type': 'ROUTER', Identity: Buffer.from([0, 1, 2]) });
  const back = decodeMetadata(md);
  assert.equal(back.properties['Socket-Type'], 'ROUTER');
  assert.deepEqual(back.raw.Identity, Buffer.from([0, 1, 2]));
  assert.match(String(decodeMetadata(md.subarray(0, md.length - 1)).error), /claims 3 bytes/);
  assert.throws(() => encodeMetadata({ 'bad name': 'x' }), /invalid metadata property name/);

  const ping = parseCommand(pingCommand(25, Buffer.from('ctx')));
  assert.equal(ping.name, 'PING');
  assert.equal('ttl' in ping && ping.ttl, 25);
  const err = parseCommand(errorCommand('Invalid credentials'));
  assert.equal('reason' in err && err.reason, 'Invalid credentials');
  const sub = parseCommand(subscribeCommand(Buffer.from('topic')));
  assert.equal('topic' in sub && sub.topic.toString(), 'topic');
  const truncated = parseCommand(Buffer.from([9, 65]));
  assert.equal('error' in truncated && truncated.error, 'command name length runs past the frame');
  assert.deepEqual(parseLegacySubscription(legacySubscription(false, Buffer.from('x'))), { subscribe: false, topic: Buffer.from('x') });
  assert.equal(parseLegacySubscription(Buffer.from([2, 1])), undefined);
});
