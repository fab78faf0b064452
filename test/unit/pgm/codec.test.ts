// The PGM codec (core/pgm) against real packets: the two tcpdump test captures (compared with tcpdump's
// own decodes of them), and pyzmq epgm:// traffic captured by tcpdump in this test (compared with what
// tcpdump prints for the same file). Every real packet must parse, verify its checksum and serialise back
// to the same bytes. Malformed packets come back with a code, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parsePgmPacket,
  encodePgmPacket,
  pgmChecksum,
  tsiOf,
  tsiKey,
  readZmqPgmChunk,
  writeZmqPgmChunk,
  sqnDiff,
  PGM_OPT_PRESENT,
  type PgmPacket,
  type PgmPacketInit,
  type PgmOption,
} from '../../../core/pgm/index.js';
import { pgmPacketsOf, capturePyzmqPgm, REALCAPS, realcapsMissing } from '../../helpers/pgm.js';
import { tempDir } from '../../helpers/capture.js';
import { PcapWriter, LINKTYPE_RAW, checksum } from '../../../core/capture/index.js';
import { prng } from '../../helpers/random.js';

/** A packet as tcpdump -v prints it from "PGM, length" on (print-pgm.c's layout). */
function tcpdumpText(p: PgmPacket, size: number): string {
  let body: string;
  switch (p.type) {
    case 'SPM':
      body = `SPM seq ${p.sqn} trail ${p.trail} lead ${p.lead} nla ${p.pathNla}`;
      break;
    case 'ODATA':
    case 'RDATA':
      body = `${p.type} trail ${p.trail} seq ${p.sqn}`;
      break;
    case 'NAK':
    case 'NNAK':
    case 'NCF':
      body = `${p.type} (${p.sourceNla} -> ${p.groupNla}), seq ${p.sqn}`;
      break;
    case 'POLL':
      body = `POLL seq ${p.sqn} round ${p.round}`;
      break;
    default:
      body = p.type;
  }
  let opts = '';
  if (p.options.length) {
    opts = ` OPTS LEN ${encodedOptionsLength(p)}`;
    for (const o of p.options) {
      if (o.name === 'fragment') opts += ` FRAG seq ${o.firstSqn} off ${o.offset} len ${o.apduLength}`;
      else if (o.name === 'nak-list') opts += ` NAK LIST ${o.sqns.join(' ')}`;
      else if (o.name === 'join') opts += ` JOIN ${o.minSqn}`;
      else if (o.name === 'parity-prm') opts += ` PARITY MAXTGS ${o.groupSize}`;
      else if (o.name === 'syn' || o.name === 'fin' || o.name === 'rst') opts += ` ${o.name.toUpperCase()}`;
      else opts += ` ?${o.name}`;
    }
  }
  return `PGM, length ${p.header.tsduLength} 0x${tsiOf(p.header).gsi} ${body}${opts} [${size}]`;
}

function encodedOptionsLength(p: PgmPacket): number {
  const withOpts = encodePgmPacket(p);
  const without = encodePgmPacket({ ...p, options: [] });
  return withOpts.length - without.length;
}

async function checkAgainstTcpdump(file: string, reference: string[], udpPort?: number) {
  const packets = await pgmPacketsOf(file, udpPort);
  assert.ok(packets.length > 0, 'PGM packets found');
  const mine: string[] = [];
  for (const c of packets) {
    const r = parsePgmPacket(c.bytes);
    assert.ok(r.ok, `packet ${c.index}: ${!r.ok && r.message}`);
    assert.equal(pgmChecksum(c.bytes), r.packet.header.checksum, `packet ${c.index}: checksum`);
    assert.ok(encodePgmPacket(r.packet).equals(c.bytes), `packet ${c.index}: serialises back to the same bytes`);
    mine.push(tcpdumpText(r.packet, c.bytes.length));
  }
  assert.deepEqual(mine, reference);
  return packets.map((c) => (parsePgmPacket(c.bytes) as { packet: PgmPacket }).packet);
}

const refLines = (text: string) =>
  text
    .split('\n')
    .map((l) => /(PGM, length .*)$/.exec(l)?.[1])
    .filter((l): l is string => !!l);

for (const [name, ref] of [
  ['tcpdump_epgm_zmtp1.pcap', 'epgm_zmtp1v.out'],
  ['tcpdump_pgm_zmtp1.pcap', 'pgm_zmtp1v.out'],
]) {
  test(
    `real capture ${name}: every packet parses to what tcpdump's reference decode shows, checksum and bytes`,
    { skip: realcapsMissing },
    async () => {
      const packets = await checkAgainstTcpdump(`${REALCAPS}/${name}`, refLines(readFileSync(`${REALCAPS}/tcpdump-ref/${ref}`, 'utf8')));
      // The SPMR goes upstream with the ports swapped but names the same session.
      const sessions = new Set(packets.map((p) => tsiKey(tsiOf(p.header))));
      assert.equal(sessions.size, 1);
      assert.ok(packets.some((p) => p.type === 'SPMR'));
      // libzmq's first-message offsets, as tcpdump shows them.
      const offsets = packets
        .flatMap((p) => (p.type === 'ODATA' ? [readZmqPgmChunk(p.data)] : []))
        .map((c) => ('code' in c ? c.code : c.firstFrame));
      const refOffsets = [...readFileSync(`${REALCAPS}/tcpdump-ref/${ref}`, 'utf8').matchAll(/frame offset 0x([0-9a-f]{4})/g)].map((m) =>
        parseInt(m[1], 16),
      );
      assert.deepEqual(
        offsets,
        refOffsets.map((o) => (o === 0xffff ? undefined : o)),
      );
    },
  );
}

test('pyzmq epgm:// traffic captured by tcpdump: parses as tcpdump decodes it, checksums verify, bytes round-trip', async () => {
  const messages = [[Buffer.from('topic'), Buffer.from('first')], [Buffer.alloc(4000, 0x61)], [Buffer.from('last')]];
  const run = await capturePyzmqPgm('epgm', messages);
  try {
    assert.equal(run.received.length, messages.length, 'the pyzmq SUB got every message');
    const tcpdump = execFileSync('tcpdump', ['-nr', run.file, '-T', 'pgm', '-v', `udp port ${run.port}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const packets = await checkAgainstTcpdump(run.file, refLines(tcpdump), run.port);
    const types = new Set(packets.map((p) => p.type));
    for (const t of ['SPM', 'ODATA', 'SPMR']) assert.ok(types.has(t as PgmPacket['type']), `${t} seen`);
    // Data sequence numbers count up by one from the first ODATA.
    const sqns = packets.filter((p) => p.type === 'ODATA').map((p) => (p as { sqn: number }).sqn);
    sqns.forEach((s, i) => assert.equal(sqnDiff(s, sqns[0]), i));
  } finally {
    run.cleanup();
  }
});

test('every option kind and packet type serialises and parses back to the same fields', () => {
  const gsi = Buffer.from('0102030405a6', 'hex');
  const options: PgmOption[] = [
    { name: 'fragment', firstSqn: 7, offset: 1400, apduLength: 5000 },
    { name: 'join', minSqn: 3 },
    { name: 'parity-prm', proactive: true, onDemand: false, groupSize: 8 },
    { name: 'parity-grp', group: 16 },
    { name: 'curr-tgsize', size: 5 },
    { name: 'nak-bo-ivl', interval: 50, intervalSqn: 9 },
    { name: 'nak-bo-rng', maxInterval: 100, minInterval: 10 },
    { name: 'redirect', nla: '10.1.2.3' },
    { name: 'path-nla', nla: 'fe80::1' },
    { name: 'syn' },
    { name: 'fin', flags: 0x01 },
    { name: 'rst' },
    { name: 'nbr-unreach' },
    { name: 'crqst', bits: 2 },
    { name: 'pgmcc-feedback', timestamp: 123456, lossRate: 77, nla: '192.168.0.1' },
    { name: 'other', type: 0x10, body: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  const common = { sourcePort: 4000, destPort: 5555, gsi };
  const inits: PgmPacketInit[] = [
    {
      ...common,
      type: 'SPM',
      sqn: 1,
      trail: 2,
      lead: 3,
      pathNla: '127.0.0.1',
      options: [{ name: 'parity-prm', proactive: false, onDemand: true, groupSize: 4 }],
    },
    { ...common, type: 'ODATA', sqn: 0xffffffff, trail: 0, data: Buffer.from('hello'), options },
    { ...common, type: 'RDATA', sqn: 5, trail: 1, data: Buffer.alloc(0) },
    { ...common, type: 'NAK', sqn: 9, sourceNla: '10.0.0.1', groupNla: '239.1.2.3', options: [{ name: 'nak-list', sqns: [10, 11, 12] }] },
    { ...common, type: 'NNAK', sqn: 9, sourceNla: '::1', groupNla: 'ff02::1' },
    { ...common, type: 'NCF', sqn: 9, sourceNla: '10.0.0.1', groupNla: '239.1.2.3' },
    { ...common, type: 'SPMR' },
    { ...common, type: 'POLL', sqn: 1, round: 2, subType: 1, pathNla: '10.0.0.9', backoffInterval: 1000, random: 0xdeadbeef, mask: 0xff },
    { ...common, type: 'POLR', sqn: 1, round: 2 },
    { ...common, type: 'ACK', rxMax: 100, bitmap: 0x80000001, flags: 0 },
  ];
  for (const init of inits) {
    const bytes = encodePgmPacket(init);
    const r = parsePgmPacket(bytes);
    assert.ok(r.ok, `${init.type}: ${!r.ok && r.message}`);
    const { header, ...fields } = r.packet;
    assert.deepEqual(fields, { flags: 0, options: [], ...init }, init.type);
    assert.equal(header.flags & PGM_OPT_PRESENT, init.options?.length ? PGM_OPT_PRESENT : 0);
    assert.ok(encodePgmPacket(r.packet).equals(bytes));
  }
});

test('packets we build with options are read by tcpdump and tshark as we meant them', () => {
  // print-pgm.c and Wireshark's packet-pgm.c are independent readers: raw-IP pcaps of our packets must
  // print our fields. (tcpdump misreads the group NLA of NAKs and swaps POLL/POLR, so those go to tshark.)
  const gsi = Buffer.from('a1a2a3a4a5a6', 'hex');
  const forTcpdump: PgmPacketInit[] = [
    {
      type: 'ODATA',
      sourcePort: 1000,
      destPort: 2000,
      gsi,
      sqn: 42,
      trail: 40,
      data: Buffer.from('xyz'),
      options: [{ name: 'fragment', firstSqn: 41, offset: 1000, apduLength: 3003 }],
    },
    {
      type: 'SPM',
      sourcePort: 1000,
      destPort: 2000,
      gsi,
      sqn: 1,
      trail: 40,
      lead: 45,
      pathNla: '10.0.0.1',
      options: [
        { name: 'join', minSqn: 40 },
        { name: 'parity-prm', proactive: true, onDemand: true, groupSize: 16 },
      ],
    },
  ];
  const out = execFileSync('tcpdump', ['-nr', '-', '-v'], {
    input: rawIpPcap(forTcpdump.map((p) => encodePgmPacket(p))),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const parsed = forTcpdump.map((p) => {
    const bytes = encodePgmPacket(p);
    const r = parsePgmPacket(bytes);
    assert.ok(r.ok);
    return tcpdumpText(r.packet, bytes.length);
  });
  assert.deepEqual(refLines(out), parsed);
  assert.match(out, /FRAG seq 41 off 1000 len 3003/);
  assert.match(out, /JOIN 40 PARITY MAXTGS 16/);

  const forTshark: PgmPacketInit[] = [
    {
      type: 'NAK',
      sourcePort: 2000,
      destPort: 1000,
      gsi,
      sqn: 43,
      sourceNla: '10.0.0.1',
      groupNla: '239.1.1.1',
      options: [{ name: 'nak-list', sqns: [44, 45] }],
    },
    { type: 'NCF', sourcePort: 1000, destPort: 2000, gsi, sqn: 43, sourceNla: '10.0.0.1', groupNla: '239.1.1.1' },
    {
      type: 'POLL',
      sourcePort: 1000,
      destPort: 2000,
      gsi,
      sqn: 7,
      round: 2,
      subType: 1,
      pathNla: '10.0.0.9',
      backoffInterval: 1000,
      random: 0x01020304,
      mask: 0xff,
    },
    { type: 'POLR', sourcePort: 2000, destPort: 1000, gsi, sqn: 7, round: 2 },
  ];
  const fields = [
    'pgm.hdr.type',
    'pgm.nak.sqn',
    'pgm.nak.src.ipv4',
    'pgm.nak.grp.ipv4',
    'pgm.poll.sqn',
    'pgm.poll.round',
    'pgm.poll.path.ipv4',
    'pgm.poll.backoff_ivl',
    'pgm.polr.sqn',
    'pgm.polr.round',
  ];
  // tshark refuses a socket as standard input (which is what Node gives a child): it reads a file.
  const tmp = tempDir();
  const file = join(tmp.dir, 'ours.pcap');
  writeFileSync(file, rawIpPcap(forTshark.map((p) => encodePgmPacket(p))));
  const tsharkRun = (args: string[]) =>
    execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  let tshark: string;
  let verbose: string;
  try {
    tshark = tsharkRun(['-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
    verbose = tsharkRun(['-V']);
  } finally {
    tmp.cleanup();
  }
  assert.deepEqual(
    tshark
      .trim()
      .split('\n')
      .map((l) => l.split('\t')),
    [
      ['0x08', '0x0000002b', '10.0.0.1', '239.1.1.1', '', '', '', '', '', ''],
      ['0x0a', '0x0000002b', '10.0.0.1', '239.1.1.1', '', '', '', '', '', ''],
      ['0x01', '', '', '', '0x00000007', '2', '10.0.0.9', '1000', '', ''],
      ['0x02', '', '', '', '', '', '', '', '0x00000007', '2'],
    ],
  );
  assert.match(verbose, /List\(2\): 0x2c 0x2d/, 'the NAK list');
  assert.equal(verbose.match(/\[Checksum Status: Good\]/g)?.length, forTshark.length, 'tshark finds every PGM checksum good');
});

/** A pcap (raw IPv4) of datagrams of protocol 113 from 10.0.0.1 to 239.1.1.1 carrying `payloads`. */
function rawIpPcap(payloads: Buffer[]): Buffer {
  const w = new PcapWriter({ linkType: LINKTYPE_RAW });
  payloads.forEach((pl, i) => {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + pl.length, 2);
    ip[8] = 16;
    ip[9] = 113;
    Buffer.from([10, 0, 0, 1]).copy(ip, 12);
    Buffer.from([239, 1, 1, 1]).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    w.write({ tsSec: 1700000000 + i, tsNsec: 0, data: Buffer.concat([ip, pl]) });
  });
  return w.toBuffer();
}

test('malformed packets come back with a code, never an exception', () => {
  const gsi = Buffer.from('010203040506', 'hex');
  const odata = encodePgmPacket({
    type: 'ODATA',
    sourcePort: 1,
    destPort: 2,
    gsi,
    sqn: 1,
    trail: 0,
    data: Buffer.from('payload'),
    options: [{ name: 'fragment', firstSqn: 1, offset: 0, apduLength: 7 }],
  });
  const code = (b: Buffer) => {
    const r = parsePgmPacket(b);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code(odata), 'ok');
  const flipped = Buffer.from(odata);
  flipped[odata.length - 1] ^= 0x40;
  assert.equal(code(flipped), 'PGM_BAD_CHECKSUM');
  const noSum = Buffer.from(odata);
  noSum.writeUInt16BE(0, 6);
  assert.equal(code(noSum), 'PGM_NO_CHECKSUM');
  const fixSum = (b: Buffer) => {
    b.writeUInt16BE(pgmChecksum(b), 6);
    return b;
  };
  // Options cut short: the OPT_LENGTH total runs past the packet.
  const longOpts = Buffer.from(odata);
  longOpts.writeUInt16BE(200, 24 + 2);
  assert.equal(code(fixSum(longOpts)), 'PGM_TRUNCATED');
  const badFirst = Buffer.from(odata);
  badFirst[24] = 0x01;
  assert.equal(code(fixSum(badFirst)), 'PGM_BAD_OPTIONS');
  const badOptLen = Buffer.from(odata);
  badOptLen[28 + 1] = 12; // OPT_FRAGMENT claims 12 bytes: the end marker no longer lines up
  assert.match(code(fixSum(badOptLen)), /PGM_BAD_OPTION/);
  const unknownType = Buffer.from(odata);
  unknownType[4] = 0x07;
  assert.equal(code(fixSum(unknownType)), 'PGM_UNKNOWN_TYPE');
  const tsdu = Buffer.from(odata);
  tsdu.writeUInt16BE(3, 14);
  assert.equal(code(fixSum(tsdu)), 'PGM_BAD_TSDU_LENGTH');
  const spm = encodePgmPacket({ type: 'SPM', sourcePort: 1, destPort: 2, gsi, sqn: 1, trail: 0, lead: 0, pathNla: '10.0.0.1' });
  spm.writeUInt16BE(9, 28);
  assert.equal(code(fixSum(spm)), 'PGM_BAD_AFI');
  // Every prefix of a packet, and random corruption of it, is reported, never thrown.
  for (let n = 0; n < odata.length; n++) assert.notEqual(code(odata.subarray(0, n)), 'ok', `prefix ${n}`);
  const rnd = prng(1234);
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(odata);
    for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    if (rnd() < 0.7) fixSum(b);
    const r = parsePgmPacket(b.subarray(0, Math.floor(rnd() * (b.length + 1))));
    assert.equal(typeof r.ok, 'boolean');
    if (!r.ok) assert.match(r.code, /^PGM_/);
  }
});

test("libzmq's first-message offset: 0xFFFF for none, refused when it points past the data", () => {
  const chunk = writeZmqPgmChunk(3, Buffer.from('abcdef'));
  assert.deepEqual(chunk.subarray(0, 2), Buffer.from([0, 3]));
  const r = readZmqPgmChunk(chunk);
  assert.ok(!('code' in r) && r.firstFrame === 3 && r.bytes.toString() === 'abcdef');
  const none = readZmqPgmChunk(writeZmqPgmChunk(undefined, Buffer.from('xy')));
  assert.ok(!('code' in none) && none.firstFrame === undefined);
  // libzmq may point just past its data (the next message starts in the next packet).
  const atEnd = readZmqPgmChunk(Buffer.from([0, 2, 1, 2]));
  assert.ok(!('code' in atEnd) && atEnd.firstFrame === 2);
  const past = readZmqPgmChunk(Buffer.from([0, 9, 1, 2]));
  assert.ok('code' in past && past.code === 'PGM_BAD_TSDU_LENGTH');
  assert.throws(() => writeZmqPgmChunk(6, Buffer.from('abcdef')), RangeError);
});
