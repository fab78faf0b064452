// Big captures stream: a real capture replayed as hundreds of connections, fed as a byte stream far
// larger than the memory the decoder may use; progress is reported and records keep flowing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as zmq from 'zeromq';
import { openCapture, decodeLinkLayer, buildTcpPacket, LINKTYPE_ETHERNET, type DecodedPacket } from '../../../core/capture/index.js';
import { decodeCapture } from '../../../core/inspect/decode-capture.js';
import { startCapture, tempDir, portOf } from '../../helpers/capture.js';
import { hexOf } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return h;
}

function record(ts: number, data: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Math.floor(ts), 0);
  h.writeUInt32LE(Math.round((ts % 1) * 1e6) % 1000000, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(data.length, 12);
  return Buffer.concat([h, data]);
}

test('a capture much larger than the memory bound decodes in constant memory, with progress', async () => {
  // A real conversation: libzmq PUSH -> PULL, a mix of small, multipart and 32 KiB messages.
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0 });
  const t = tempDir();
  const sent: Buffer[][] = [];
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, t.dir, 'seed.pcap');
  const packets: { ts: number; d: DecodedPacket }[] = [];
  try {
    push.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < 200; i++) {
      const frames =
        i % 20 === 0
          ? [Buffer.alloc(32768, i)]
          : i % 3 === 0
            ? [Buffer.from(`topic.${i}`), Buffer.alloc(64, 1)]
            : [Buffer.alloc(16 + i, 3)];
      if (i === 199) frames.push(Buffer.from('STREAM-END'));
      sent.push(frames);
      await push.send(frames);
      await pull.receive();
    }
    await cap.stopAfter(Buffer.from('STREAM-END'));
    for await (const p of openCapture(cap.file)) {
      if ('kind' in p) continue;
      const d = decodeLinkLayer(p);
      if (d && d.kind === 'tcp') packets.push({ ts: p.ts, d });
    }
  } finally {
    cap.kill();
    push.close();
    pull.close();
    t.cleanup();
  }
  const clientPort = packets[0].d.tcp.srcPort;
  const TARGET = 320 * 1024 * 1024;
  let produced = 0;
  let replays = 0;
  async function* bytes() {
    yield pcapHeader();
    produced += 24;
    while (produced < TARGET) {
      // Each replay is a new connection from another client port, sent a little later.
      const port = 10000 + (replays % 50000);
      const shift = replays * 2;
      const chunk: Buffer[] = [];
      for (const p of packets) {
        const tcp = p.d.tcp;
        const fromClient = tcp.srcPort === clientPort;
        const data = buildTcpPacket({
          src: p.d.src,
          dst: p.d.dst,
          srcPort: fromClient ? port : tcp.srcPort,
          dstPort: fromClient ? tcp.dstPort : port,
          seq: tcp.seq,
          ack: tcp.ack,
          flags: tcp.flags,
          payload: tcp.payload,
        });
        chunk.push(record(p.ts + shift, data));
      }
      const buf = Buffer.concat(chunk);
      produced += buf.length;
      replays++;
      yield buf;
    }
  }
  const expected = sent.map((m) => m.map(hexOf));
  let messages = 0;
  let mismatches = 0;
  let perConn = new Map<number, number>();
  const samples: number[] = [];
  const progress: number[] = [];
  const summary = await decodeCapture(bytes(), {
    progressStepBytes: 16 * 1024 * 1024,
    onProgress: (p) => {
      progress.push(p.bytesRead);
      gc();
      const m = process.memoryUsage();
      samples.push(m.heapUsed + m.arrayBuffers);
    },
    onRecord: (r) => {
      if (r.type !== 'message') return;
      messages++;
      const k = perConn.get(r.conn) ?? 0;
      perConn.set(r.conn, k + 1);
      if (r.frames.join() !== expected[k].join()) mismatches++;
      if (perConn.size > 4) perConn = new Map([...perConn].slice(-2));
    },
  });
  assert.ok(replays > 20, `${replays} replays`);
  assert.equal(summary.stats.connections, replays);
  assert.equal(messages, replays * sent.length);
  assert.equal(mismatches, 0);
  assert.ok(progress.length >= 15, `${progress.length} progress reports`);
  assert.ok(
    progress.every((b, i) => i === 0 || b > progress[i - 1]),
    'progress only grows',
  );
  assert.ok(progress[progress.length - 1] >= TARGET);
  // Memory in use stays flat while more than 300 MB go through.
  const early = samples[2];
  const peak = Math.max(...samples.slice(2));
  assert.ok(peak - early < 48 * 1024 * 1024, `memory grew from ${(early / 2 ** 20).toFixed(1)} to ${(peak / 2 ** 20).toFixed(1)} MiB`);
});
