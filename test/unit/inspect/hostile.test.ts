// Hostile streams in a capture: declared frame sizes the decoder must not allocate before their bytes
// arrive (checked in a child whose address space is limited so that 2 GiB cannot be had), and a
// multipart message that never ends, which must be capped and reported instead of held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCapture, type InspectRecord } from '../../../core/inspect/index.js';
import { encodeFrame } from '../../../core/zmtp/index.js';
import { tempDir } from '../../helpers/capture.js';
import { buildCapture, zmtpOpening, type CapturedConnection } from '../../helpers/zmtp-capture.js';

const child = fileURLToPath(new URL('./hostile-child.ts', import.meta.url));

function longHeader(declared: bigint, more = false): Buffer {
  const h = Buffer.alloc(9);
  h[0] = 0x02 | (more ? 0x01 : 0);
  h.writeBigUInt64BE(declared, 1);
  return h;
}

/** Runs hostile-child.ts on `file` in bash under `ulimit -v` (just above what the child needs loaded). */
function decodeLimited(file: string): { bigAllocation: string; types: Record<string, number>; errors: string[]; peakRssMiB: number } {
  const env = { ...process.env, MALLOC_ARENA_MAX: '1' };
  const node = `"${process.execPath}" --import tsx "${child}"`;
  const { vmKiB } = JSON.parse(execFileSync('bash', ['-c', `exec ${node}`], { env: { ...env, PROBE: '1' }, encoding: 'utf8' }));
  const out = execFileSync('bash', ['-c', `ulimit -v ${vmKiB + 512 * 1024} && exec ${node} "${file}"`], { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('200 connections declaring huge frames: nothing is allocated before its bytes arrive, under ulimit -v', { timeout: 120_000 }, () => {
  const { dir, cleanup } = tempDir();
  try {
    // Sizes the inspector believes (under its 256 MiB frame limit), one past it, and an absurd one;
    // each sends 100 KB of the body. Old code allocated every believable size at once: 200 x 200 MiB.
    const conns: CapturedConnection[] = [];
    for (let i = 0; i < 200; i++) {
      const declared = i === 0 ? 2n ** 63n - 1n : i === 1 ? 2n ** 31n - 1n : 200n * 2n ** 20n + BigInt(i);
      conns.push({ c2s: Buffer.concat([zmtpOpening('DEALER'), longHeader(declared), Buffer.alloc(100_000, i)]), s2c: zmtpOpening('ROUTER', true) });
    }
    const file = join(dir, 'declared.pcap');
    writeFileSync(file, buildCapture(conns));
    const r = decodeLimited(file);
    assert.match(r.bigAllocation, /^failed/, 'the limit makes a 2 GiB allocation fail in the child');
    assert.equal(r.types.greeting, 400, 'every connection was followed up to its frames');
    assert.ok(r.errors.some((e) => /^1 .*absurd/.test(e)), `the 2^63-1 frame is refused: ${r.errors.slice(0, 5)}`);
    assert.ok(r.errors.some((e) => /^2 .*too large|^2 .*exceeds/.test(e)), `the 2^31-1 frame is over the limit: ${r.errors.slice(0, 5)}`);
    // The 198 believable frames end with the capture, unfinished, each reported.
    const unfinished = r.errors.filter((e) => /ended inside a frame/.test(e));
    assert.equal(unfinished.length, 198, r.errors.slice(0, 5).join('\n'));
    assert.ok(r.peakRssMiB < 400, `peak RSS ${r.peakRssMiB} MiB for 200 x 100 KB of frame bodies`);
  } finally {
    cleanup();
  }
});

test('a multipart message that never ends is capped per message and reported; later messages still decode', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const endless = Buffer.alloc(2 * 300_000);
    for (let i = 0; i < endless.length; i += 2) endless[i] = 0x01; // empty frame, MORE
    const last = encodeFrame('v3', Buffer.from('last'), false, false);
    const after = encodeFrame('v3', Buffer.from('after'), false, false);
    const file = join(dir, 'endless.pcap');
    writeFileSync(file, buildCapture([
      { c2s: Buffer.concat([zmtpOpening('PUSH'), endless, last, after]), s2c: zmtpOpening('PULL', true), fin: true },
      // Cut off inside an endless message: reported with the frames seen.
      { c2s: Buffer.concat([zmtpOpening('PUSH'), endless]), s2c: zmtpOpening('PULL', true), fin: true },
    ]));
    const records: InspectRecord[] = [];
    await decodeCapture(file, { maxMessageFrames: 1000, onRecord: (r) => records.push(r) });
    const errs = records.filter((r) => r.type === 'error').map((r) => `${r.conn} ${(r as { message: string }).message}`);
    assert.ok(errs.some((e) => /^1 multipart message over the cap of 1000 frames .*at frame 1001/.test(e)), errs.join('\n'));
    assert.ok(errs.some((e) => /^1 a multipart message past the cap ended after 300001 frames/.test(e)), errs.join('\n'));
    assert.ok(errs.some((e) => /^2 connection ended inside a multipart message \(300000 frames seen/.test(e)), errs.join('\n'));
    const msgs = records.filter((r) => r.type === 'message') as Array<{ conn: number; frames: string[] }>;
    assert.deepEqual(msgs.map((m) => [m.conn, m.frames.map((f) => Buffer.from(f, 'hex').toString())]), [[1, ['after']]]);
    assert.equal(errs.length, 4, errs.join('\n'));
  } finally {
    cleanup();
  }
});

test('the byte cap applies too: a message past maxMessageBytes is reported, not kept', async () => {
  const frames = Array.from({ length: 20 }, () => encodeFrame('v3', Buffer.alloc(1000, 7), true, false));
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'bytes.pcap');
    writeFileSync(file, buildCapture([{ c2s: Buffer.concat([zmtpOpening('PUSH'), ...frames, encodeFrame('v3', Buffer.alloc(1), false, false)]), s2c: zmtpOpening('PULL', true), fin: true }]));
    const records: InspectRecord[] = [];
    await decodeCapture(file, { maxMessageBytes: 5000, onRecord: (r) => records.push(r) });
    const errs = records.filter((r) => r.type === 'error').map((r) => (r as { message: string }).message);
    assert.match(errs[0], /over the cap of 10000 frames or 5000 bytes \(at frame 6, 6000 bytes\)/);
    assert.match(errs[1], /ended after 21 frames \(20001 bytes\)/);
    assert.equal(records.filter((r) => r.type === 'message').length, 0);
  } finally {
    cleanup();
  }
});
