// The renderer's only way to the back end. In Electron it is the preload's `window.zmqInspector` (IPC);
// in a browser (`zmtp serve`) a WebSocket to the serving host with the token from the page URL, stated
// in every request (the server does not take its cookie for the API).
// Both give the same interface, so nothing else in the UI knows where it runs.
import type { CaptureFilter, CaptureSummary, HostClient, HostEvent, Method, Params, Reply, Result } from '../../../core/host/protocol.js';
import { exportFileName } from '../../../core/host/export-name.js';
import type { ServerCaptureList } from '../../../core/cli/server-capture-list.js';

export class ApiError extends Error {
  constructor(
    message: string,
    public code?: string,
  ) {
    super(message);
  }
}

export interface AppClient extends HostClient {
  mode: 'electron' | 'browser';
  /** Opens a capture the user dropped or picked in the page (uploaded in the browser, with progress 0..1). */
  openCaptureFile(file: File, onUpload?: (fraction: number) => void): Promise<CaptureSummary>;
  /** Browser only: the capture files of `zmtp serve --captures DIR`, or null when it was started without. */
  listServerCaptures?(): Promise<ServerCaptureList | null>;
  /** Browser only: opens one file of that list in place on the server (no upload). */
  openServerCapture?(name: string): Promise<CaptureSummary>;
  /** Electron only: the native open dialog. Returns null when cancelled. */
  openCaptureDialog?(): Promise<CaptureSummary | null>;
  saveCapture(capture: CaptureSummary): Promise<string | null>;
  exportCapture(capture: CaptureSummary, format: 'jsonl' | 'csv', filter: CaptureFilter): Promise<string | null>;
  saveText(defaultName: string, content: string): Promise<string | null>;
  /** Electron only: a native open dialog for text files (workspaces); the browser uses an <input type=file>. */
  openText?(): Promise<{ name: string; content: string } | null>;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

interface PreloadApi {
  request(method: string, params: unknown): Promise<Reply>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  openDroppedCapture(file: File): Promise<Reply>;
  openCaptureDialog(): Promise<string | null>;
  saveDialog(o: { title: string; defaultName: string; extensions: string[] }): Promise<string | null>;
  saveText(defaultName: string, content: string): Promise<string | null>;
  openText(): Promise<{ name: string; content: string } | null>;
}

declare global {
  interface Window {
    zmqInspector?: PreloadApi;
  }
}

function unwrap<T>(reply: Reply): T {
  if (reply.ok) return reply.result as T;
  throw new ApiError(reply.error.message, reply.error.code);
}

function electronClient(api: PreloadApi): AppClient {
  const request = async <M extends Method>(method: M, params?: Params<M>) => unwrap<Result<M>>(await api.request(method, params ?? {}));
  return {
    mode: 'electron',
    request,
    onEvent: (l) => api.onEvent(l),
    onConnectionChange: () => () => undefined,
    openCaptureFile: async (file) => unwrap<CaptureSummary>(await api.openDroppedCapture(file)),
    async openCaptureDialog() {
      const path = await api.openCaptureDialog();
      return path ? request('capture.openFile', { path }) : null;
    },
    async saveCapture(c) {
      const path = await api.saveDialog({
        title: 'Save capture',
        defaultName: c.name.replace(/[^A-Za-z0-9_.-]+/g, '_') + (/\.pcap(ng)?$/.test(c.name) ? '' : '.pcapng'),
        extensions: ['pcapng', 'pcap'],
      });
      if (!path) return null;
      await request('capture.save', { id: c.id, path });
      return path;
    },
    async exportCapture(c, format, filter) {
      const path = await api.saveDialog({
        title: `Export as ${format.toUpperCase()}`,
        defaultName: exportFileName(c.name, format),
        extensions: [format],
      });
      if (!path) return null;
      try {
        await request('capture.export', { id: c.id, format, path, filter });
      } catch (err) {
        // Cancelled from the page: the export status already says so.
        if (err instanceof ApiError && err.code === 'ECANCELED') return null;
        throw err;
      }
      return path;
    },
    saveText: (n, content) => api.saveText(n, content),
    openText: () => api.openText(),
  };
}

function download(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function browserClient(): AppClient {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const listeners = new Set<(e: HostEvent) => void>();
  const connListeners = new Set<(c: boolean) => void>();
  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  let nextId = 1;
  let ws: WebSocket;
  let opened: Promise<void>;
  /** Reconnects back off from half a second to five, so a server that went away is not hammered. */
  let retryMs = 500;

  const connect = () => {
    // The token goes as a second subprotocol (the server selects 'zmtp'), out of URLs and logs.
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, ['zmtp', `zmtp-token.${token}`]);
    opened = new Promise((resolve, reject) => {
      ws.addEventListener('open', () => {
        retryMs = 500;
        connListeners.forEach((l) => l(true));
        resolve();
      });
      ws.addEventListener('error', () =>
        reject(new ApiError('cannot reach the zmtp serve process (is it still running? is the token right?)', 'ECONNREFUSED')),
      );
    });
    opened.catch(() => undefined);
    ws.addEventListener('message', (m) => {
      const data = JSON.parse(String(m.data));
      if (data.event) listeners.forEach((l) => l(data.event));
      else if (typeof data.id === 'number') {
        pending.get(data.id)?.resolve(data.reply);
        pending.delete(data.id);
      }
    });
    ws.addEventListener('close', () => {
      connListeners.forEach((l) => l(false));
      for (const p of pending.values())
        p.resolve({ ok: false, error: { message: 'connection to the server was lost', code: 'ECONNRESET' } });
      pending.clear();
      // Try again: the same serve process coming back (a dropped connection, a sleeping laptop) picks up here.
      setTimeout(connect, retryMs);
      retryMs = Math.min(5000, retryMs * 2);
    });
  };
  connect();

  const request = async <M extends Method>(method: M, params?: Params<M>): Promise<Result<M>> => {
    await opened;
    // Between a lost connection and the next attempt: fail now (the UI stays usable) rather than wait forever.
    if (ws.readyState !== WebSocket.OPEN)
      throw new ApiError(
        'not connected to zmtp serve (reconnecting: a serve restarted with the same settings directory is found again)',
        'ECONNRESET',
      );
    const id = nextId++;
    const reply = await new Promise<Reply>((resolve) => {
      pending.set(id, { resolve });
      ws.send(JSON.stringify({ id, method, params: params ?? {} }));
    });
    return unwrap<Result<M>>(reply);
  };

  const q = `token=${encodeURIComponent(token)}`;
  /** A plain HTTP API call (the routes that are not host requests), the token in a header. */
  const api = async <T>(method: 'GET' | 'POST', path: string): Promise<T> => {
    let reply: Reply;
    try {
      const res = await fetch(path, { method, headers: { 'x-zmtp-token': token }, cache: 'no-store' });
      reply = (await res.json().catch(() => ({ ok: false, error: { message: `HTTP ${res.status}` } }))) as Reply;
    } catch {
      throw new ApiError('the zmtp serve process could not be reached', 'ECONNRESET');
    }
    return unwrap<T>(reply);
  };
  return {
    mode: 'browser',
    request,
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onConnectionChange(l) {
      connListeners.add(l);
      return () => connListeners.delete(l);
    },
    openCaptureFile(file, onUpload) {
      // XMLHttpRequest rather than fetch: it reports upload progress for big captures.
      return new Promise<CaptureSummary>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `/api/upload?name=${encodeURIComponent(file.name)}`);
        xhr.setRequestHeader('x-zmtp-token', token);
        xhr.responseType = 'json';
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && onUpload) onUpload(e.loaded / e.total);
        };
        xhr.onload = () => {
          const reply = (xhr.response ?? { ok: false, error: { message: `upload failed (HTTP ${xhr.status})` } }) as Reply;
          try {
            resolve(unwrap<CaptureSummary>(reply));
          } catch (err) {
            reject(err);
          }
        };
        xhr.onerror = () => reject(new ApiError('upload failed: the zmtp serve process could not be reached', 'ECONNRESET'));
        xhr.send(file);
      });
    },
    listServerCaptures: () => api<ServerCaptureList | null>('GET', '/api/server-captures'),
    openServerCapture: (name) => api<CaptureSummary>('POST', `/api/server-captures/open?name=${encodeURIComponent(name)}`),
    async saveCapture(c) {
      download(`/api/captures/${c.id}/file?${q}`, c.name);
      return c.name;
    },
    async exportCapture(c, format, filter) {
      // A link (not fetch) so the browser streams the rows straight into the file; the host reports progress.
      download(`/api/captures/${c.id}/export?${q}&format=${format}&filter=${encodeURIComponent(JSON.stringify(filter))}`, '');
      return null;
    },
    async saveText(name, content) {
      const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
      download(url, name);
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      return name;
    },
  };
}

export function createClient(): AppClient {
  return window.zmqInspector ? electronClient(window.zmqInspector) : browserClient();
}
