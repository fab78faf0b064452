// Decoder benchmark: a ~60 MB capture of real libzmq traffic (made here with tcpdump), decoded by
// `zmtp decode --json > /dev/null`, next to tshark on the same file. Target (issue 3): >= 100 MB/s and
// >= 10x tshark 4.4 with its ZMTP dissector. tshark 4.4 is not in Debian 12: point TSHARK44_ROOT at a
// Debian trixie chroot that has it (debootstrap --variant=minbase --include=tshark trixie DIR); without
// it, tshark 4.0 runs as a floor (it frames TCP but has no ZMTP dissector).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as zmq from 'zeromq';

const CAPTURE = process.env.BENCH_CAPTURE ?? '/tmp/zmtp-bench-60mb.pcap';
const TARGET_BYTES = 60 * 1024 * 1024;
const zmtpBin = fileURLToPath(new URL('../bin/zmtp.js', import.meta.url));

async function makeCapture(path: string): Promise<number> {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const port = Number(pull.lastEndpoint!.split(':').pop());
  const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-w', path, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    dump.stderr!.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
    dump.on('error', reject);
    dump.on('exit', (code) => reject(new Error(`tcpdump exited with ${code}`)));
  });
  const push = new zmq.Push();
  push.connect(pull.lastEndpoint!);
  const receiving = (async () => { for await (const _ of pull) { /* drain */ } })();
  // A mix like real systems: many small messages, some multipart, a few large ones.
  let sent = 0;
  for (let i = 0; sent < TARGET_BYTES; i++) {
    const frames = i % 100 === 0 ? [Buffer.alloc(32768, i & 0xff)]
      : i % 3 === 0 ? [Buffer.from(`topic.${i % 17}`), Buffer.alloc(64, 1), Buffer.alloc(8, 2)]
        : [Buffer.alloc(16 + (i % 200), 3)];
    await push.send(frames);
    sent += frames.reduce((n, f) => n + f.length + 60, 0);
  }
  await new Promise((r) => setTimeout(r, 500));
  dump.kill('SIGINT');
  await new Promise((r) => dump.on('exit', r));
  push.close();
  pull.close();
  await receiving.catch(() => undefined);
  return port;
}

function timeCommand(cmd: string, args: string[]): number | undefined {
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    console.log(`  ${cmd} failed: ${r.error?.message ?? r.stderr?.toString().split('\n')[0]}`);
    return undefined;
  }
  return (performance.now() - start) / 1000;
}

export async function benchDecode(): Promise<void> {
  let port = Number(process.env.BENCH_PORT ?? 0);
  if (!existsSync(CAPTURE) || !port) {
    console.log(`\ndecode: making a ${TARGET_BYTES >> 20} MB capture of libzmq PUSH/PULL traffic at ${CAPTURE} ...`);
    port = await makeCapture(CAPTURE);
  }
  const size = statSync(CAPTURE).size;
  const mb = size / 1e6;
  console.log(`\ndecode: ${CAPTURE} (${mb.toFixed(1)} MB, port ${port})`);
  const ours = timeCommand('sh', ['-c', `node ${zmtpBin} decode --json ${CAPTURE} > /dev/null`]);
  if (ours) console.log(`  zmtp decode --json > /dev/null   ${ours.toFixed(2)} s  ${(mb / ours).toFixed(1)} MB/s (target >= 100 MB/s) ${mb / ours >= 100 ? 'MET' : 'NOT MET'}`);
  const inProcess = spawnSync('node', [zmtpBin, 'bench', 'decode', CAPTURE], { encoding: 'utf8' });
  if (inProcess.status === 0) console.log(`  in-process ${inProcess.stdout.trim().replace(/^decode: \S+\s+/, '')}`);
  const root = process.env.TSHARK44_ROOT ?? '/work/trixie';
  if (existsSync(`${root}/usr/bin/tshark`)) {
    copyFileSync(CAPTURE, `${root}/tmp/bench.pcap`);
    const t = timeCommand('chroot', [root, 'tshark', '-n', '-d', `tcp.port==${port},zmtp`, '-r', '/tmp/bench.pcap', '-T', 'fields', '-e', 'zmtp.data']);
    unlinkSync(`${root}/tmp/bench.pcap`);
    if (t && ours) console.log(`  tshark 4.4 (ZMTP dissector)     ${t.toFixed(2)} s  ${(mb / t).toFixed(1)} MB/s  ratio ${(t / ours).toFixed(1)}x (target >= 10x) ${t / ours >= 10 ? 'MET' : 'NOT MET'}`);
  } else {
    const t = timeCommand('tshark', ['-n', '-r', CAPTURE, '-T', 'fields', '-e', 'tcp.len']);
    if (t && ours) console.log(`  tshark 4.0 (TCP only, no ZMTP)   ${t.toFixed(2)} s  ${(mb / t).toFixed(1)} MB/s  ratio ${(t / ours).toFixed(1)}x (set TSHARK44_ROOT for the 4.4 comparison)`);
  }
}
