// Hostile streams in a capture: declared frame sizes the decoder must not allocate before their bytes
// arrive (checked in a child whose address space is limited so that 2 GiB cannot be had), and a
// multipart message that never ends, which must be capped and reported instead of held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCapture, type ErrorRecord, type InspectRecord } from '../../../core/inspect/index.js';
import { encodeFrame } from '../../../core/zmtp/index.js';
import { tempDir } from '../../helpers/capture.js';
import { buildCapture, zmtpOpening, type CapturedConnection } from '../../helpers/zmtp-capture.js';
import { problem, problemsOf } from '../../helpers/problems.js';

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
  const out = execFileSync('bash', ['-c', `ulimit -v ${vmKiB + 512 * 1024} && exec ${node} "${file}"`], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
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
      conns.push({
        c2s: Buffer.concat([zmtpOpening('DEALER'), longHeader(declared), Buffer.alloc(100_000, i)]),
        s2c: zmtpOpening('ROUTER', true),
      });
    }
    const file = join(dir, 'declared.pcap');
    writeFileSync(file, buildCapture(conns));
    const r = decodeLimited(file);
    assert.match(r.bigAllocation, /^failed/, 'the limit makes a 2 GiB allocation fail in the child');
    assert.equal(r.types.greeting, 400, 'every connection was followed up to its frames');
    // Lines are "conn code message"; the sizes are the decoder's words, the rest is compared by code.
    assert.ok(
      r.errors.some((e) => /^1 ZMTP_MALFORMED_FRAME .*absurd/.test(e)),
      `the 2^63-1 frame is refused: ${r.errors.slice(0, 5)}`,
    );
    assert.ok(
      r.errors.some((e) => /^2 ZMTP_MALFORMED_FRAME .*(too large|exceeds)/.test(e)),
      `the 2^31-1 frame is over the limit: ${r.errors.slice(0, 5)}`,
    );
    // The 198 believable frames end with the capture, unfinished, each reported.
    const unfinished = r.errors.filter((e) => / ZMTP_ENDED_IN_FRAME /.test(e));
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
    writeFileSync(
      file,
      buildCapture([
        { c2s: Buffer.concat([zmtpOpening('PUSH'), endless, last, after]), s2c: zmtpOpening('PULL', true), fin: true },
        // Cut off inside an endless message: reported with the frames seen.
        { c2s: Buffer.concat([zmtpOpening('PUSH'), endless]), s2c: zmtpOpening('PULL', true), fin: true },
      ]),
    );
    const records: InspectRecord[] = [];
    await decodeCapture(file, { maxMessageFrames: 1000, onRecord: (r) => records.push(r) });
    const errs = records.filter((r): r is ErrorRecord => r.type === 'error');
    const cap = 256 * 1024 * 1024;
    assert.deepEqual(problemsOf(errs.filter((e) => e.conn === 1)), [
      problem('ZMTP_MESSAGE_OVER_CAP', 1000, cap, 1001, 0, false),
      problem('ZMTP_MESSAGE_OVER_CAP_ENDED', 300001, 4),
    ]);
    assert.deepEqual(problemsOf(errs.filter((e) => e.conn === 2)), [
      problem('ZMTP_MESSAGE_OVER_CAP', 1000, cap, 1001, 0, false),
      problem('ZMTP_ENDED_IN_MESSAGE', 300000),
    ]);
    const msgs = records.filter((r) => r.type === 'message') as Array<{ conn: number; frames: string[] }>;
    assert.deepEqual(
      msgs.map((m) => [m.conn, m.frames.map((f) => Buffer.from(f, 'hex').toString())]),
      [[1, ['after']]],
    );
    assert.equal(errs.length, 4, errs.map((e) => e.message).join('\n'));
  } finally {
    cleanup();
  }
});

test('the byte cap applies too: a message past maxMessageBytes is reported, not kept', async () => {
  const frames = Array.from({ length: 20 }, () => encodeFrame('v3', Buffer.alloc(1000, 7), true, false));
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'bytes.pcap');
    writeFileSync(
      file,
      buildCapture([
        {
          c2s: Buffer.concat([zmtpOpening('PUSH'), ...frames, encodeFrame('v3', Buffer.alloc(1), false, false)]),
          s2c: zmtpOpening('PULL', true),
          fin: true,
        },
      ]),
    );
    const records: InspectRecord[] = [];
    await decodeCapture(file, { maxMessageBytes: 5000, onRecord: (r) => records.push(r) });
    const errs = records.filter((r): r is ErrorRecord => r.type === 'error');
    assert.deepEqual(problemsOf(errs), [
      problem('ZMTP_MESSAGE_OVER_CAP', 10000, 5000, 6, 6000, false),
      problem('ZMTP_MESSAGE_OVER_CAP_ENDED', 21, 20001),
    ]);
    assert.equal(records.filter((r) => r.type === 'message').length, 0);
  } finally {
    cleanup();
  }
});
