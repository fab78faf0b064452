// PGM test helpers: PGM packets out of a capture file (through the capture layer), and real pyzmq traffic
// over epgm:// / pgm:// on loopback multicast captured by tcpdump in the test.
import { createSocket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCapture, decodeLinkLayer, IpDefragmenter, readUdp, IPPROTO_UDP, type IpDatagram } from '../../core/capture/index.js';
import { IPPROTO_PGM } from '../../core/pgm/index.js';
import { startCapture, tempDir } from './capture.js';
import { ONE_WRITE_PER_LINE, startPython } from './python.js';

/**
 * tcpdump's own PGM/EPGM test captures and its decodes of them (tcpdump-ref/), outside the repository:
 * ../shared/realcaps beside the checkout, as on developers' machines and in CI.
 */
export const REALCAPS = process.env.REALCAPS_DIR ?? fileURLToPath(new URL('../../../shared/realcaps', import.meta.url));
/** A skip reason for tests on those captures when they are not on this machine (set REALCAPS_DIR). */
export const realcapsMissing: string | false =
  !existsSync(`${REALCAPS}/tcpdump_epgm_zmtp1.pcap`) && `tcpdump's PGM test captures are not at ${REALCAPS} (set REALCAPS_DIR)`;

export interface CapturedPgm {
  /** 1-based packet index in the file. */
  index: number;
  /** The PGM packet bytes (UDP payload for EPGM, IP payload for PGM). */
  bytes: Buffer;
  transport: 'pgm' | 'epgm';
  datagram: IpDatagram;
}

/** Every datagram of a capture that is raw PGM (IP protocol 113) or UDP to/from `udpPort`. */
export async function pgmPacketsOf(file: string, udpPort?: number): Promise<CapturedPgm[]> {
  const out: CapturedPgm[] = [];
  for await (const p of openCapture(file)) {
    if ('kind' in p) continue;
    const packet = p;
    let got: IpDatagram | undefined;
    decodeLinkLayer(packet, { defrag: new IpDefragmenter(), ts: packet.ts, warn: () => {}, datagram: (d) => (got = d) });
    if (!got) continue;
    if (got.protocol === IPPROTO_PGM) out.push({ index: packet.index, bytes: got.payload, transport: 'pgm', datagram: got });
    else if (got.protocol === IPPROTO_UDP) {
      const u = readUdp(got);
      if (typeof u !== 'string' && (udpPort === undefined || u.dstPort === udpPort || u.srcPort === udpPort)) {
        out.push({ index: packet.index, bytes: u.payload, transport: 'epgm', datagram: got });
      }
    }
  }
  return out;
}

// OpenPGM writes its warnings ("Warn: Interface lo reports as a loopback device.") to the same stdout
// without waiting for Python's lines: a line of ours can come glued to the end of one of them.
const isLine = (word: string) => (l: string) => l.endsWith(word);
const jsonLines = (lines: readonly string[]) =>
  lines.flatMap((l) => {
    const m = /\[(?:"[0-9a-f]*"(?:, )?)*\]$/.exec(l);
    return m ? [JSON.parse(m[0]) as string[]] : [];
  });

/** A UDP port free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** A multicast group of our own, so test files running at once do not hear each other. */
export function testGroup(port: number): string {
  return `239.192.${(port >> 8) & 0xff}.${port & 0xff}`;
}

// pyzmq PUB and SUB in one process on the same PGM endpoint; the SUB prints every message it gets as a JSON
// list of hex frames, then "done". Messages come in a JSON file (lists of hex frames).
// The SUB is drained while the PUB sends, and the PUB pauses every 100 messages: libzmq 4.3.4's PGM
// receiver aborts the process (EAGAIN assertion, pgm_receiver.cpp:131) when its SUB's queue is full.
const PY_PUB_SUB = String.raw`
import sys, json, time, zmq
endpoint, messages, settle = sys.argv[1], json.load(open(sys.argv[2])), float(sys.argv[3])
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.RATE, 100000)
pub.connect(endpoint)
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b'')
sub.connect(endpoint)
time.sleep(settle)
got = 0
def drain(timeout):
    global got
    while got < len(messages) and sub.poll(timeout):
        print(json.dumps([f.hex() for f in sub.recv_multipart()]), flush=True)
        got += 1
for i, m in enumerate(messages):
    pub.send_multipart([bytes.fromhex(f) for f in m])
    if i % 100 == 99:
        time.sleep(0.01)
        drain(0)
drain(5000)
time.sleep(0.3)
print('done', flush=True)
pub.close(0); sub.close(0); ctx.term()
`;

export interface PgmRun {
  pcap: Buffer;
  file: string;
  /** What the pyzmq SUB received, as hex frames. */
  received: string[][];
  port: number;
  group: string;
  cleanup(): void;
}

/** Runs a pyzmq PUB and SUB on `endpoint` (PY_PUB_SUB); resolves with what the SUB received (hex frames). */
export async function runPyzmqPubSub(endpoint: string, messages: Buffer[][], dir: string, settle = 0.6): Promise<string[][]> {
  // Thousands of messages do not fit a command line: they go through a file.
  const argsFile = join(dir, 'messages.json');
  writeFileSync(argsFile, JSON.stringify(messages.map((m) => m.map((f) => f.toString('hex')))));
  const py = startPython(['-c', PY_PUB_SUB, endpoint, argsFile, String(settle)], `pyzmq ${endpoint}`, undefined, ONE_WRITE_PER_LINE);
  await py.find(isLine('done'));
  await py.exited;
  return jsonLines(py.lines);
}

/** Captures pyzmq PUB->SUB traffic over `transport`://127.0.0.1;GROUP:PORT with tcpdump. */
export async function capturePyzmqPgm(transport: 'epgm' | 'pgm', messages: Buffer[][], settle = 0.6): Promise<PgmRun> {
  const port = await freeUdpPort();
  const group = testGroup(port);
  const tmp = tempDir();
  const filter = transport === 'epgm' ? `udp port ${port}` : 'ip proto 113';
  const cap = await startCapture({ tool: 'tcpdump', filter }, tmp.dir, `${transport}.pcap`);
  try {
    const received = await runPyzmqPubSub(`${transport}://127.0.0.1;${group}:${port}`, messages, tmp.dir, settle);
    const pcap = await cap.stop();
    return { pcap, file: cap.file, received, port, group, cleanup: tmp.cleanup };
  } catch (e) {
    cap.kill();
    tmp.cleanup();
    throw e;
  }
}

// A pyzmq SUB with a tiny kernel receive buffer, in its own process: a burst overflows the buffer, so
// OpenPGM's receiver really loses packets and asks for them again (NAK with NAK lists), and the PUB's
// OpenPGM confirms (NCF) and repairs (RDATA). Its libzmq queue is drained as it fills (see PY_PUB_SUB).
const PY_LOSSY_SUB = String.raw`
import sys, json, zmq
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.RCVBUF, int(sys.argv[2]))
sub.setsockopt(zmq.SUBSCRIBE, b'')
sub.connect(sys.argv[1])
print('ready', flush=True)
while sub.poll(4000):
    print(json.dumps([f.hex() for f in sub.recv_multipart()]), flush=True)
print('done', flush=True)
sub.close(0); ctx.term()
`;

const PY_PUB_ONLY = String.raw`
import sys, json, time, zmq
endpoint, messages = sys.argv[1], json.load(open(sys.argv[2]))
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.RATE, 1000000)
pub.setsockopt(zmq.SNDHWM, 0)
pub.connect(endpoint)
time.sleep(1)
for m in messages:
    pub.send_multipart([bytes.fromhex(f) for f in m])
time.sleep(3)
print('done', flush=True)
pub.close(0); ctx.term()
`;

/** pyzmq PUB to a SUB that loses packets in its kernel buffer: a capture with real NAKs, NCFs and RDATA. */
export async function capturePyzmqEpgmRepairs(messages: Buffer[][], rcvbuf = 2048): Promise<PgmRun> {
  const port = await freeUdpPort();
  const group = testGroup(port);
  const tmp = tempDir();
  const cap = await startCapture({ tool: 'tcpdump', filter: `udp port ${port}` }, tmp.dir, 'epgm-repairs.pcap');
  const endpoint = `epgm://127.0.0.1;${group}:${port}`;
  const sub = startPython(['-c', PY_LOSSY_SUB, endpoint, String(rcvbuf)], 'pyzmq lossy SUB', undefined, ONE_WRITE_PER_LINE);
  try {
    await sub.find(isLine('ready'));
    const argsFile = join(tmp.dir, 'messages.json');
    writeFileSync(argsFile, JSON.stringify(messages.map((m) => m.map((f) => f.toString('hex')))));
    const pub = startPython(['-c', PY_PUB_ONLY, endpoint, argsFile], 'pyzmq PUB', undefined, ONE_WRITE_PER_LINE);
    await pub.find(isLine('done'));
    await pub.exited;
    // The SUB ends after 4 s without a message; what it got is not what this capture is for.
    await sub.exited;
    const received = jsonLines(sub.lines);
    const pcap = await cap.stop();
    return { pcap, file: cap.file, received, port, group, cleanup: tmp.cleanup };
  } catch (e) {
    (e as Error).message += ` (SUB printed ${sub.lines.length} lines: ${JSON.stringify(sub.lines.slice(0, 3))})`;
    sub.child.kill('SIGKILL');
    cap.kill();
    tmp.cleanup();
    throw e;
  }
}
