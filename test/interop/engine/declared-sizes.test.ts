// Peers that complete the ZMTP 3 handshake and then declare 2^31-1- and 2^63-1-byte frames, against
// every ZMTP socket type, in a child process whose address space is limited (`ulimit -v`) so that a
// 2 GiB allocation fails there. The engine must never allocate a declared size up front: the
// 2^63-1 frame is refused on its header; the 2^31-1 frame's buffer grows only with the bytes the peer
// really sends, until an allocation fails, and then only that connection closes, with a monitor event.
// A healthy libzmq peer per socket exchanges numbered messages before, during and after; it loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeFrame, encodeGreetingV3, readyCommand } from '../../../core/zmtp/index.js';
import { rawConnect } from './machinery-helpers.js';
import { jsonLinesChild, type JsonLinesChild } from '../../helpers/json-lines-child.js';

const script = fileURLToPath(new URL('./declared-sizes-child.ts', import.meta.url));
/** Room above what the child needs once set up: buffers up to ~128-256 MiB can be had, 2 GiB cannot. */
const HEADROOM_KIB = 256 * 1024;
/** A raw peer gives up sending after this much (a 2^31-1 frame must fail long before). */
const FLOOD_CAP = 1.5 * 2 ** 30;

function run(env: Record<string, string>, limitKiB?: number): JsonLinesChild {
  // One malloc arena: glibc reserves 64 MiB of address space per arena, which would make the limit vary.
  const limit = limitKiB ? `ulimit -v ${limitKiB} && ` : '';
  return jsonLinesChild(
    spawn('bash', ['-c', `${limit}exec "${process.execPath}" --import tsx "${script}"`], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, MALLOC_ARENA_MAX: '1', ...env },
    }),
  );
}

/** Handshakes as `peerType`, declares a `declared`-byte frame, then sends zeros until the engine closes. */
async function attack(port: number, peerType: string, declared: bigint): Promise<{ localPort: number; sent: number }> {
  const peer = await rawConnect(port);
  const header = Buffer.alloc(9);
  header[0] = 0x02; // LONG, no MORE
  header.writeBigUInt64BE(declared, 1);
  peer.sock.write(encodeGreetingV3('NULL', false));
  peer.sock.write(encodeFrame('v3', readyCommand({ 'Socket-Type': peerType }), false, true));
  peer.sock.write(header);
  const localPort = peer.sock.localPort!;
  let sent = 0;
  let open = true;
  void peer.closed.then(() => {
    open = false;
  });
  const zeros = Buffer.alloc(4 * 2 ** 20);
  while (open && sent < FLOOD_CAP) {
    if (!peer.sock.write(zeros))
      await new Promise<void>((r) => {
        peer.sock.once('drain', r);
        peer.sock.once('close', r);
      });
    sent += zeros.length;
  }
  peer.sock.destroy();
  return { localPort, sent };
}

test(
  '2^31-1 and 2^63-1 byte frames against every socket type under ulimit -v: only that connection closes, the healthy libzmq peer loses nothing',
  { timeout: 240_000 },
  async () => {
    const probe = run({ PROBE: '1' });
    const { vmKiB } = await probe.waitFor('probe size', (l) => typeof l.vmKiB === 'number');
    const real = run({}, vmKiB + HEADROOM_KIB);
    const { child, waitFor, lines } = real;
    try {
      const ready = await waitFor('ready', (l) => l.ready !== undefined);
      assert.match(
        ready.bigAllocation,
        /^failed/,
        `the limit must make a 2 GiB allocation fail (child: ${vmKiB} KiB + ${HEADROOM_KIB} KiB)`,
      );
      for (const [type, { port, peerType }] of Object.entries(ready.ready as Record<string, { port: number; peerType: string }>)) {
        for (const declared of [2n ** 63n - 1n, 2n ** 31n - 1n]) {
          const { localPort, sent } = await attack(port, peerType, declared);
          const remote = `tcp://127.0.0.1:${localPort}`;
          const ev = await waitFor(`the close of ${type}'s ${declared} peer`, (l) => l.event !== undefined && l.remote === remote);
          assert.ok(sent < FLOOD_CAP, `${type}: a ${declared}-byte frame was still taken after ${sent} bytes`);
          if (type === 'PAIR') {
            // PAIR takes one peer: the healthy one holds it, so any other is refused at once.
            assert.ok(ev.event === 'disconnect' || ev.event.startsWith('handshake:error'), `${type}: ${JSON.stringify(ev)}`);
            continue;
          }
          assert.equal(ev.event, 'disconnect', `${type}: ${JSON.stringify(ev)}`);
          assert.match(ev.reason, declared > 2n ** 53n ? /absurd/ : /out of memory.*cannot allocate/, `${type}: ${ev.reason}`);
        }
      }
      assert.equal(child.exitCode, null, 'the engine process lives');
      child.stdin!.write('stop\n');
      const { done } = await waitFor('final counts', (l) => l.done !== undefined);
      for (const [type, r] of Object.entries(done as Record<string, { sent: number; received: number; mismatch?: string }>)) {
        assert.equal(r.mismatch, undefined, `${type}: ${r.mismatch}`);
        assert.equal(r.received, r.sent, `${type}: every message of the healthy peer arrived`);
        assert.ok(r.sent >= 20, `${type}: messages were exchanged (${r.sent})`);
      }
      assert.ok(lines.length > 0);
    } finally {
      probe.child.kill();
      child.kill();
    }
  },
);
