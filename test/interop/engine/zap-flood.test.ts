// A hostile peer floods while its handshake waits for a slow ZAP handler (issue 11): it completes the
// greeting and its PLAIN HELLO, then writes frames as fast as the server takes them. The server must
// stop reading that connection while ZAP is asked (frames that arrived then used to queue without
// bound), a healthy libzmq (zeromq.js) PLAIN client must be served meanwhile, and once the ZAP handler
// answers, the flooder's frames are judged and its connection closed. Our server runs in a child
// process (zap-flood-child.ts); what it read from the flooder is counted by its wire tap, and its RSS
// is measured, never the time anything took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { jsonLinesChild } from '../../helpers/json-lines-child.js';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { encodeFrame, encodeGreetingV3, plainHello } from '../../../core/zmtp/index.js';

const script = fileURLToPath(new URL('./zap-flood-child.ts', import.meta.url));
/** What the flooder tries to write. */
const FLOOD_BYTES = 64 * 2 ** 20;
/** The most the server may read from the flooder: the read that carried the HELLO (reads are at most 1 MiB). */
const READ_BOUND = 2 * 2 ** 20;

function startChild() {
  const c = jsonLinesChild(spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const { child, lines } = c;
  return {
    ...c,
    async stats(): Promise<{ inBytes: Record<string, number>; rss: number }> {
      const before = lines.length;
      child.stdin!.write('stats\n');
      const l = await this.waitFor('stats', (x) => x.stats !== undefined && lines.indexOf(x) >= before);
      return l.stats;
    },
  };
}

/** A zeromq.js (libzmq) PLAIN REQ client doing `n` round trips. */
async function healthyRoundTrips(port: number, n: number, tag: string): Promise<void> {
  const req = new zmq.Request({ linger: 0, plainUsername: 'good', plainPassword: 'pw', receiveTimeout: 60_000 });
  try {
    req.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < n; i++) {
      await req.send(`${tag} ${i}`);
      const [reply] = await req.receive();
      assert.equal(reply.toString(), `${tag} ${i}`);
    }
  } finally {
    req.close();
  }
}

test(
  'a peer flooding while its ZAP request is pending is not read from (bounded memory); a healthy libzmq PLAIN client is served meanwhile',
  { timeout: 180_000 },
  async (t) => {
    const c = startChild();
    try {
      const { port, rss: rssStart } = await c.waitFor('port', (l) => l.port !== undefined);
      const flooder = net.connect(port, '127.0.0.1');
      let flooderClosed = false;
      flooder.on('error', () => {});
      flooder.on('close', () => {
        flooderClosed = true;
      });
      flooder.on('data', () => {});
      await new Promise((r) => flooder.once('connect', r));
      const remote = `tcp://127.0.0.1:${flooder.localPort}`;
      flooder.write(encodeGreetingV3('PLAIN', false));
      flooder.write(encodeFrame('v3', plainHello('flooder', 'x'), false, true));
      // Message frames the server could only queue until the handshake ends: 2,048 per 64 KiB write.
      const frame = encodeFrame('v3', Buffer.alloc(30, 0x61), false, false);
      const batch = Buffer.concat(Array.from({ length: 2048 }, () => frame));
      let offered = 0;
      while (offered < FLOOD_BYTES && !flooderClosed) {
        offered += batch.length;
        if (flooder.write(batch)) continue;
        // The server stops reading: the kernel's buffers fill and drain stops coming. 3 s without one ends
        // the flood (a server that reads gets the whole 64 MiB, and the count below shows it).
        const drained = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 3000);
          const done = () => {
            clearTimeout(t);
            resolve(true);
          };
          flooder.once('drain', done);
          flooder.once('close', done);
        });
        if (!drained) break;
      }
      await c.waitFor('the ZAP request held', (l) => l.zapHeld === 'flooder');
      const during = await c.stats();
      const read = during.inBytes[remote] ?? 0;
      assert.ok(read > 0, `the server read the flooder's greeting and HELLO (${JSON.stringify(during.inBytes)})`);
      assert.ok(read <= READ_BOUND, `while ZAP is pending the server read ${read} of the ${offered} bytes offered (bound ${READ_BOUND})`);
      const grown = during.rss - rssStart;
      t.diagnostic(
        `flooder offered ${offered} bytes, server read ${read}, server RSS ${Math.round(rssStart / 2 ** 20)} -> ${Math.round(during.rss / 2 ** 20)} MiB`,
      );
      assert.ok(grown < 100 * 2 ** 20, `server RSS grew by ${Math.round(grown / 2 ** 20)} MiB during the flood`);

      // The flooder's handshake still waits; a healthy client is let in and served.
      await healthyRoundTrips(port, 20, 'during');
      assert.equal(flooderClosed, false, 'the flooder is still waiting for its ZAP answer');

      // The ZAP handler answers: the flooder's queued-up frames are read now and refused (message frames
      // before the handshake finished), closing only that connection.
      c.child.stdin!.write('release\n');
      const ev = await c.waitFor('the flooder closed', (l) => l.event !== undefined && l.remote === remote);
      assert.equal(ev.event, 'handshake:error:protocol', JSON.stringify(ev));
      assert.match(ev.reason, /message frame received before the security handshake finished/);
      await healthyRoundTrips(port, 5, 'after');
      assert.equal(c.child.exitCode, null, 'the server process lives');
      flooder.destroy();
    } finally {
      c.child.kill();
    }
  },
);
