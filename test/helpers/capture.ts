// Capture helpers for tests: run tcpdump or dumpcap on loopback around real traffic, start only once
// packets really reach the file, and stop only once the file really holds the last packet.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CaptureSpec {
  tool: 'tcpdump' | 'dumpcap';
  iface?: string;
  /** BPF filter, e.g. "tcp port 5555". */
  filter: string;
  nano?: boolean;
  /** -y value, e.g. LINUX_SLL2. */
  linkType?: string;
}

export interface RunningCapture {
  file: string;
  /** Waits until the file contains `marker` (the last bytes the test sent), then stops the tool. */
  stopAfter(marker: Buffer): Promise<Buffer>;
  /** Sends a UDP end marker to itself, waits until the file holds it, then stops the tool. */
  stop(): Promise<Buffer>;
  kill(): void;
}

export interface CaptureTool {
  child: ChildProcess;
  /** Resolves with the exit code once the tool has exited and its output streams are closed. */
  exited: Promise<number | null>;
  stderr(): string;
}

/**
 * Spawns tcpdump or dumpcap with `args` and resolves once its stderr shows `ready` (it says it is
 * capturing); rejects with what it printed if it fails to start or exits first. Used by every test
 * that captures, whatever arguments it needs.
 */
export async function launchCaptureTool(
  tool: 'tcpdump' | 'dumpcap',
  args: string[],
  o: { ready: RegExp; stdoutTo?: Writable },
): Promise<CaptureTool> {
  const child = spawn(tool, args, { stdio: ['ignore', o.stdoutTo ? 'pipe' : 'ignore', 'pipe'] });
  if (o.stdoutTo) child.stdout!.pipe(o.stdoutTo);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (o.ready.test(stderr)) resolve();
    });
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`${tool} exited (${code}) before capturing: ${stderr}`)));
  });
  return { child, exited, stderr: () => stderr };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'zmtp-inspect-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startCapture(spec: CaptureSpec, dir: string, name: string): Promise<RunningCapture> {
  const file = join(dir, name);
  // The tools say they are capturing a little before packets really flow: also capture UDP probes sent
  // to ourselves, and only return once one of them is in the file. The inspector ignores UDP.
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const probePort = probe.address().port;
  const probeText = Buffer.from(`zmtp-capture-probe-${probePort}`);
  spec = { ...spec, filter: `(${spec.filter}) or (udp port ${probePort})` };
  const iface = spec.iface ?? 'lo';
  const y = spec.linkType ? ['-y', spec.linkType] : [];
  const args =
    spec.tool === 'tcpdump'
      ? // libpcap's ring holds buffer/snaplen packets: with the default 2 MiB and a 256 KiB snap length
        // that is 8, and a burst on a busy machine overflows it. A 64 MiB ring holds 256.
        [
          '-i',
          iface,
          ...y,
          '-U',
          '--immediate-mode',
          '-n',
          '-s',
          '262144',
          '-B',
          '65536',
          ...(spec.nano ? ['--time-stamp-precision=nano'] : []),
          '-w',
          file,
          spec.filter,
        ]
      : // dumpcap buffers a file it writes itself; on a pipe it writes each packet as it comes.
        ['-i', iface, ...y, '-s', '262144', '-B', '64', '-f', spec.filter, '-w', '-'];
  const written = spec.tool === 'dumpcap' ? createWriteStream(file) : undefined;
  const { child, exited, stderr } = await launchCaptureTool(spec.tool, args, {
    ready: spec.tool === 'tcpdump' ? /listening on/ : /Capturing on/,
    stdoutTo: written,
  });
  try {
    for (let i = 0; ; i++) {
      probe.send(probeText, probePort, '127.0.0.1');
      await sleep(50);
      if (existsSync(file) && readFileSync(file).includes(probeText)) break;
      if (i > 200) throw new Error(`${spec.tool} never captured a probe packet: ${stderr()}`);
    }
  } catch (e) {
    child.kill('SIGKILL');
    probe.close();
    throw e;
  }
  let probeOpen = true;
  const closeProbe = () => {
    if (probeOpen) probe.close();
    probeOpen = false;
  };
  const capture: RunningCapture = {
    file,
    async stop() {
      const endText = Buffer.from(`zmtp-capture-end-${probePort}`);
      probe.send(endText, probePort, '127.0.0.1');
      try {
        return await capture.stopAfter(endText);
      } finally {
        closeProbe();
      }
    },
    async stopAfter(marker: Buffer) {
      for (let i = 0; ; i++) {
        if (existsSync(file) && readFileSync(file).includes(marker)) break;
        if (i > 400) {
          child.kill('SIGKILL');
          throw new Error(`${spec.tool} did not write the last packet in time: ${stderr()}`);
        }
        await sleep(50);
      }
      child.kill('SIGINT');
      await exited;
      if (written && !written.closed) await new Promise<void>((r) => written.once('close', () => r()));
      return readFileSync(file);
    },
    kill() {
      closeProbe();
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
  return capture;
}

export { portOf } from './port.js';
