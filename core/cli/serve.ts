// `zmtp serve`: the inspector UI in a browser. Serves the built renderer (out/renderer) and the host
// API over HTTP + WebSocket on loopback, guarded by a random per-run token that must come with every
// request (in the URL, or the cookie set when the page loads).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { Host } from '../host/host.js';
import { describeError } from '../host/errors.js';
import { captureFilter, type HostEvent } from '../host/protocol.js';

const USAGE = 'usage: zmtp serve [--host 127.0.0.1] [--port N] [--renderer DIR] [--settings DIR]\n';
const MAX_UPLOAD = 4 * 1024 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
  /** Where the host keeps settings (message templates); the host's default when absent. */
  settingsDir?: string;
}

export function parseServeArgs(args: string[]): ServeOptions | string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const opts: ServeOptions = { host: '127.0.0.1', port: 0, rendererDir: resolve(here, '../../renderer') };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = args[i + 1];
    if (a === '--host' || a === '--port' || a === '--renderer' || a === '--settings') {
      if (value === undefined || value.startsWith('--')) return `${a} needs a value`;
      i++;
      if (a === '--host') {
        if (!/^[A-Za-z0-9_.:-]+$/.test(value)) return `--host '${value}' is not a host name or address`;
        opts.host = value;
      } else if (a === '--port') {
        if (!/^\d+$/.test(value) || Number(value) > 65535) return `--port '${value}' must be a number from 0 to 65535`;
        opts.port = Number(value);
      } else if (a === '--settings') opts.settingsDir = resolve(value);
      else opts.rendererDir = resolve(value);
    } else if (a === '-h' || a === '--help') return '';
    else return `unknown option '${a}'`;
  }
  return opts;
}

function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  const m = /(?:^|;\s*)zmtp_token=([A-Za-z0-9_-]+)/.exec(header);
  return m?.[1];
}

export interface RunningServer {
  url: string;
  token: string;
  host: Host;
  close(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  if (!existsSync(join(opts.rendererDir, 'index.html'))) {
    throw new Error(`the UI is not built: ${join(opts.rendererDir, 'index.html')} is missing (run npm run build)`);
  }
  const token = randomBytes(24).toString('base64url');
  const host = new Host({ settingsDir: opts.settingsDir });
  const root = resolve(opts.rendererDir);

  const authorized = (req: IncomingMessage, url: URL) =>
    tokenMatches(url.searchParams.get('token'), token) || tokenMatches(cookieToken(req), token) ||
    tokenMatches(req.headers['x-zmtp-token'] as string | undefined, token);

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: describeError(err) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorized(req, url)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('401: this ZMQ Inspector needs the token from the URL that `zmtp serve` printed\n');
      return;
    }
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      // The cookie lets the page's own assets and WebSocket through without the token in their URLs.
      'set-cookie': `zmtp_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
    };
    if (url.pathname === '/api/upload' && req.method === 'POST') {
      const name = (url.searchParams.get('name') ?? 'upload.pcap').replace(/[^A-Za-z0-9_. -]+/g, '_').slice(0, 120) || 'upload.pcap';
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > MAX_UPLOAD) return sendJson(res, 413, { ok: false, error: { message: `file is larger than ${MAX_UPLOAD} bytes`, code: 'E2BIG' } });
      const path = join(host.tempDir, `upload-${Date.now()}-${randomBytes(4).toString('hex')}-${name}`);
      await pipeline(req, createWriteStream(path));
      return sendJson(res, 200, await host.reply('capture.openFile', { path, name }));
    }
    const fileMatch = /^\/api\/captures\/([A-Za-z0-9]+)\/(file|export)$/.exec(url.pathname);
    if (fileMatch && req.method === 'GET') {
      const [, id, what] = fileMatch;
      try {
        if (what === 'file') {
          const { path, name } = host.captures.fileOf(id);
          const st = await stat(path);
          res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(st.size), 'content-disposition': `attachment; filename="${name}"` });
          await pipeline(createReadStream(path), res);
        } else {
          const format = url.searchParams.get('format') === 'csv' ? 'csv' : 'jsonl';
          const filter = captureFilter.parse(JSON.parse(url.searchParams.get('filter') ?? '{}'));
          const path = join(host.tempDir, `export-${randomBytes(4).toString('hex')}.${format}`);
          await host.request('capture.export', { id, format, path, filter });
          res.writeHead(200, { ...headers, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson', 'content-disposition': `attachment; filename="capture-${id}.${format}"` });
          await pipeline(createReadStream(path), res);
          await unlink(path).catch(() => undefined);
        }
      } catch (err) {
        if (!res.headersSent) sendJson(res, 400, { ok: false, error: describeError(err) });
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers);
      res.end();
      return;
    }
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const path = normalize(join(root, rel));
    if (!path.startsWith(root + sep)) {
      res.writeHead(404, headers);
      res.end('not found\n');
      return;
    }
    let st;
    try {
      st = await stat(path);
    } catch {
      st = undefined;
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    }
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': String(st.size), 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else await pipeline(createReadStream(path), res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 96 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const originOk = !origin || origin === `http://${req.headers.host}`;
    if (url.pathname !== '/ws' || !authorized(req, url) || !originOk) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const off = host.onEvent((event: HostEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event }));
    });
    ws.on('close', off);
    ws.on('error', off);
    ws.on('message', (data) => {
      let msg: { id?: unknown; method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { message: 'request is not JSON', code: 'EINVAL' } } }));
        return;
      }
      if (!msg || typeof msg !== 'object' || typeof msg.method !== 'string') {
        ws.send(JSON.stringify({ id: msg?.id ?? null, reply: { ok: false, error: { message: 'request needs a method', code: 'EINVAL' } } }));
        return;
      }
      void host.reply(msg.method, msg.params).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, reply }));
      });
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolveListen());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}/?token=${token}`;
  return {
    url, token, host,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await host.close();
    },
  };
}

export async function run(args: string[]): Promise<number> {
  const opts = parseServeArgs(args);
  if (typeof opts === 'string') {
    if (opts) process.stderr.write(`zmtp serve: ${opts}\n`);
    process.stderr.write(USAGE);
    return opts ? 2 : 0;
  }
  let running: RunningServer;
  try {
    running = await startServer(opts);
  } catch (err) {
    process.stderr.write(`zmtp serve: ${describeError(err).message}\n`);
    return 1;
  }
  if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
    process.stderr.write(`zmtp serve: warning: listening on ${opts.host}, reachable from other machines (the token still guards it)\n`);
  }
  process.stdout.write(`ZMQ Inspector is serving at ${running.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
