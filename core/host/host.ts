// The app's back end as one typed API: `request(method, params)` and `onEvent(listener)`.
// Electron IPC (src/main) and `zmtp serve` (core/cli/serve.ts) are thin adapters over this class.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as engine from './engine.js';
import { Captures } from './captures.js';
import { HostError, describeError } from './errors.js';
import { checkedRequests } from './request-schemas.js';
import { SOCKET_TYPES, requests, type HostEvent, type Method, type Params, type Reply, type Result } from './protocol.js';
import { formatIssues } from './validate.js';
import { TemplateStore, defaultSettingsDir } from './templates.js';
import { Workbench } from './workbench.js';

/** The ZAP policy's file in the settings directory (private: it holds PLAIN passwords). */
export const ZAP_POLICY_FILE = 'zap-policy.json';

export const HOST_VERSION = '0.1.0';

export interface HostOptions {
  /** Where live captures and uploads are written; a fresh temp directory by default. */
  tempDir?: string;
  /** Where settings (message templates, the ZAP policy) are kept; $XDG_CONFIG_HOME/zmq-inspector or ~/.config/zmq-inspector by default. */
  settingsDir?: string;
}

export class Host {
  readonly workbench: Workbench;
  readonly captures: Captures;
  readonly tempDir: string;
  readonly templates: TemplateStore;
  /** Names this host for its lifetime: a page that reconnects and finds another one knows the back end restarted. */
  readonly instance = randomBytes(8).toString('hex');
  private listeners = new Set<(event: HostEvent) => void>();
  private ownsTemp: boolean;

  constructor(options: HostOptions = {}) {
    this.ownsTemp = !options.tempDir;
    this.tempDir = options.tempDir ?? mkdtempSync(join(tmpdir(), 'zmq-inspector-'));
    const emit = (event: HostEvent) => this.emit(event);
    const settingsDir = options.settingsDir ?? defaultSettingsDir();
    this.workbench = new Workbench(emit, join(settingsDir, ZAP_POLICY_FILE));
    this.templates = new TemplateStore(settingsDir);
    this.captures = new Captures(emit, this.tempDir);
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates and runs one request; rejects with HostError (message + code) on any problem. */
  async request<M extends Method>(method: M, params?: Params<M>): Promise<Result<M>> {
    if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(requests, method)) {
      throw new HostError(`unknown method '${String(method)}'`, 'ENOMETHOD');
    }
    const schema = checkedRequests[method];
    const parsed = schema.safeParse(params ?? {}, { reportInput: true });
    if (!parsed.success) throw new HostError(`${method}: ${formatIssues(parsed.error)}`);
    return (await this.dispatch(method, parsed.data)) as Result<M>;
  }

  /** The same as request() but never rejects: what adapters send over the wire. */
  async reply(method: string, params: unknown): Promise<Reply> {
    try {
      return { ok: true, result: await this.request(method as Method, params as never) };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  }

  async close(): Promise<void> {
    this.workbench.closeAll();
    await this.captures.closeAll();
    this.listeners.clear();
    if (this.ownsTemp) rmSync(this.tempDir, { recursive: true, force: true });
  }

  private emit(event: HostEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (e.g. a closed window) must not stop the others.
      }
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async dispatch(method: Method, p: any): Promise<unknown> {
    const wb = this.workbench;
    const cap = this.captures;
    switch (method) {
      case 'host.info':
        return {
          version: HOST_VERSION,
          engine: engine.ENGINE_NAME,
          socketTypes: SOCKET_TYPES,
          captureReady: cap.ready,
          instance: this.instance,
        };
      case 'socket.create':
        return wb.create(p.type, p.name, p.options);
      case 'socket.close':
        wb.close(p.id);
        return { ok: true };
      case 'socket.list':
        return wb.list();
      case 'socket.setOptions':
        return wb.setOptions(p.id, p.options);
      case 'socket.bind':
        return wb.bind(p.id, p.endpoint);
      case 'socket.unbind':
        return wb.unbind(p.id, p.endpoint);
      case 'socket.connect':
        return wb.connect(p.id, p.endpoint, p.routingId);
      case 'socket.disconnect':
        return wb.disconnect(p.id, p.endpoint);
      case 'socket.reconnect':
        return wb.reconnect(p.id, p.endpoint);
      case 'socket.send':
        return wb.send(p.id, p.frames, { routingId: p.routingId, group: p.group });
      case 'socket.join':
        return wb.join(p.id, p.group, true);
      case 'socket.leave':
        return wb.join(p.id, p.group, false);
      case 'socket.subscribe':
        return wb.subscribe(p.id, p.topic, true);
      case 'socket.unsubscribe':
        return wb.subscribe(p.id, p.topic, false);
      case 'socket.messages':
        return wb.messages(p.id, p.offset, p.limit);
      case 'socket.rates':
        return wb.rates(p.id);
      case 'socket.events':
        return wb.events(p.id, p.offset, p.limit);
      case 'curve.keyPair':
        return engine.curveKeyPair();
      case 'zap.get':
        return wb.zap.get();
      case 'zap.set':
        return wb.zap.set(p.policy);
      case 'templates.list':
        return this.templates.list();
      case 'templates.save':
        return this.templates.save(p.templates);
      case 'capture.interfaces':
        return cap.interfaces();
      case 'capture.openFile':
        return cap.openFile(p.path, p.name);
      case 'capture.startLive':
        return cap.startLive(p.interface, p.filter);
      case 'capture.watchWorkbench':
        return cap.startWorkbench((local) => wb.isBoundLocally(local));
      case 'capture.stop':
        return cap.stop(p.id);
      case 'capture.close':
        await cap.close(p.id);
        return { ok: true };
      case 'capture.list':
        return cap.list();
      case 'capture.connections':
        return cap.connections(p.id);
      case 'capture.query':
        return cap.query(p.id, p.filter, p.offset, p.limit);
      case 'capture.record':
        return cap.record(p.id, p.index);
      case 'capture.rate':
        return cap.rate(p.id, p.buckets, p.filter);
      case 'capture.export':
        return cap.exportTo(p.id, p.format, p.path, p.filter);
      case 'capture.cancelExport':
        cap.cancelExport(p.id);
        return { ok: true };
      case 'capture.save':
        return cap.save(p.id, p.path);
    }
  }
}
