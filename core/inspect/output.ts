// Writing records to a stream (the CLI's stdout) as JSON lines or readable lines, batching writes
// and honouring back-pressure so a slow reader (a pipe to `less`) does not make us buffer the capture.
import type { Writable } from 'node:stream';
import type { DecodeSummary } from './decode-capture.js';
import { formatRecord } from './format.js';
import type { InspectRecord } from './records.js';

const BATCH = 64 * 1024;

/**
 * JSON text of a record, the same as JSON.stringify gives. Messages, by far the most frequent and the
 * biggest (hex frames), are written by hand: hex needs no escaping, and this is twice as fast.
 */
export function recordToJson(r: InspectRecord): string {
  if (r.type !== 'message') return JSON.stringify(r);
  let out = `{"type":"message","ts":${JSON.stringify(r.ts)},"src":${JSON.stringify(r.src)},"dst":${JSON.stringify(r.dst)},"conn":${r.conn},"dir":"${r.dir}"`;
  for (const key of Object.keys(r)) {
    switch (key) {
      case 'type': case 'ts': case 'src': case 'dst': case 'conn': case 'dir':
        break;
      case 'frames':
        out += r.frames.length ? `,"frames":["${r.frames.join('","')}"]` : ',"frames":[]';
        break;
      case 'sizes':
        out += `,"sizes":[${r.sizes!.join(',')}]`;
        break;
      default: {
        const v = (r as unknown as Record<string, unknown>)[key];
        if (v !== undefined) out += `,${JSON.stringify(key)}:${JSON.stringify(v)}`;
      }
    }
  }
  return out + '}';
}

export class RecordWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  private blocked: Promise<void> | undefined;
  /** Set when the reader went away (EPIPE): stop decoding, it is not an error. */
  closed = false;
  /** A write error other than the reader going away. */
  failure?: Error;

  constructor(private readonly out: Writable, private readonly json: boolean) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      // EPIPE: the reader went away (`| head`), which is how such output normally ends.
      this.closed = true;
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') this.failure = e;
    });
  }

  write(r: InspectRecord): void {
    if (this.closed) return;
    const line = this.json ? recordToJson(r) : formatRecord(r);
    this.pending.push(line);
    this.pendingLength += line.length + 1;
    if (this.pendingLength >= BATCH) this.flush();
  }

  /** A promise while the stream is full, for the decode loop to wait on. */
  pace(): Promise<void> | undefined {
    return this.blocked;
  }

  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingLength = 0;
    if (!this.out.write(text) && !this.blocked) {
      this.blocked = new Promise<void>((resolve) => {
        const done = () => {
          this.blocked = undefined;
          this.out.off('drain', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }

  /** Flushes and waits until the stream has taken everything. */
  async end(): Promise<void> {
    this.flush();
    if (this.blocked) await this.blocked;
  }
}



const MAX_WARNINGS = 20;

export class WarningPrinter {
  private count = 0;
  constructor(private readonly prefix: string) {}

  print(message: string): void {
    this.count++;
    if (this.count <= MAX_WARNINGS) process.stderr.write(`${this.prefix}: warning: ${message}\n`);
  }

  finish(): void {
    if (this.count > MAX_WARNINGS) process.stderr.write(`${this.prefix}: ${this.count - MAX_WARNINGS} more warnings not shown\n`);
  }
}

export function summaryLine(s: Omit<DecodeSummary, 'format'>): string {
  const zmtp = s.connections.filter((c) => c.state !== 'not-zmtp' && (c.versions.c2s || c.versions.s2c || c.counts.c2s.messages + c.counts.s2c.messages > 0)).length;
  return `${s.packets} packets, ${s.stats.connections} TCP connections (${zmtp} ZMTP), ${s.stats.messages} messages, ` +
    `${s.stats.commands} commands, ${s.stats.errors} decode problems${s.warnings ? `, ${s.warnings} capture warnings` : ''}\n`;
}
