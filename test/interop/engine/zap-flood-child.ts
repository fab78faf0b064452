// For zap-flood.test.ts: our PLAIN server (a Reply echoing requests) with our engine's ZAP handler, in a
// process of its own so its memory can be measured. The handler answers every user at once except
// 'flooder', whose request it holds until told 'release' (a slow ZAP handler). Printed as JSON lines:
// {port}, the monitor events that end a connection (with the peer's address), and on 'stats' the bytes
// read from each peer (through the wire tap: what the engine really took off the socket) and the RSS.
import { createInterface } from 'node:readline';
import { Reply, Router, addWireTap, encodeZapReply, parseZapRequest } from '../../../core/internal.js';

const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const zap = new Router({ linger: 0 });
await zap.bind('inproc://zeromq.zap.01');
let held: Buffer[] | undefined;
void (async () => {
  for await (const [routingId, ...frames] of zap) {
    const request = parseZapRequest(frames);
    if ('error' in request) continue;
    const user = Buffer.from(request.credentials[0] ?? []).toString();
    const reply = [routingId, Buffer.alloc(0), ...encodeZapReply({ requestId: request.requestId, statusCode: '200', userId: user })];
    if (user === 'flooder') {
      held = reply;
      print({ zapHeld: user });
    } else await zap.send(reply);
  }
})();

const inBytes = new Map<string, number>();
addWireTap((c) => {
  if (c.direction === 'in') inBytes.set(c.remoteAddress, (inBytes.get(c.remoteAddress) ?? 0) + c.data.length);
});

const rep = new Reply({ linger: 0, plainServer: true, zapDomain: 'flood' });
await rep.bind('tcp://127.0.0.1:*');
void (async () => {
  for await (const event of rep.events) {
    const e = event as { type: string; remoteAddress?: string; reason?: string };
    if (e.type === 'disconnect' || e.type.startsWith('handshake:error'))
      print({ event: e.type, remote: e.remoteAddress, reason: e.reason });
  }
})();
void (async () => {
  for await (const [m] of rep) await rep.send(m);
})();

const gc = (globalThis as { gc?: () => void }).gc;
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line === 'stats') {
    gc?.();
    print({ stats: { inBytes: Object.fromEntries(inBytes), rss: process.memoryUsage().rss } });
  } else if (line === 'release' && held) {
    await zap.send(held);
    held = undefined;
    print({ released: true });
  } else if (line === 'stop') {
    rep.close();
    zap.close();
    process.exit(0);
  }
});
gc?.();
print({ port: Number(rep.lastEndpoint!.split(':').pop()), rss: process.memoryUsage().rss });
