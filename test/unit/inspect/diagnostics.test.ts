// The table of problem codes (core/capture/diagnostics.ts): well formed, every code made somewhere in the
// sniffer, README's copy equal to it, and no text that repeats its own prefix ("packet 966: packet 966: ...",
// "not ZMTP: not ZMTP: ..."), whether made by the table or written by a capture-layer site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { DIAGNOSTICS } from '../../../core/capture/diagnostics.js';
import {
  buildTcpPacket,
  LINKTYPE_ETHERNET,
  openCapture,
  PcapWriter,
  TcpReassembler,
  type CaptureWarning,
} from '../../../core/capture/index.js';
import { decodeCapture, type ErrorRecord } from '../../../core/inspect/index.js';
import { problemCodesMarkdown } from '../../helpers/problems.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** "x: x: ..." — a prefix (up to its colon) said twice in a row. */
const REPEATED_PREFIX = /^([^:]{2,60}: )\1/;

test('each code has a severity, a doc line and a text; codes are UPPER_SNAKE', () => {
  for (const [code, d] of Object.entries(DIAGNOSTICS)) {
    assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/, code);
    assert.ok(['error', 'warning', 'note'].includes(d.severity), code);
    assert.match(d.doc, /^\S.{10,}\.$/, `${code}: a sentence`);
    assert.equal(typeof d.text, 'function', code);
  }
});

test('every code is made somewhere in the sniffer (no dead entries)', () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('diagnostics.ts')) sources.push(readFileSync(path, 'utf8'));
    }
  };
  for (const dir of ['core/capture', 'core/inspect', 'core/pgm']) walk(join(root, dir));
  const all = sources.join('\n');
  for (const code of Object.keys(DIAGNOSTICS)) assert.ok(all.includes(`'${code}'`), `${code} is never used`);
});

test("README's table of problem codes is the declared one", () => {
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const m = /(<!-- problem-codes:start -->\n)([\s\S]*?)(<!-- problem-codes:end -->)/.exec(readme);
  assert.ok(m, 'README has the problem-codes markers');
  const table = `${problemCodesMarkdown()}\n`;
  if (process.env.UPDATE_README === '1' && m[2] !== table) writeFileSync(path, readme.replace(m[0], `${m[1]}${table}${m[3]}`));
  else assert.equal(tableCells(m[2]), tableCells(table), 'README is out of date: run this test with UPDATE_README=1 (then npm run format)');
});

/** A markdown table's cells, trimmed: Prettier pads the README's columns to one width, which is not a change. */
function tableCells(markdown: string): string {
  return markdown
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '-'))
        .join('|'),
    )
    .join('\n');
}

test('no text the table makes repeats its prefix', () => {
  for (const [code, d] of Object.entries(DIAGNOSTICS)) {
    const args = Array.from({ length: d.text.length }, () => 'detail');
    const text = (d.text as (...a: unknown[]) => string)(...args);
    assert.doesNotMatch(text, REPEATED_PREFIX, `${code}: ${text}`);
  }
});

test("capture warnings name their packet once: every malformed packet's warning, through decodeCapture", async () => {
  const w = new PcapWriter({ linkType: LINKTYPE_ETHERNET });
  const good = buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 5555, seq: 1, ack: 0, flags: 0x02 });
  const damaged: Buffer[] = [
    Buffer.alloc(10, 0x45), // shorter than Ethernet
    good.subarray(0, 20), // IPv4 cut
    good.subarray(0, 40), // TCP cut
    Buffer.concat([good.subarray(0, 14), Buffer.from([0x46]), good.subarray(15)]), // IHL 24 without the options
  ];
  // More fragments to follow (24 bytes of IP payload, a multiple of 8): held, then dropped at the end.
  const fragment = buildTcpPacket({
    src: '10.0.0.1',
    dst: '10.0.0.2',
    srcPort: 40000,
    dstPort: 5555,
    seq: 1,
    ack: 0,
    flags: 0x18,
    payload: Buffer.alloc(4),
  });
  fragment.writeUInt16BE(0x2000, 14 + 6);
  for (const [i, data] of [good, ...damaged, fragment].entries()) w.write({ tsSec: 1 + i, tsNsec: 0, data });
  const warnings: CaptureWarning[] = [];
  const records: ErrorRecord[] = [];
  await decodeCapture(Readable.from([w.toBuffer()]), {
    onWarning: (x) => warnings.push(x),
    onRecord: (r) => r.type === 'error' && records.push(r),
  });
  assert.deepEqual(
    warnings.map((x) => x.code),
    ['PACKET_MALFORMED', 'PACKET_MALFORMED', 'PACKET_MALFORMED', 'PACKET_MALFORMED', 'IP_FRAGMENT_DROPPED'],
  );
  for (const x of warnings) {
    assert.equal(x.severity, DIAGNOSTICS[x.code].severity);
    assert.doesNotMatch(x.message, REPEATED_PREFIX, x.message);
    if (x.index) assert.equal(x.message.split(`packet ${x.index}: `).length, 2, `names packet ${x.index} once: ${x.message}`);
  }
  // The same packets through the reassembler alone, and a file cut inside a record.
  const direct: CaptureWarning[] = [];
  const r = new TcpReassembler({ onWarning: (x) => direct.push(x) });
  const cut = w.toBuffer().subarray(0, w.toBuffer().length - 3);
  for await (const p of openCapture(Readable.from([cut])))
    if ('kind' in p) direct.push(p);
    else r.push(p);
  r.end();
  assert.ok(
    direct.some((x) => x.code === 'CAPTURE_TRUNCATED'),
    JSON.stringify(direct),
  );
  for (const x of direct) assert.doesNotMatch(x.message, REPEATED_PREFIX, x.message);
  for (const e of records) assert.doesNotMatch(e.message, REPEATED_PREFIX, e.message);
});
