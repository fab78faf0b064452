// Capture sessions: opened files and live captures, each decoded into a CaptureStore the UI queries.
import { createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copyFile, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CaptureStore } from './capture-store.js';
import { HostError, describeError } from './errors.js';
import { exportFileName, exportStream, type ExportFormat } from './capture-export.js';
import * as sources from './pipeline.js';
import { WorkbenchTap, type IsBoundLocally } from './workbench-tap.js';
import type { CaptureFilter, CaptureSummary, ExportState, ConnectionSummary, HostEvent, Page, RateSeries, RecordRow } from './protocol.js';
import type { InspectRecord } from '../inspect/records.js';
import type { GrowingFile } from '../capture/growing-file.js';

const MAX_WARNINGS = 200;

interface Session {
  summary: CaptureSummary;
  store: CaptureStore;
  file?: string;
  /** The packet file is ours (an upload, a live capture's file): deleted when the capture closes. */
  ownsFile: boolean;
  live?: sources.LiveSource;
  closed: boolean;
  lastEmit: number;
  /** Records when the last change event went out. */
  lastRecords: number;
  abort: AbortController;
  progressStep: number;
  trailing?: NodeJS.Timeout;
  exporting?: { cancelled: boolean; stream: Readable };
}

export class Captures {
  private sessions = new Map<string, Session>();
  private nextId = 1;

  constructor(
    private emit: (event: HostEvent) => void,
    private tempDir: string,
  ) {}

  get ready(): boolean {
    return sources.pipelineReady;
  }

  interfaces() {
    return sources.listInterfaces();
  }

  list(): CaptureSummary[] {
    return [...this.sessions.values()].map((s) => this.snapshot(s));
  }

  /**
   * A capture decoded as its file is written (an upload to `zmtp serve`), so its first records show while
   * the rest is on its way. The file becomes the capture's (deleted when it closes); the caller calls
   * streamComplete once all of it is there. `size` is the expected size, when known, for the progress bar.
   */
  openStream(file: GrowingFile, name: string, size: number | undefined): CaptureSummary {
    const s = this.newSession(name, 'file', 'loading');
    s.file = file.path;
    s.ownsFile = true;
    void this.consume(s, sources.decodeFile(file, this.sink(s, size ?? 0), { signal: s.abort.signal, name, uploadBytes: size }));
    this.changed(s, true);
    return this.snapshot(s);
  }

  /** The stream of openStream is all in its file: the capture can be saved (unless it failed). Undefined if it was closed meanwhile. */
  streamComplete(id: string): CaptureSummary | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    s.summary.canSave = s.summary.state !== 'failed';
    this.changed(s, true);
    return this.snapshot(s);
  }

  async openFile(path: string, name?: string): Promise<CaptureSummary> {
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new HostError(`${path} is not a file`, 'EISDIR');
      size = st.size;
    } catch (err) {
      if (err instanceof HostError) throw err;
      throw new HostError(`cannot open ${path}: ${describeError(err).message}`, (err as { code?: string }).code ?? 'ENOENT');
    }
    const s = this.newSession(name ?? basename(path), 'file', 'loading');
    s.file = path;
    s.summary.canSave = true;
    void this.consume(s, sources.decodeFile(path, this.sink(s, size), { signal: s.abort.signal, name: s.summary.name }));
    this.changed(s, true);
    return this.snapshot(s);
  }

  async startLive(iface: string, filter: string): Promise<CaptureSummary> {
    const id = `c${this.nextId}`;
    const file = join(this.tempDir, `live-${id}-${Date.now()}.pcapng`);
    const s = this.newSession(`live ${iface}${filter ? ` (${filter})` : ''}`, 'live', 'capturing');
    let live: sources.LiveSource;
    try {
      live = await sources.startLive(iface, filter, file, this.sink(s, 0));
    } catch (err) {
      this.sessions.delete(s.summary.id);
      const d = describeError(err);
      throw new HostError(`cannot start the live capture: ${d.message}`, d.code ?? 'ETOOL');
    }
    s.live = live;
    s.file = live.file;
    s.ownsFile = true;
    s.summary.canSave = true;
    void this.consume(s, live.done);
    this.changed(s, true);
    return this.snapshot(s);
  }

  /** Watches the workbench's own sockets through the engine's wire tap (no pcap, no packet file). */
  startWorkbench(isBound: IsBoundLocally): CaptureSummary {
    const s = this.newSession('workbench sockets', 'workbench', 'capturing');
    const tap = new WorkbenchTap(this.sink(s, 0), isBound);
    s.live = tap.start();
    // The summary's counts come from the store: report new records at most every 100 ms.
    void this.consume(s, s.live.done);
    this.changed(s, true);
    return this.snapshot(s);
  }

  async stop(id: string): Promise<CaptureSummary> {
    const s = this.get(id);
    if (!s.live) throw new HostError(`capture ${s.summary.name} is not a live capture`, 'EINVAL');
    if (s.summary.state === 'capturing') {
      await s.live.stop();
      await s.live.done.catch(() => undefined);
      if (s.summary.state === 'capturing') s.summary.state = 'stopped';
    }
    this.changed(s, true);
    return this.snapshot(s);
  }

  async close(id: string): Promise<void> {
    const s = this.get(id);
    s.closed = true;
    if (s.trailing) clearTimeout(s.trailing);
    if (s.exporting) {
      s.exporting.cancelled = true;
      s.exporting.stream.destroy(new HostError('export cancelled: the capture was closed', 'ECANCELED'));
    }
    s.abort.abort();
    if (s.live && s.summary.state === 'capturing') await s.live.stop().catch(() => undefined);
    this.sessions.delete(id);
    if (s.file && s.ownsFile) await unlink(s.file).catch(() => undefined);
    this.emit({ type: 'capture.closed', id });
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.close(id);
  }

  connections(id: string): ConnectionSummary[] {
    return this.get(id).store.connections();
  }

  query(id: string, filter: CaptureFilter, offset: number, limit: number): Page<RecordRow> {
    return this.get(id).store.query(filter, offset, limit);
  }

  record(id: string, index: number): { index: number; record: InspectRecord } {
    const s = this.get(id);
    const record = s.store.get(index);
    if (!record) throw new HostError(`capture ${s.summary.name} has no record ${index} (it has ${s.store.size})`, 'ERANGE');
    return { index, record };
  }

  rate(id: string, buckets: number, filter: CaptureFilter): RateSeries {
    return this.get(id).store.rate(buckets, filter);
  }

  /**
   * Starts an export of the records matching `filter` (one per capture at a time). Headers can be sent
   * from `name` before `into(dest)` streams the rows; progress shows in the capture's summary.
   */
  beginExport(
    id: string,
    format: ExportFormat,
    filter: CaptureFilter,
  ): { name: string; total: number; into(dest: Writable): Promise<number> } {
    const s = this.get(id);
    if (s.exporting) throw new HostError(`capture ${s.summary.name} is already being exported (cancel that export first)`, 'EBUSY');
    const indices = s.store.filtered(filter);
    const total = indices.length;
    const state: ExportState = { format, name: exportFileName(s.summary.name, format), rows: 0, total, state: 'running' };
    const stream = exportStream(s.store, indices, total, format, (rows) => {
      state.rows = rows;
      this.changed(s, false);
    });
    const job = { cancelled: false, stream };
    s.exporting = job;
    s.summary.export = state;
    this.changed(s, true);
    return {
      name: state.name,
      total,
      into: async (dest) => {
        try {
          await pipeline(stream, dest);
          state.state = 'done';
          return total;
        } catch (err) {
          // A reader that goes away (a download stopped in the browser) cancels the export too.
          const stopped = job.cancelled || (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
          state.state = stopped ? 'cancelled' : 'failed';
          if (stopped)
            throw new HostError(`the export of ${s.summary.name} was cancelled after ${state.rows} of ${total} rows`, 'ECANCELED');
          state.error = describeError(err).message;
          throw err;
        } finally {
          if (s.exporting === job) s.exporting = undefined;
          this.changed(s, true);
        }
      },
    };
  }

  cancelExport(id: string): void {
    const s = this.get(id);
    if (!s.exporting) throw new HostError(`capture ${s.summary.name} has no export running`, 'ENOENT');
    s.exporting.cancelled = true;
    s.exporting.stream.destroy(new HostError('export cancelled', 'ECANCELED'));
  }

  /** Desktop: an export into a file the user chose. */
  async exportTo(id: string, format: ExportFormat, path: string, filter: CaptureFilter): Promise<{ path: string; rows: number }> {
    const job = this.beginExport(id, format, filter);
    try {
      return { path, rows: await job.into(createWriteStream(path)) };
    } catch (err) {
      if (err instanceof HostError) throw err;
      throw new HostError(`cannot write ${path}: ${describeError(err).message}`, (err as { code?: string }).code ?? 'EIO');
    }
  }

  async save(id: string, path: string): Promise<{ path: string; bytes: number }> {
    const s = this.get(id);
    if (!s.file) throw new HostError(`capture ${s.summary.name} has no packet file to save`, 'ENOENT');
    try {
      await copyFile(s.file, path);
      return { path, bytes: (await stat(path)).size };
    } catch (err) {
      throw new HostError(`cannot save to ${path}: ${describeError(err).message}`, (err as { code?: string }).code ?? 'EIO');
    }
  }

  /** The packet file behind a capture (for `zmtp serve` downloads). */
  fileOf(id: string): { path: string; name: string } {
    const s = this.get(id);
    if (!s.file) throw new HostError(`capture ${s.summary.name} has no packet file`, 'ENOENT');
    return {
      path: s.file,
      name:
        s.summary.name.endsWith('.pcapng') || s.summary.name.endsWith('.pcap')
          ? s.summary.name
          : `${s.summary.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.pcapng`,
    };
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new HostError(`no capture with id '${id}' (it may have been closed)`, 'ENOTFOUND');
    return s;
  }

  private newSession(name: string, source: CaptureSummary['source'], state: CaptureSummary['state']): Session {
    const id = `c${this.nextId++}`;
    const s: Session = {
      summary: {
        id,
        name,
        source,
        state,
        progress: 0,
        packets: 0,
        records: 0,
        messages: 0,
        connections: 0,
        warnings: [],
        startedAt: Date.now() / 1000,
        canSave: false,
      },
      store: new CaptureStore(),
      ownsFile: false,
      closed: false,
      lastEmit: 0,
      lastRecords: 0,
      abort: new AbortController(),
      progressStep: 0,
    };
    this.sessions.set(id, s);
    return s;
  }

  private sink(s: Session, size: number): sources.PipelineSink {
    return {
      record: (r) => {
        if (!s.closed) s.store.add(r);
      },
      message: (m) => {
        if (!s.closed) s.store.addMessage(m);
      },
      // Called for every packet: changed() returns at once while an update is already due.
      packet: () => {
        s.summary.packets++;
        this.changed(s, false);
      },
      progress: (read, total) => {
        const t = total ?? size;
        s.summary.bytesRead = read;
        if (t > 0) {
          s.summary.totalBytes = t;
          s.summary.progress = Math.min(0.99, read / t);
        }
        // Every 5% step is reported whatever the time, so the bar moves on fast and slow machines alike.
        const step = Math.floor(s.summary.progress * 20);
        this.changed(s, step !== s.progressStep);
        s.progressStep = step;
      },
      warning: (w) => {
        if (s.summary.warnings.length < MAX_WARNINGS) s.summary.warnings.push({ message: w.message, code: w.code, severity: w.severity });
      },
    };
  }

  private async consume(s: Session, run: Promise<void>): Promise<void> {
    try {
      await run;
      if (s.summary.state === 'loading') s.summary.state = 'ready';
      else if (s.summary.state === 'capturing') s.summary.state = 'stopped';
      s.summary.progress = 1;
      // A stream of unknown length: its size is what was read.
      if (s.summary.bytesRead !== undefined) s.summary.totalBytes ??= s.summary.bytesRead;
    } catch (err) {
      s.summary.state = 'failed';
      // A file's or an upload's errors already name the user's file (decodeFile's `name`).
      s.summary.error = describeError(err).message;
      s.summary.canSave = false;
    }
    if (!s.closed) this.changed(s, true);
  }

  private snapshot(s: Session): CaptureSummary {
    return {
      ...s.summary,
      warnings: [...s.summary.warnings],
      export: s.summary.export && { ...s.summary.export },
      records: s.store.size,
      messages: s.store.messages,
      connections: s.store.connectionCount,
    };
  }

  /**
   * Change events at most every 100 ms for live sources, every 250 ms while a file decodes (each one is a
   * redraw of the page, which shares the machine with the decoder), always at the end; and at once when
   * the first records arrive, so they show as soon as they are decoded.
   */
  private changed(s: Session, force: boolean): void {
    if (!force && s.lastRecords === 0 && s.store.size > 0) force = true;
    // An update is already due (the common case while decoding: one call per packet costs a few field reads).
    if (!force && s.trailing) return;
    const now = Date.now();
    const interval = s.summary.state === 'loading' ? 250 : 100;
    if (!force && now - s.lastEmit < interval) {
      // The last change of a burst is still reported (a quiet live source sends nothing after it).
      if (!s.trailing && !s.closed) {
        s.trailing = setTimeout(
          () => {
            s.trailing = undefined;
            if (!s.closed) this.changed(s, true);
          },
          interval - (now - s.lastEmit),
        );
        s.trailing.unref?.();
      }
      return;
    }
    if (s.trailing) {
      clearTimeout(s.trailing);
      s.trailing = undefined;
    }
    s.lastEmit = now;
    s.lastRecords = s.store.size;
    this.emit({ type: 'capture.changed', capture: this.snapshot(s) });
  }
}
