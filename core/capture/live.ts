// Live capture through dumpcap (pcapng on stdout) or tcpdump (pcap on stdout): the tool does the
// privileged part, this side parses its output as it arrives. Errors from the tool (missing binary,
// no permission, unknown interface, bad filter) become CaptureErrors with a specific code.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { CaptureError } from './errors.js';
import { openCapture } from './open.js';
import { captureWarning, type CaptureWarning, type Packet } from './types.js';

export type CaptureTool = 'dumpcap' | 'tcpdump';

export interface LiveCaptureOptions {
  /** Interface name as listed by listInterfaces() (e.g. "lo", "eth0", "any"). */
  interface: string;
  /** Capture filter (BPF syntax, e.g. "tcp port 5555"). */
  filter?: string;
  /** Which tool to run; 'auto' (default) tries dumpcap, then tcpdump. */
  tool?: CaptureTool | 'auto';
  /** Path of the tool's executable (default: its name, looked up in PATH), or one path per tool. */
  toolPath?: string | Partial<Record<CaptureTool, string>>;
  /** Snap length in bytes (default 262144). */
  snapLen?: number;
  /** Ask for nanosecond timestamps (tcpdump --time-stamp-precision=nano; dumpcap's pcapng has them already). */
  nanosecond?: boolean;
  /** Link-layer type to ask the tool for (its -y option, e.g. "LINUX_SLL2" on the "any" device). */
  linkType?: string;
  /** Also write the raw capture, as the tool produced it, to this file. */
  teeFile?: string;
  /** Run the tool as this user/group id (e.g. to drop root privileges). */
  uid?: number;
  gid?: number;
}

export interface CaptureInterface {
  /** Position in the tool's list (1-based). */
  index: number;
  name: string;
  description?: string;
  /** tcpdump's status flags, e.g. ["Up", "Running", "Loopback"]. */
  flags?: string[];
}

const READY = { dumpcap: /Capturing on/, tcpdump: /listening on/ } as const;

// Tools still running when this process exits are stopped, so none is left capturing as an orphan
// (an idle tcpdump would otherwise only notice its closed stdout at its next write).
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('close', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGTERM');
    });
  }
}

/** Turns a capture tool's stderr into a CaptureError with a specific code and an actionable message. */
export function classifyToolError(tool: CaptureTool, stderr: string, iface?: string, filter?: string): CaptureError {
  const text = stderr.trim();
  const detail =
    text
      .split('\n')
      .filter((l) => l.trim() && !/^Running as user|^Capturing on|^File:/.test(l))
      .slice(-3)
      .join(' | ') || `${tool} exited without a message`;
  if (/permission|not permitted|Operation not permitted|access denied/i.test(text)) {
    return new CaptureError(
      'EPERM',
      `${tool} has no permission to capture${iface ? ` on ${iface}` : ''}: run as root, or grant it capture capabilities ` +
        `(e.g. setcap cap_net_raw,cap_net_admin=eip $(which ${tool})${tool === 'dumpcap' ? ', or join the wireshark group' : ''}). ${tool} said: ${detail}`,
    );
  }
  if (
    /No such device|There is no device named|no such interface|doesn't exist|is not up|No such file or directory \(.*device/i.test(text)
  ) {
    return new CaptureError('ENODEV', `no capture interface named ${JSON.stringify(iface ?? '')}; ${tool} said: ${detail}`);
  }
  if (
    /syntax error|Invalid capture filter|can't parse filter|parse error|illegal token|unknown host|expression rejects all packets/i.test(
      text,
    )
  ) {
    return new CaptureError('EFILTER', `capture filter ${JSON.stringify(filter ?? '')} is not valid: ${detail}`);
  }
  return new CaptureError('ETOOL', `${tool} failed: ${detail}`);
}

function notFound(tool: CaptureTool, path: string): CaptureError {
  const pkg = tool === 'dumpcap' ? 'wireshark-common (Debian/Ubuntu) or wireshark' : 'tcpdump';
  return new CaptureError('ENOENT', `${tool} was not found (${path}); install ${pkg} to capture live traffic`);
}

/** A running capture: start() it, iterate its packets, stop() it (the iteration then ends). Keep
 *  iterating while it runs: an unread capture pauses the tool (and the tee file) once 1 MiB is queued. */
export class LiveCapture implements AsyncIterable<Packet | CaptureWarning> {
  private child: ChildProcess | undefined;
  /** The child being started (not yet capturing), so stop() can end a start that hangs. */
  private starting: ChildProcess | undefined;
  private startPromise: Promise<void> | undefined;
  private exitPromise: Promise<void> | undefined;
  private readonly output = new PassThrough({ highWaterMark: 1024 * 1024 });
  private tee: WriteStream | undefined;
  private stderr = '';
  private stopping = false;
  private exitCode: number | null = null;
  private iterated = false;
  /** The tool actually running, once started. */
  tool: CaptureTool | undefined;

  constructor(private readonly options: LiveCaptureOptions) {
    if (typeof options?.interface !== 'string' || !options.interface.trim())
      throw new CaptureError('ENODEV', 'live capture needs an interface name');
    if (options.filter !== undefined && typeof options.filter !== 'string')
      throw new CaptureError('EFILTER', 'capture filter must be a string');
    const snap = options.snapLen;
    if (snap !== undefined && !(Number.isInteger(snap) && snap >= 1 && snap <= 262144)) {
      throw new CaptureError('ETOOL', `snap length must be an integer from 1 to 262144, got ${String(snap)}`);
    }
    if (options.tool !== undefined && !['auto', 'dumpcap', 'tcpdump'].includes(options.tool)) {
      throw new CaptureError('ETOOL', `unknown capture tool ${JSON.stringify(options.tool)}; use dumpcap, tcpdump or auto`);
    }
  }

  /** Starts the tool; resolves once it reports that it is capturing. */
  start(): Promise<void> {
    this.startPromise ??= this.launch();
    return this.startPromise;
  }

  private async launch(): Promise<void> {
    const want = this.options.tool ?? 'auto';
    const candidates: CaptureTool[] = want === 'auto' ? ['dumpcap', 'tcpdump'] : [want];
    let lastError: unknown;
    for (const tool of candidates) {
      try {
        await this.run(tool);
        this.tool = tool;
        return;
      } catch (e) {
        lastError = e;
        if (!(e instanceof CaptureError && e.code === 'ENOENT' && want === 'auto')) break;
      }
    }
    this.output.end();
    throw lastError;
  }

  private args(tool: CaptureTool): string[] {
    const o = this.options;
    const snap = String(o.snapLen ?? 262144);
    const y = o.linkType ? ['-y', o.linkType] : [];
    if (tool === 'dumpcap') return ['-i', o.interface, '-s', snap, ...y, ...(o.filter ? ['-f', o.filter] : []), '-w', '-'];
    // --immediate-mode: without it packets wait in the kernel ring until a block times out (1 s), and the
    // ones still waiting when tcpdump is stopped are lost. Immediate mode makes libpcap use a ring of
    // snaplen-sized slots, so -B asks for 64 MiB (256 slots of 256 KiB): the default 2 MiB drops bursts.
    // "--": a filter starting with "-" must stay a filter, never become an option.
    return [
      '-i',
      o.interface,
      '-s',
      snap,
      ...y,
      '--immediate-mode',
      '-B',
      '65536',
      '-U',
      '-n',
      ...(o.nanosecond ? ['--time-stamp-precision=nano'] : []),
      '-w',
      '-',
      ...(o.filter ? ['--', o.filter] : []),
    ];
  }

  private run(tool: CaptureTool): Promise<void> {
    const tp = this.options.toolPath;
    const path = (typeof tp === 'string' ? tp : tp?.[tool]) ?? tool;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let child: ChildProcess;
      try {
        child = spawn(path, this.args(tool), {
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(this.options.uid !== undefined ? { uid: this.options.uid } : {}),
          ...(this.options.gid !== undefined ? { gid: this.options.gid } : {}),
        });
      } catch (e) {
        reject(new CaptureError('ETOOL', `cannot start ${tool}: ${(e as Error).message}`, { cause: e }));
        return;
      }
      track(child);
      this.starting = child;
      this.stderr = '';
      child.stderr!.setEncoding('utf8');
      // dumpcap says "Capturing on" before it has opened the device; it is really capturing once it
      // has written its section header. tcpdump says "listening on" after opening and filtering.
      let wroteHeader = tool === 'tcpdump';
      const checkReady = () => {
        if (!ready && wroteHeader && !this.stopping && READY[tool].test(this.stderr)) {
          ready = true;
          this.child = child;
          resolve();
        }
      };
      child.stderr!.on('data', (s: string) => {
        if (this.stderr.length < 64 * 1024) this.stderr += s;
        checkReady();
      });
      child.stdout!.once('data', () => {
        wroteHeader = true;
        checkReady();
      });
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (ready) return;
        ready = true;
        if (e.code === 'ENOENT') reject(notFound(tool, path));
        else if (e.code === 'EACCES' || e.code === 'EPERM')
          reject(new CaptureError('EPERM', `cannot execute ${path}: ${e.message}`, { cause: e }));
        else reject(new CaptureError('ETOOL', `cannot start ${tool}: ${e.message}`, { cause: e }));
      });
      this.exitPromise = new Promise<void>((done) => {
        child.once('close', (code) => {
          if (!ready) {
            ready = true;
            reject(
              this.stopping
                ? new CaptureError('ETOOL', `${tool} was stopped before it started capturing`)
                : classifyToolError(tool, this.stderr, this.options.interface, this.options.filter),
            );
          } else if (this.child === child) {
            this.exitCode = code ?? -1;
            this.output.end(); // all of stdout has been piped by now
          }
          done();
        });
      });
      if (this.options.teeFile) {
        this.tee = createWriteStream(this.options.teeFile);
        this.tee.on('error', () => {
          // Reported through the iteration below; the capture itself goes on.
          this.teeError = true;
        });
        child.stdout!.pipe(this.tee);
      }
      child.stdout!.pipe(this.output, { end: false });
    });
  }

  private teeError = false;

  /** Packets as the tool delivers them; ends after stop() (or when the tool exits). */
  async *[Symbol.asyncIterator](): AsyncIterator<Packet | CaptureWarning> {
    if (this.iterated) throw new Error('a LiveCapture can be iterated only once');
    this.iterated = true;
    await this.start();
    try {
      yield* openCapture(this.output);
    } catch (e) {
      // A capture stopped before the tool wrote its file header is simply empty.
      if (!(this.stopping && e instanceof CaptureError && e.code === 'EEMPTY')) throw e;
    }
    await this.exitPromise;
    if (this.teeError) yield captureWarning('CAPTURE_COPY_FAILED', `could not write the capture copy to ${this.options.teeFile}`);
    if (!this.stopping && this.exitCode !== 0)
      throw classifyToolError(this.tool!, this.stderr, this.options.interface, this.options.filter);
  }

  /** Stops the tool (it flushes what it captured first) and waits for it to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    // A tool that has not said it is capturing yet is stopped too (start() then rejects).
    const starting = this.starting;
    if (!this.child && starting && starting.exitCode === null && starting.signalCode === null) starting.kill('SIGTERM');
    if (this.startPromise) await this.startPromise.catch(() => {});
    const child = this.child;
    if (!child || this.exitCode !== null || child.exitCode !== null) {
      await this.exitPromise;
      await this.closeTee();
      return;
    }
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exitPromise;
    clearTimeout(killer);
    await this.closeTee();
  }

  private async closeTee(): Promise<void> {
    const tee = this.tee;
    if (!tee || tee.closed) return;
    await new Promise<void>((r) => (tee.writableFinished ? r() : tee.once('close', () => r()).once('finish', () => r())));
  }

  /** The tool's stderr so far (for diagnostics). */
  get toolMessages(): string {
    return this.stderr;
  }

  /** Lists capture interfaces with `dumpcap -D` (or `tcpdump -D`). */
  static async listInterfaces(tool: CaptureTool | 'auto' = 'auto', toolPath?: string): Promise<CaptureInterface[]> {
    const candidates: CaptureTool[] = tool === 'auto' ? ['dumpcap', 'tcpdump'] : [tool];
    let lastError: unknown;
    for (const t of candidates) {
      try {
        const out = await runForOutput(t, toolPath ?? t, ['-D']);
        return parseInterfaceList(out);
      } catch (e) {
        lastError = e;
        if (!(e instanceof CaptureError && e.code === 'ENOENT' && tool === 'auto')) break;
      }
    }
    throw lastError;
  }
}

/** Parses `dumpcap -D` ("1. eth0 (desc)") and `tcpdump -D` ("1.eth0 (desc) [Up, Running]") output. */
export function parseInterfaceList(text: string): CaptureInterface[] {
  const out: CaptureInterface[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\.\s*(\S+)(?:\s+\((.*?)\))?(?:\s+\[(.*)\])?\s*$/.exec(line.trim());
    if (!m) continue;
    const i: CaptureInterface = { index: Number(m[1]), name: m[2] };
    if (m[3]) i.description = m[3];
    if (m[4])
      i.flags = m[4]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    out.push(i);
  }
  return out;
}

function runForOutput(tool: CaptureTool, path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? notFound(tool, path) : new CaptureError('ETOOL', `cannot run ${tool}: ${e.message}`)),
    );
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(classifyToolError(tool, stderr))));
  });
}
