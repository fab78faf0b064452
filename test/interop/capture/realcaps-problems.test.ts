// Problem codes on real captures (../shared/realcaps, taken by others with tcpdump): the clean ones report
// nothing, tcpdump's own regression capture reports its one short connection, and the same real traffic
// damaged the ways captures go wrong (a file cut inside a packet, a bad greeting, a bad frame header, a
// packet cut inside its link header) reports each with its code and the table's severity, in records,
// warnings and `zmtp decode --json` alike. Codes are compared, not texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DIAGNOSTICS } from '../../../core/capture/diagnostics.js';
import { decodeLinkLayer, openCapture, PcapWriter, TCP_SYN, type CaptureWarning, type Packet } from '../../../core/capture/index.js';
import { decodeCapture } from '../../../core/inspect/decode-capture.js';
import type { ErrorRecord, InspectRecord } from '../../../core/inspect/records.js';
import { tempDir } from '../../helpers/capture.js';
import { REALCAPS } from '../../helpers/pgm.js';

const missing = !existsSync(`${REALCAPS}/distsys_nada_zmq.pcap`) && `the real captures are not at ${REALCAPS} (set REALCAPS_DIR)`;
const cli = fileURLToPath(new URL('../inspect/zmtp-cli.ts', import.meta.url));
const REPEATED_PREFIX = /^([^:]{2,60}: )\1/;

async function decode(file: string) {
  const records: InspectRecord[] = [];
  const warnings: CaptureWarning[] = [];
  const summary = await decodeCapture(file, { onRecord: (r) => records.push(r), onWarning: (w) => warnings.push(w) });
  const errors = records.filter((r): r is ErrorRecord => r.type === 'error');
  // Whatever the input: every problem is a declared code with the table's severity, its text said once.
  for (const p of [...errors, ...warnings]) {
    assert.ok(p.code in DIAGNOSTICS, `undeclared code ${p.code}`);
    assert.equal(p.severity, DIAGNOSTICS[p.code].severity, p.code);
    assert.doesNotMatch(p.message, REPEATED_PREFIX, p.message);
  }
  return { records, errors, warnings, summary };
}

async function packetsOf(file: string): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const p of openCapture(file)) if (!('kind' in p)) out.push({ ...p, data: Buffer.from(p.data) });
  return out;
}

function write(path: string, packets: Packet[]): string {
  const w = new PcapWriter({ linkType: packets[0].linkType });
  for (const p of packets) w.write({ tsSec: p.tsSec, tsNsec: p.tsNsec, data: p.data, origLen: p.origLen });
  writeFileSync(path, w.toBuffer());
  return path;
}

test(
  "real captures: the clean ones report no problem; tcpdump's inf-loop capture its one short mid-stream connection",
  { skip: missing },
  async () => {
    const files = readdirSync(REALCAPS).filter((f) => /\.pcap(ng)?$/.test(f));
    assert.ok(files.length >= 10, files.join(' '));
    for (const f of files) {
      const { errors, warnings, summary } = await decode(join(REALCAPS, f));
      assert.deepEqual(
        warnings.map((w) => w.code),
        [],
        f,
      );
      if (f === 'tcpdump_zmtp1-inf-loop-1.pcapng') {
        // A connection joined mid-stream whose few bytes (a 0xFF first byte) cannot tell a greeting from frames.
        assert.deepEqual(
          errors.map((e) => [e.code, e.severity]),
          [['ZMTP_ENDED_UNDECIDED', 'note']],
          f,
        );
        assert.ok(summary.connections.find((c) => c.id === errors[0].conn)?.midstream, f);
      } else {
        assert.deepEqual(
          errors.map((e) => e.code),
          [],
          f,
        );
      }
    }
  },
);

test('a real capture damaged: cut file, bad greeting, bad frame header, cut link header, each by its code', { skip: missing }, async () => {
  const t = tempDir();
  try {
    const packets = await packetsOf(`${REALCAPS}/distsys_nada_zmq.pcap`);
    const tcp = packets.map((p) => decodeLinkLayer(p)).map((d) => (d && d.kind === 'tcp' ? d : undefined));
    const key = (i: number) => {
      const d = tcp[i]!;
      return [`${d.src}:${d.tcp.srcPort}`, `${d.dst}:${d.tcp.dstPort}`].sort().join(' ');
    };
    const synSeen = new Set(tcp.flatMap((d, i) => (d && d.tcp.flags & TCP_SYN ? [key(i)] : [])));
    // The first greeting (signature FF ... 7F) of a connection whose SYN was captured, and a later data packet
    // of another connection that starts with a ZMTP frame header (flags 0x00/0x01, short length, whole frame).
    const greeting = tcp.findIndex(
      (d, i) => d && d.tcp.payload.length >= 10 && d.tcp.payload[0] === 0xff && d.tcp.payload[9] === 0x7f && synSeen.has(key(i)),
    );
    assert.ok(greeting >= 0, 'a greeting seen with its SYN');
    // libzmq sends the signature (10 bytes) first, the rest of the greeting after it: byte 12 of the greeting
    // (the mechanism name's first) is in this packet or in the next one from the same side.
    const sender = (i: number) => `${tcp[i]!.src}:${tcp[i]!.tcp.srcPort}>${tcp[i]!.dst}:${tcp[i]!.tcp.dstPort}`;
    const firstLength = tcp[greeting]!.tcp.payload.length;
    const mechanismAt =
      firstLength > 12
        ? { packet: greeting, offset: 12 }
        : {
            packet: tcp.findIndex((d, i) => d && i > greeting && d.tcp.payload.length > 0 && sender(i) === sender(greeting)),
            offset: 12 - firstLength,
          };
    assert.ok(mechanismAt.packet > 0);
    const frame = tcp.findIndex(
      (d, i) =>
        d &&
        i > greeting + 20 &&
        key(i) !== key(greeting) &&
        d.tcp.payload.length >= 3 &&
        d.tcp.payload[0] <= 1 &&
        d.tcp.payload[1] + 2 <= d.tcp.payload.length,
    );
    assert.ok(frame > 0, 'a data packet that starts with a frame');

    // 1. The file cut inside its last packet: a warning, every packet before it read.
    const whole = write(join(t.dir, 'whole.pcap'), packets);
    const cutFile = join(t.dir, 'cut.pcap');
    const bytes = readFileSync(whole);
    writeFileSync(cutFile, bytes.subarray(0, bytes.length - 5));
    const cut = await decode(cutFile);
    assert.deepEqual(
      cut.warnings.map((w) => [w.code, w.index]),
      [['CAPTURE_TRUNCATED', packets.length]],
    );
    assert.equal(cut.summary.packets, packets.length - 1);

    // 2. A greeting whose mechanism name is not printable: that direction fails, the connection is in error.
    const badGreeting = packets.map((p, i) => (i === mechanismAt.packet ? { ...p, data: Buffer.from(p.data) } : p));
    const g = decodeLinkLayer(badGreeting[mechanismAt.packet]);
    assert.ok(g && g.kind === 'tcp');
    assert.equal(g.tcp.payload.toString('latin1', mechanismAt.offset, mechanismAt.offset + 4), 'NULL');
    g.tcp.payload[mechanismAt.offset] = 0x01; // first byte of the mechanism name (RFC 23: A-Z, 0-9, - _ . +)
    const bg = await decode(write(join(t.dir, 'greeting.pcap'), badGreeting));
    assert.deepEqual(
      bg.errors.map((e) => [e.code, e.severity, e.offset]),
      [['ZMTP_BAD_GREETING', 'error', 0]],
    );
    const conn = bg.summary.connections.find((c) => c.id === bg.errors[0].conn)!;
    assert.equal(conn.stateCode, 'ZMTP_BAD_GREETING');

    // 3. A frame header with reserved flag bits: malformed, then frame boundaries found again after it.
    const badFrame = packets.map((p, i) => (i === frame ? { ...p, data: Buffer.from(p.data) } : p));
    const f = decodeLinkLayer(badFrame[frame]);
    assert.ok(f && f.kind === 'tcp');
    f.tcp.payload[0] = 0xf0;
    const bf = await decode(write(join(t.dir, 'frame.pcap'), badFrame));
    assert.equal(bf.errors[0]?.code, 'ZMTP_MALFORMED_FRAME', JSON.stringify(bf.errors));
    assert.equal(bf.errors[0].severity, 'error');
    assert.equal(typeof bf.errors[0].offset, 'number');
    assert.deepEqual(
      [...new Set(bf.errors.map((e) => e.code))].filter((c) => c !== 'ZMTP_MALFORMED_FRAME' && c !== 'ZMTP_RESYNC_SKIPPED'),
      [],
    );

    // 4. A packet cut inside its link header: a warning naming that packet once.
    const shortLink = packets.map((p, i) => (i === frame ? { ...p, data: p.data.subarray(0, 6) } : p));
    const sl = await decode(write(join(t.dir, 'link.pcap'), shortLink));
    assert.deepEqual(
      sl.warnings.map((w) => [w.code, w.index]),
      [['PACKET_MALFORMED', frame + 1]],
    );
    assert.equal(sl.warnings[0].message.split(`packet ${frame + 1}: `).length, 2, sl.warnings[0].message);

    // The CLI says the same: JSON error records carry code and severity; warnings on stderr carry the code.
    const run = promisify(execFile);
    const json = await run(process.execPath, ['--import', 'tsx', cli, 'decode', '--json', join(t.dir, 'greeting.pcap')], {
      maxBuffer: 64 * 2 ** 20,
    });
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InspectRecord);
    assert.deepEqual(
      lines.filter((r) => r.type === 'error').map((r) => r.type === 'error' && [r.code, r.severity]),
      [['ZMTP_BAD_GREETING', 'error']],
    );
    const text = await run(process.execPath, ['--import', 'tsx', cli, 'decode', join(t.dir, 'link.pcap')], { maxBuffer: 64 * 2 ** 20 });
    assert.match(text.stderr, new RegExp(`^zmtp decode: warning: \\[PACKET_MALFORMED\\] packet ${frame + 1}: `, 'm'));
    assert.doesNotMatch(text.stderr, /(packet \d+: )\1/);
  } finally {
    t.cleanup();
  }
});
