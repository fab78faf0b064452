// epgm:// against libzmq 4.3.4 with OpenPGM (pyzmq), both directions, over real multicast: pyzmq runs in
// a network namespace joined to ours by a veth pair (OpenPGM holds its UDP port with SO_REUSEPORT, which
// Node cannot share, so the two cannot sit on one host's port). Multipart messages, thousands of them,
// messages of many packets, and subscribers that join a running stream and must start at a whole message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Publisher, Subscriber } from '../../../core/engine/sockets.js';
import { ONE_WRITE_PER_LINE, startPython, type PythonChild } from '../../helpers/python.js';
import { createNetnsLink, netnsUnavailable, type NetnsLink } from '../../helpers/netns.js';
import { startCapture, tempDir } from '../../helpers/capture.js';
import { pgmPacketsOf } from '../../helpers/pgm.js';
import { prng } from '../../helpers/random.js';
import { parsePgmPacket } from '../../../core/pgm/index.js';
import { startPgmRelay, type RelaySide } from './pgm-relay.js';

const PEER = fileURLToPath(new URL('./peers/epgm-peer.py', import.meta.url));
const GROUP = '239.192.7.1';
const LARGE = 20000;

function pgmUnavailable(): string | undefined {
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', "import zmq; print(zmq.has('pgm'))"], { encoding: 'utf8' });
    return out.trim() === 'True' ? undefined : "pyzmq's libzmq has no OpenPGM";
  } catch {
    return 'needs /usr/bin/python3 with pyzmq';
  }
}

const skip = netnsUnavailable() ?? pgmUnavailable();
let link: NetnsLink;
before(() => {
  if (!skip) link = createNetnsLink('epgm');
});
after(() => link?.close());

/** The messages both sides send and check (the same pattern as epgm-peer.py's expected()). */
function expected(i: number, late = false): Buffer[] {
  if (late) return [Buffer.from(`late${i}`), Buffer.from(Array.from({ length: 3000 }, (_, j) => (i * 7 + j) % 251))];
  if (i % 100 === 5)
    return [Buffer.from(`multi${i}`), Buffer.alloc(0), Buffer.from(Array.from({ length: LARGE }, (_, j) => (i + j) % 251))];
  return [Buffer.from(`m${i}`)];
}

const ours = (port: number, group = GROUP) => `epgm://${link.hostAddr};${group}:${port}`;
const theirs = (port: number, group = GROUP) => `epgm://${link.nsAddr};${group}:${port}`;

async function pySummary(py: PythonChild): Promise<{ count: number; first: number | null; last: number | null; errors: string[] }> {
  return JSON.parse(await py.find((l) => l.startsWith('{')));
}

/** Our PUB at `from` sends n messages at `rate` kbit/s; a pyzmq SUB at `to` (in the namespace) gets them all, in order. */
async function ourPubToPyzmqSub(n: number, rate: number, from: string, to: string): Promise<void> {
  const py = startPython([PEER, 'sub', to, String(n), '15000'], 'pyzmq sub', link.ns, ONE_WRITE_PER_LINE);
  const pub = new Publisher({ rate, sendHighWaterMark: 0 });
  try {
    await py.find((l) => l === 'ready');
    await pub.bind(from);
    for (let i = 0; i < n; i++) await pub.send(expected(i));
    assert.deepEqual(await pySummary(py), { count: n, first: 0, last: n - 1, errors: [] });
  } finally {
    pub.close();
    py.child.kill();
  }
}

/** A pyzmq PUB at `from` (in the namespace) sends n messages; our SUB at `to` gets them all, in order and whole. */
async function pyzmqPubToOurSub(n: number, from: string, to: string): Promise<void> {
  const sub = new Subscriber({ receiveHighWaterMark: 0, receiveTimeout: 15000 });
  sub.subscribe();
  const py = startPython([PEER, 'pub', from], 'pyzmq pub', link.ns, ONE_WRITE_PER_LINE);
  try {
    await sub.bind(to);
    await py.find((l) => l === 'ready');
    py.send(`send ${n}`);
    // Taken first and checked after, so checking does not hold up reading the socket.
    const got: Buffer[][] = [];
    for (let i = 0; i < n; i++) got.push(await sub.receive());
    for (let i = 0; i < n; i++) assert.deepEqual(got[i], expected(i), `message ${i}`);
  } finally {
    sub.close();
    py.child.kill();
  }
}

test('epgm: our PUB to a libzmq SUB: 3000 messages in order, multipart and 20000-byte ones whole', { skip }, async () => {
  await ourPubToPyzmqSub(3000, 100000, ours(5701), theirs(5701));
});

test('epgm: a libzmq PUB to our SUB: 3000 messages in order, multipart and 20000-byte ones whole', { skip }, async () => {
  await pyzmqPubToOurSub(3000, theirs(5702), ours(5702));
});

test('epgm: our SUB joining a running libzmq stream starts at a whole message and misses none after it', { skip }, async () => {
  const py = startPython([PEER, 'pub', theirs(5703)], 'pyzmq pub', link.ns, ONE_WRITE_PER_LINE);
  const sub = new Subscriber({ receiveHighWaterMark: 0, receiveTimeout: 15000 });
  sub.subscribe();
  try {
    await py.find((l) => l === 'ready');
    py.send('stream');
    // Each message spans three packets; joining now lands in the middle of one.
    await new Promise((r) => setTimeout(r, 700));
    await sub.bind(ours(5703));
    const first = await sub.receive();
    const start = Number(/^late(\d+)$/.exec(first[0].toString())?.[1]);
    assert.ok(start > 0, `joined late, at message ${start}`);
    assert.deepEqual(first, expected(start, true));
    for (let i = start + 1; i < start + 100; i++) assert.deepEqual(await sub.receive(), expected(i, true), `message ${i}`);
  } finally {
    sub.close();
    py.child.kill();
  }
});

test('epgm: a libzmq SUB joining our running stream starts at a whole message and misses none after it', { skip }, async () => {
  const pub = new Publisher({ rate: 100000 });
  await pub.bind(ours(5704));
  let i = 0;
  let sending = true;
  const stream = (async () => {
    while (sending) {
      await pub.send(expected(i++, true));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  const py = startPython([PEER, 'sub', theirs(5704), '100', '15000'], 'pyzmq sub', link.ns, ONE_WRITE_PER_LINE);
  try {
    const summary = await pySummary(py);
    assert.equal(summary.count, 100);
    assert.ok((summary.first ?? 0) > 0, `joined late, at message ${summary.first}`);
    assert.deepEqual(summary.errors, []);
  } finally {
    sending = false;
    await stream;
    pub.close();
    py.child.kill();
  }
});

/**
 * Runs `exchange` with a relay between the two sides that drops 10% of the ODATA (seeded), capturing both
 * sides' ports on all interfaces; returns the relay's record and the PGM packets of the capture by type.
 */
async function withLossyRelay(from: RelaySide, to: RelaySide, exchange: () => Promise<void>) {
  const tmp = tempDir();
  const cap = await startCapture(
    { tool: 'tcpdump', iface: 'any', filter: `udp and (port ${from.port} or port ${to.port})` },
    tmp.dir,
    'loss.pcap',
  );
  const random = prng(14);
  const relay = await startPgmRelay({ host: link.hostAddr, from, to, drop: () => random() < 0.1 });
  try {
    await exchange();
    await cap.stop();
    const byType: Record<string, number[]> = {};
    for (const c of await pgmPacketsOf(cap.file)) {
      const r = parsePgmPacket(c.bytes);
      if (r.ok) (byType[r.packet.type] ??= []).push('sqn' in r.packet ? r.packet.sqn : 0);
    }
    return { dropped: [...relay.dropped], byType };
  } finally {
    relay.close();
    cap.kill();
    tmp.cleanup();
  }
}

function assertRepaired(dropped: number[], byType: Record<string, number[]>): void {
  assert.ok(dropped.length >= 5, `the relay dropped ${dropped.length} ODATA packets`);
  assert.ok((byType.NAK ?? []).length > 0, 'NAKs in the capture');
  assert.ok((byType.NCF ?? []).length > 0, 'NCFs in the capture');
  const repaired = new Set(byType.RDATA ?? []);
  for (const sqn of dropped) assert.ok(repaired.has(sqn), `RDATA for dropped #${sqn} in the capture`);
}

test(
  'epgm loss: our PUB through a relay dropping 10% of ODATA to a libzmq SUB: every message arrives, NAK/NCF/RDATA on the wire',
  { skip },
  async () => {
    const n = 1000;
    const from = { group: '239.192.7.2', port: 5711 };
    const to = { group: '239.192.7.3', port: 5712 };
    const { dropped, byType } = await withLossyRelay(from, to, () =>
      ourPubToPyzmqSub(n, 20000, ours(from.port, from.group), theirs(to.port, to.group)),
    );
    assertRepaired(dropped, byType);
  },
);

test(
  'epgm loss: a libzmq PUB through a relay dropping 10% of ODATA to our SUB: every message arrives, NAK/NCF/RDATA on the wire',
  { skip },
  async () => {
    const n = 1000;
    const from = { group: '239.192.7.4', port: 5713 };
    const to = { group: '239.192.7.5', port: 5714 };
    const { dropped, byType } = await withLossyRelay(from, to, () =>
      pyzmqPubToOurSub(n, theirs(from.port, from.group), ours(to.port, to.group)),
    );
    assertRepaired(dropped, byType);
  },
);

// pyzmq PUB with the same options as ours: its packets are the reference for TPDU size, window and TTL.
const PY_OPTIONS_PUB = String.raw`
import sys, time, zmq
ctx = zmq.Context()
p = ctx.socket(zmq.PUB)
p.setsockopt(zmq.RATE, 400)
p.setsockopt(zmq.RECOVERY_IVL, 500)
p.setsockopt(zmq.MULTICAST_MAXTPDU, 700)
p.setsockopt(zmq.MULTICAST_HOPS, 4)
p.setsockopt(zmq.SNDHWM, 0)
p.connect(sys.argv[1])
time.sleep(0.3)
for i in range(60):
    p.send(b"x" * 1000)
time.sleep(2)
p.close()
ctx.term()
print("done", flush=True)
`;

/** Per source port: largest ODATA TSDU, the last SPM's lead - trail + 1 (the transmit window), IP TTLs. */
async function sourceShape(file: string, port: number) {
  let maxTsdu = 0;
  let window = 0;
  for (const c of await pgmPacketsOf(file, port)) {
    const r = parsePgmPacket(c.bytes);
    if (!r.ok) continue;
    if (r.packet.type === 'ODATA') maxTsdu = Math.max(maxTsdu, r.packet.data.length);
    if (r.packet.type === 'SPM') window = (r.packet.lead - r.packet.trail + 1) >>> 0;
  }
  const text = execFileSync('tcpdump', ['-nr', file, '-v', `udp dst port ${port}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ttls = new Set([...text.matchAll(/ttl (\d+)/g)].map((m) => Number(m[1])));
  return { maxTsdu, window, ttls: [...ttls] };
}

test(
  'epgm options as libzmq means them: multicastMaxTransportDataUnit, rate + recoveryInterval (window), multicastHops, same as a libzmq PUB on the wire',
  { skip },
  async () => {
    const tmp = tempDir();
    const cap = await startCapture({ tool: 'tcpdump', iface: 'any', filter: 'udp and (port 5721 or port 5722)' }, tmp.dir, 'options.pcap');
    try {
      const ref = startPython(['-c', PY_OPTIONS_PUB, theirs(5721)], 'pyzmq pub', link.ns, ONE_WRITE_PER_LINE);
      await ref.find((l) => l === 'done');
      const py = startPython([PEER, 'sub', theirs(5722), '60', '15000'], 'pyzmq sub', link.ns, ONE_WRITE_PER_LINE);
      const pub = new Publisher({
        rate: 400,
        recoveryInterval: 500,
        multicastMaxTransportDataUnit: 700,
        multicastHops: 4,
        sendHighWaterMark: 0,
      });
      try {
        await py.find((l) => l === 'ready');
        await pub.bind(ours(5722));
        // Our pattern's messages (m0..m59) with 1000 bytes appended would not match the peer's check: send
        // the peer's own 60 messages, which are short, then the bulk that fills the window.
        for (let i = 0; i < 60; i++) await pub.send(expected(i));
        for (let i = 0; i < 60; i++) await pub.send(Buffer.alloc(1000, 0x78));
        assert.deepEqual(await pySummary(py), { count: 60, first: 0, last: 59, errors: [] });
      } finally {
        pub.close();
        py.child.kill();
      }
      await cap.stop();
      const theirShape = await sourceShape(cap.file, 5721);
      const ourShape = await sourceShape(cap.file, 5722);
      assert.deepEqual(
        theirShape,
        { maxTsdu: 628, window: 35, ttls: [4] },
        'libzmq: TSDU = 700 - IP/UDP/PGM headers - room for OPT_FRAGMENT; window = rate x interval / TPDU',
      );
      assert.deepEqual(ourShape, theirShape);
    } finally {
      cap.kill();
      tmp.cleanup();
    }
  },
);

test(
  'epgm multicastLoop: with it off our own host does not hear our packets (on a real interface; loopback always delivers)',
  { skip },
  async () => {
    const sub = new Subscriber({ receiveTimeout: 10000 });
    sub.subscribe();
    const quiet = new Publisher({ multicastLoop: false });
    const loud = new Publisher();
    try {
      await sub.bind(ours(5731));
      await quiet.bind(ours(5731));
      await loud.bind(ours(5731));
      // The quiet one sends first: had its packets looped back, its message would arrive first.
      await quiet.send('not looped back');
      await new Promise((r) => setTimeout(r, 100));
      await loud.send('looped back');
      assert.deepEqual(await sub.receive(), [Buffer.from('looped back')]);
    } finally {
      sub.close();
      quiet.close();
      loud.close();
    }
  },
);
