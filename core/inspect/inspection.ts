// One capture's decoding, set up once for every way packets arrive: the inspector, the counters the
// summary reports, abort and pace. Packets come either from a source read on this thread (live captures,
// stdin, small uploads) or from the capture thread (capture-worker.ts: reading, link/IP/TCP decoding
// and reassembly on a second core), whose batches this thread feeds to the inspector. Both give the same
// records, warnings and summary; only `threads` (and captureThreadCpuSeconds) tell them apart.
import { openCapture, type CaptureSource } from '../capture/open.js';
import { TcpReassembler, type PlainDataSink } from '../capture/reassembly.js';
import type { ByteSource } from '../capture/chunk-reader.js';
import { growingFileBytes, isGrowingFile, type GrowingFile } from '../capture/growing-file.js';
import { readBatch, type BatchHandler } from '../capture/event-batch.js';
import { captureThreadWanted, runCaptureThread } from '../capture/capture-thread.js';
import type { CaptureWarning, Packet, TcpConnection, TcpStreamEvent } from '../capture/types.js';
import { Inspector } from './inspector.js';
import type { DecodeCaptureOptions, DecodeSummary, InspectPacketsOptions } from './decode-capture.js';

export class Inspection {
  readonly inspector: Inspector;
  private records = 0;
  private warnings = 0;
  private packets = 0;
  private lastTs: number | undefined;
  private aborted = false;
  // Checked per packet: a flag set by the abort event costs less than asking the signal each time.
  private abortRequested: boolean;
  private readonly onAbort = () => {
    this.abortRequested = true;
  };
  // TCP connections and PGM sessions take their ids from one counter.
  private ids = 1;
  readonly nextId = () => this.ids++;

  constructor(private readonly options: InspectPacketsOptions = {}) {
    this.inspector = new Inspector({
      nextSessionId: this.nextId,
      ...options,
      onRecord: (r) => {
        this.records++;
        options.onRecord?.(r);
      },
      // Messages straight to the caller when it takes them so (InspectorOptions.onMessage); they count as records.
      onMessage:
        options.onMessage &&
        ((m) => {
          this.records++;
          options.onMessage!(m);
        }),
    });
    options.onInspector?.(this.inspector);
    this.abortRequested = options.signal?.aborted === true;
  }

  readonly warn = (w: CaptureWarning): void => {
    this.warnings++;
    this.options.onWarning?.(w);
  };

  /** Reads a capture file, stream or growing file to its end, in the capture thread when that is wanted (captureThreadWanted). */
  async readCapture(input: string | ByteSource | GrowingFile, options: DecodeCaptureOptions): Promise<DecodeSummary> {
    if (captureThreadWanted(input, options.inputBytes, options.captureThread)) return this.readThreaded(input, options);
    const source = openCapture(isGrowingFile(input) ? growingFileBytes(input, { sync: options.syncReads }) : input, {
      onProgress: options.onProgress,
      progressStepBytes: options.progressStepBytes,
      syncReads: options.syncReads,
      name: options.name,
    });
    return { ...(await this.readPackets(source)), format: source.format };
  }

  /** Decodes packets from any source (a file's, or a LiveCapture) on this thread until it ends or aborts. */
  async readPackets(source: AsyncIterable<Packet | CaptureWarning>): Promise<DecodeSummary> {
    const { inspector, options } = this;
    const reassembler = new TcpReassembler({
      nextId: this.nextId,
      ...options.reassembly,
      onWarning: this.warn,
      onDatagram: (d, ts) => inspector.pushDatagram(d, ts),
    });
    const pace = options.pace;
    // A file's packets come a batch at a time when the source can (openCapture): one await per batch
    // rather than per packet.
    const batches: AsyncIterable<(Packet | CaptureWarning)[]> =
      'batches' in source && typeof source.batches === 'function' ? (source as CaptureSource).batches() : single(source);
    const events: TcpStreamEvent[] = []; // one array for every packet's events
    const toInspector: PlainDataSink = (conn, dir, ts, data, start, end) => inspector.pushData(conn, dir, ts, data, start, end);
    this.watchAbort();
    try {
      read: for await (const batch of batches) {
        for (const p of batch) {
          if (this.abortRequested) {
            this.aborted = true;
            break read;
          }
          if ('kind' in p) {
            this.warn(p);
            continue;
          }
          this.packets++;
          this.lastTs = p.ts;
          // A nanosecond fraction: the capture's clock has nanosecond resolution (see timeTicksPerSecond).
          if (p.tsNsec % 1000 !== 0) this.nanoseconds();
          // Nearly every packet takes the plain path, its bytes going straight to the inspector (as the
          // capture thread does); the rest make events.
          if (!reassembler.pushPlain(p.linkType, p.data, p.ts, toInspector)) {
            events.length = 0;
            reassembler.pushInto(p, events);
            for (let i = 0; i < events.length; i++) inspector.push(events[i]);
          }
          const wait = pace?.();
          if (wait) await wait;
        }
      }
    } finally {
      this.unwatchAbort();
    }
    for (const ev of reassembler.end(this.lastTs)) inspector.push(ev);
    return this.finish(1);
  }

  /** The capture thread reads, decodes and reassembles; this thread inspects what it sends. */
  private async readThreaded(input: string | ByteSource | GrowingFile, options: DecodeCaptureOptions): Promise<DecodeSummary> {
    const { inspector } = this;
    const pace = options.pace;
    // The worker's connection ids -> this thread's connections, numbered from the counter PGM shares.
    const conns = new Map<number, TcpConnection>();
    let waits: Promise<void>[] = [];
    const handler: BatchHandler = {
      packet: (ts) => {
        if (this.abortRequested) {
          this.aborted = true;
          return;
        }
        this.packets++;
        this.lastTs = ts;
        const wait = pace?.();
        if (wait) waits.push(wait);
      },
      nanoseconds: () => this.nanoseconds(),
      open: (id, ts, client, server, midstream) => {
        if (this.aborted) return;
        const conn: TcpConnection = { id: this.nextId(), client, server, midstream };
        conns.set(id, conn);
        inspector.push({ kind: 'open', conn, ts });
      },
      data: (id, dir, ts, bytes, start, end) => {
        const conn = conns.get(id);
        if (conn && !this.aborted) inspector.pushData(conn, dir, ts, bytes, start, end);
      },
      gap: (id, dir, ts, bytes) => {
        const conn = conns.get(id);
        if (conn && !this.aborted) inspector.push({ kind: 'gap', conn, dir, ts, bytes });
      },
      close: (id, ts, reason) => {
        const conn = conns.get(id);
        conns.delete(id);
        if (conn && !this.aborted) inspector.push({ kind: 'close', conn, ts, reason });
      },
      datagram: (d, ts) => {
        if (!this.aborted) inspector.pushDatagram(d, ts);
      },
      warning: (w) => {
        if (!this.aborted) this.warn(w);
      },
    };
    this.watchAbort();
    let result;
    try {
      result = await runCaptureThread(
        input,
        async (buffer, length) => {
          readBatch(buffer, length, handler);
          if (waits.length > 0) {
            const pending = waits;
            waits = [];
            await Promise.all(pending);
          }
          // An abort during the batch (pace may ask for one) ends it here; the thread stops on the signal.
          if (this.abortRequested) this.aborted = true;
        },
        {
          onProgress: options.onProgress,
          progressStepBytes: options.progressStepBytes,
          reassembly: options.reassembly,
          signal: options.signal,
          onThread: options.onThread,
          name: options.name,
        },
      );
    } finally {
      this.unwatchAbort();
    }
    if (result.aborted) this.aborted = true;
    return { ...this.finish(2, result.cpuSeconds), format: result.format };
  }

  private nanoseconds(): void {
    if (this.inspector.timeTicksPerSecond < 1e9) this.inspector.timeTicksPerSecond = 1e9;
  }

  private watchAbort(): void {
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private unwatchAbort(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Ends every open connection and session at the capture's last time; the summary. */
  private finish(threads: 1 | 2, captureThreadCpuSeconds?: number): DecodeSummary {
    const { inspector } = this;
    inspector.end(this.lastTs);
    const summary: DecodeSummary = {
      packets: this.packets,
      warnings: this.warnings,
      records: this.records,
      aborted: this.aborted,
      threads,
      stats: inspector.stats(),
      connections: inspector.connections(),
    };
    if (captureThreadCpuSeconds !== undefined) summary.captureThreadCpuSeconds = captureThreadCpuSeconds;
    return summary;
  }
}

async function* single<T>(source: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of source) yield [item];
}
