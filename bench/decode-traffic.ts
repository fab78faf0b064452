// Traffic for the decoder benchmark: a libzmq (zeromq.js) PUSH and PULL in this process, talking over
// 127.0.0.1 until the capture file that tcpdump writes reaches the wanted size. Run as its own process
// so the bench can start it inside a network namespace (realistic MTU):
//   node --import tsx bench/decode-traffic.ts CAPTURE_FILE TARGET_BYTES
//   node --import tsx bench/decode-traffic.ts CAPTURE_FILE ROUND_TRIPS reqrep
// Protocol on stdio: prints "port N" once bound, waits for a line on stdin (tcpdump is listening),
// sends, prints "done" and exits. The reqrep mode makes a packet-heavy capture like a NIC's: REQ/REP round
// trips in lock-step, so every message has its own TCP segment (8 clients, ROUND_TRIPS in all).
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as zmq from 'zeromq';

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function reqrep(roundTrips: number): Promise<void> {
  const rep = new zmq.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  const port = Number(rep.lastEndpoint!.split(':').pop());
  process.stdout.write(`port ${port}\n`);
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  const clients = Array.from({ length: 8 }, () => new zmq.Request());
  clients.forEach((c) => c.connect(rep.lastEndpoint!));
  let left = roundTrips;
  const serving = (async () => {
    for await (const [msg] of rep) await rep.send(msg);
  })();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; left > 0; i++) {
        left--;
        await c.send(`client ${k} request ${i} ${'x'.repeat(i % 64)}`);
        await c.receive();
      }
    }),
  );
  clients.forEach((c) => c.close());
  rep.close();
  await serving.catch(() => undefined);
  process.stdout.write(`done ${roundTrips}\n`);
  process.exit(0);
}

async function main(): Promise<void> {
  const [path, targetText, mode] = process.argv.slice(2);
  const target = Number(targetText);
  if (mode === 'reqrep' && target > 0) return reqrep(target);
  if (!path || !(target > 0)) {
    process.stderr.write('usage: decode-traffic.ts CAPTURE_FILE TARGET_BYTES\n');
    process.exit(2);
  }
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const port = Number(pull.lastEndpoint!.split(':').pop());
  process.stdout.write(`port ${port}\n`);
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();

  const push = new zmq.Push();
  push.connect(pull.lastEndpoint!);
  let received = 0;
  const receiving = (async () => {
    for await (const _ of pull) received++;
  })();
  // A mix like real systems: many small messages, some multipart, a few large ones. Sent until the
  // capture file (tcpdump -U writes each packet at once) holds `target` bytes.
  let sent = 0;
  for (let i = 0; ; i++) {
    const frames =
      i % 100 === 0
        ? [Buffer.alloc(32768, i & 0xff)]
        : i % 3 === 0
          ? [Buffer.from(`topic.${i % 17}`), Buffer.alloc(64, 1), Buffer.alloc(8, 2)]
          : [Buffer.alloc(16 + (i % 200), 3)];
    await push.send(frames);
    sent++;
    if (i % 500 === 0) {
      // Let tcpdump catch up so the file size tracks what has been sent.
      await new Promise((r) => setImmediate(r));
      if (fileSize(path) >= target) break;
    }
  }
  // Everything sent is received (and so on the wire) before the capture stops.
  while (received < sent) await new Promise((r) => setTimeout(r, 20));
  push.close();
  pull.close();
  await receiving.catch(() => undefined);
  process.stdout.write(`done ${sent}\n`);
  process.exit(0);
}

await main();
