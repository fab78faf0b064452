// Makes the sample captures in this folder from real libzmq traffic on loopback (needs root, or
// dumpcap/tcpdump with capture capabilities, plus /usr/bin/python3 with pyzmq for one sample).
// Run: node --import tsx resources/captures/make-samples.ts
// Each sample is captured with the project's own LiveCapture (tee to file), so the files are exactly
// what dumpcap/tcpdump wrote.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { LiveCapture, openCapture, type CaptureTool } from '../../core/capture/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const portOf = (s: zmq.Socket) => Number(s.lastEndpoint!.split(':').at(-1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sample(name: string, tool: CaptureTool, port: number, traffic: () => Promise<void>, nanosecond = false) {
  const file = join(here, name);
  const cap = new LiveCapture({ interface: 'lo', filter: `tcp port ${port}`, tool, teeFile: file, nanosecond });
  await cap.start();
  const drain = (async () => {
    for await (const _ of cap) void _; // the tee only advances while the stream is read
  })();
  try {
    await traffic();
    await sleep(300); // let the last FIN/ACK through the tool before stopping it
  } finally {
    await cap.stop();
    await drain;
  }
  let packets = 0;
  for await (const p of openCapture(file)) if (!('kind' in p)) packets++;
  console.log(`${name}: ${packets} packets`);
}

async function reqRep() {
  const rep = new zmq.Reply({ linger: 1000 });
  const req = new zmq.Request({ linger: 1000 });
  await rep.bind('tcp://127.0.0.1:*');
  await sample('req-rep-null.pcapng', 'dumpcap', portOf(rep), async () => {
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 5; i++) {
      await req.send(`request ${i}`);
      await rep.receive();
      await rep.send([`reply ${i}`, 'second frame']);
      await req.receive();
    }
    req.close();
    await sleep(100);
    rep.close();
  });
}

async function pubSub() {
  const pub = new zmq.Publisher({ linger: 1000 });
  const sub = new zmq.Subscriber({ linger: 1000 });
  await pub.bind('tcp://127.0.0.1:*');
  await sample('pub-sub.pcap', 'tcpdump', portOf(pub), async () => {
    sub.connect(pub.lastEndpoint!);
    sub.subscribe('weather.');
    sub.subscribe('news');
    await sleep(300); // subscriptions reach the publisher
    for (let i = 0; i < 6; i++) await pub.send([i % 2 ? 'weather.paris' : 'sports', `update ${i}`]);
    await pub.send(['news', Buffer.alloc(1000, 0x6e)]);
    sub.unsubscribe('news');
    await sleep(100);
    sub.close();
    await sleep(100);
    pub.close();
  });
}

async function dealerRouterLarge() {
  const router = new zmq.Router({ linger: 1000 });
  const dealer = new zmq.Dealer({ linger: 1000, routingId: 'dealer-1' });
  await router.bind('tcp://127.0.0.1:*');
  await sample('dealer-router-large.pcapng', 'dumpcap', portOf(router), async () => {
    dealer.connect(router.lastEndpoint!);
    await dealer.send(['small', Buffer.alloc(300, 1), Buffer.alloc(100_000, 2)]);
    const [id, ...parts] = await router.receive();
    await router.send([id, 'got', String(parts.length)]);
    await dealer.receive();
    dealer.close();
    await sleep(100);
    router.close();
  });
}

/** A ZAP handler that accepts everyone (libzmq asks it about each PLAIN/CURVE handshake). */
async function zapAcceptAll(): Promise<zmq.Router> {
  const zap = new zmq.Router({ linger: 0 });
  await zap.bind('inproc://zeromq.zap.01');
  void (async () => {
    try {
      for await (const [id, delimiter, version, requestId] of zap) {
        await zap.send([id, delimiter, version, requestId, '200', 'OK', 'user', '']);
      }
    } catch {
      // closed
    }
  })();
  return zap;
}

async function plain() {
  const zap = await zapAcceptAll();
  const server = new zmq.Reply({ linger: 1000, plainServer: true });
  const client = new zmq.Request({ linger: 1000, plainUsername: 'admin', plainPassword: 'secret' });
  await server.bind('tcp://127.0.0.1:*');
  await sample('plain-auth.pcap', 'tcpdump', portOf(server), async () => {
    client.connect(server.lastEndpoint!);
    await client.send('hello with PLAIN');
    await server.receive();
    await server.send('welcome');
    await client.receive();
    client.close();
    await sleep(100);
    server.close();
  });
  zap.close();
}

async function curve() {
  const zap = await zapAcceptAll();
  const serverKeys = zmq.curveKeyPair();
  const clientKeys = zmq.curveKeyPair();
  const server = new zmq.Reply({ linger: 1000, curveServer: true, curveSecretKey: serverKeys.secretKey });
  const client = new zmq.Request({
    linger: 1000,
    curveServerKey: serverKeys.publicKey,
    curvePublicKey: clientKeys.publicKey,
    curveSecretKey: clientKeys.secretKey,
  });
  await server.bind('tcp://127.0.0.1:*');
  await sample('curve.pcapng', 'dumpcap', portOf(server), async () => {
    client.connect(server.lastEndpoint!);
    await client.send('secret request');
    await server.receive();
    await server.send('secret reply');
    await client.receive();
    client.close();
    await sleep(100);
    server.close();
  });
  zap.close();
}

async function pyzmq() {
  const rep = new zmq.Reply({ linger: 1000 });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep);
  await sample(
    'pyzmq-req-rep-nano.pcap',
    'tcpdump',
    port,
    async () => {
      const py = `import zmq\nc=zmq.Context()\ns=c.socket(zmq.REQ)\ns.connect("tcp://127.0.0.1:${port}")\nfor i in range(3):\n    s.send(b"from pyzmq %d" % i)\n    s.recv()\ns.close()\nc.term()\n`;
      const serve = (async () => {
        for (let i = 0; i < 3; i++) {
          await rep.receive();
          await rep.send(`from zeromq.js ${i}`);
        }
      })();
      const child = spawn('/usr/bin/python3', ['-c', py], { stdio: 'inherit' });
      const status = await new Promise<number | null>((r) => child.once('close', r));
      if (status !== 0) throw new Error('pyzmq client failed');
      await serve;
      rep.close();
    },
    true,
  );
}

const only = process.argv[2];
if (!only || only === 'req-rep') await reqRep();
if (!only || only === 'pub-sub') await pubSub();
if (!only || only === 'dealer-router') await dealerRouterLarge();
if (!only || only === 'plain') await plain();
if (!only || only === 'curve') await curve();
if (!only || only === 'pyzmq') await pyzmq();
