// `zmtp serve`: the inspector UI in a browser. Serves the built renderer (out/renderer) and the host
// API over HTTP + WebSocket on loopback, guarded by a random token (see serve-guard.ts for who is
// answered) that is kept, with the port, in the settings directory (serve-state.ts): a restarted serve
// answers the page that is still open. The server touches no file a client names: captures come in as uploads (deleted when
// their capture closes) or, with --captures DIR, open in place from the one folder the operator named (serve-captures.ts),
// and leave as downloads; the host's path-taking requests are not served.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { Transform, pipeline as connect } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { Host } from '../host/host.js';
import { HostError, describeError } from '../host/errors.js';
import { captureFilter, type HostEvent } from '../host/protocol.js';
import { defaultSettingsDir } from '../host/templates.js';
import { WS_PROTOCOL, allowedHosts, cookieName, hostOrOriginProblem, mayLoadAsset, statesToken } from './serve-guard.js';
import { loadServeState, newToken, saveServeState } from './serve-state.js';
import { UPLOAD_WRITE_AHEAD, UploadFile } from './upload-file.js';
import { ServedCaptures, capturesFolderOption } from './serve-captures.js';

const USAGE = `usage: zmtp serve [--host 127.0.0.1] [--port N] [--new-token] [--captures DIR] [--renderer DIR] [--settings DIR]
  The token and port are kept in the settings directory (serve.json, readable by you only) and reused, so
  a page left open reconnects after a restart. --port N listens on N (0: any free port); without it, the
  last run's port if it is free. --new-token makes a new token: URLs printed before stop working.
  --captures DIR lets the page list the capture files (.pcap, .pcapng, .cap) in DIR (not its subfolders)
  and open them in place, without uploading a copy; the page never sees DIR's path.
`;
const MAX_UPLOAD = 4 * 1024 * 1024 * 1024;
/** Host requests that name a server path: a browser client uploads and downloads instead. */
const NOT_SERVED: Record<string, string> = {
  'capture.openFile': 'the server opens no file a client names: upload the capture instead (POST /api/upload)',
  'capture.save': 'the server writes no file a client names: download the capture instead (GET /api/captures/ID/file)',
  'capture.export': 'the server writes no file a client names: download the export instead (GET /api/captures/ID/export?format=csv|jsonl)',
};
const HTTP_STATUS: Record<string, number> = { EPERM: 403, ENOTFOUND: 404, ENOENT: 404, EBUSY: 409, E2BIG: 413 };
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ServeOptions {
  host: string;
  /** The port; undefined: the last run's port (from the settings directory) if it is free, else any. */
  port?: number;
  /** Make a new token instead of reusing the saved one. */
  newToken?: boolean;
  rendererDir: string;
  /** Where the host keeps settings (message templates); the host's default when absent. */
  settingsDir?: string;
  /** Where uploads and live captures are kept; a fresh temp directory, removed on close, when absent. */
  tempDir?: string;
  /** The largest upload, counted on the bytes received (4 GiB by default). */
  maxUploadBytes?: number;
  /** --captures: the folder whose capture files the page may list and open in place (absolute). */
  capturesDir?: string;
}

export function parseServeArgs(args: string[]): ServeOptions | string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const opts: ServeOptions = { host: '127.0.0.1', rendererDir: resolve(here, '../../renderer') };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = args[i + 1];
    if (a === '--host' || a === '--port' || a === '--renderer' || a === '--settings' || a === '--captures') {
      if (value === undefined || value.startsWith('--')) return `${a} needs a value`;
      i++;
      if (a === '--host') {
        if (!/^[A-Za-z0-9_.:-]+$/.test(value)) return `--host '${value}' is not a host name or address`;
        opts.host = value;
      } else if (a === '--port') {
        if (!/^\d+$/.test(value) || Number(value) > 65535) return `--port '${value}' must be a number from 0 to 65535`;
        opts.port = Number(value);
      } else if (a === '--captures') {
        const folder = capturesFolderOption(value);
        if ('problem' in folder) return folder.problem;
        opts.capturesDir = folder.dir;
      } else if (a === '--settings') opts.settingsDir = resolve(value);
      else opts.rendererDir = resolve(value);
    } else if (a === '--new-token') opts.newToken = true;
    else if (a === '-h' || a === '--help') return '';
    else return `unknown option '${a}'`;
  }
  return opts;
}

export interface RunningServer {
  url: string;
  token: string;
  /** Things the user should know (a saved state that could not be used or saved), one sentence each. */
  notes: string[];
  host: Host;
  close(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  if (!existsSync(join(opts.rendererDir, 'index.html'))) {
    throw new Error(`the UI is not built: ${join(opts.rendererDir, 'index.html')} is missing (run npm run build)`);
  }
  const settingsDir = opts.settingsDir ?? defaultSettingsDir();
  const notes: string[] = [];
  const saved = opts.newToken ? {} : loadServeState(settingsDir);
  if (saved.problem) notes.push(saved.problem);
  const token = saved.state?.token ?? newToken();
  const host = new Host({ settingsDir, tempDir: opts.tempDir });
  const root = resolve(opts.rendererDir);
  const maxUpload = opts.maxUploadBytes ?? MAX_UPLOAD;
  const served = opts.capturesDir ? new ServedCaptures(opts.capturesDir) : undefined;
  // Known once listening.
  let hosts = new Set<string>();
  let port = 0;

  // The server's own folders (uploads and live captures, settings, the UI's files, the captures folder) never reach a client:
  // a reply or event that names one (a saved settings file, a tool's error about its output file) shows
  // a placeholder instead. Matched as they appear inside JSON strings.
  const folders = [host.tempDir, settingsDir, root, ...(served?.paths ?? [])]
    .map((dir) => JSON.stringify(dir).slice(1, -1))
    .sort((a, b) => b.length - a.length);
  const json = (body: unknown) => {
    let text = JSON.stringify(body);
    for (const dir of folders) if (text.includes(dir)) text = text.split(dir).join('(server folder)');
    return text;
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(json(body));
  };
  const sendError = (res: ServerResponse, err: unknown) => {
    const error = describeError(err);
    sendJson(res, HTTP_STATUS[error.code ?? ''] ?? 400, { ok: false, error });
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: describeError(err) });
      else res.destroy();
    });
  });

  /**
   * The upload streamed to a temp file, counted as it arrives, and decoded as the file grows (UploadFile):
   * the capture exists, and shows its first records, from the first bytes on. The reply comes once the
   * whole file is in; if the upload fails, the capture is closed and its file is gone.
   */
  async function receiveUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = (url.searchParams.get('name') ?? 'upload.pcap').replace(/[^A-Za-z0-9_. -]+/g, '_').slice(0, 120) || 'upload.pcap';
    const tooBig = new HostError(`file is larger than ${maxUpload} bytes`, 'E2BIG');
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    // Close the connection after refusing: the rest of the body is not read.
    if ((declared ?? 0) > maxUpload) return void (res.setHeader('connection', 'close'), sendError(res, tooBig));
    const path = join(host.tempDir, `upload-${Date.now()}-${randomBytes(4).toString('hex')}-${name}`);
    let received = 0;
    // Content-Length may be absent (chunked) or lie: the cap holds on the bytes that actually arrive.
    const capped = new Transform({
      // Room for a few MiB: with the default 16 KiB, each 64 KiB chunk would pause the request until the
      // next turn of the event loop, and while a big capture decodes each turn holds a batch of the decode
      // (measured: 140 MB from Chromium took 2.2-3.3 s to arrive this way, 1.3-1.7 s with room).
      highWaterMark: UPLOAD_WRITE_AHEAD,
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        done(received > maxUpload ? tooBig : null, chunk);
      },
    });
    // An upload that breaks off (the page closed, the connection lost) ends the stream with an error too.
    const upload = new UploadFile(
      connect(req, capped, () => undefined),
      path,
    );
    const capture = host.captures.openStream(upload, name, declared !== undefined && Number.isFinite(declared) ? declared : undefined);
    try {
      await upload.done;
    } catch (err) {
      await host.captures.close(capture.id).catch(() => undefined);
      await unlink(path).catch(() => undefined);
      if (!res.headersSent && !res.destroyed) {
        res.setHeader('connection', 'close');
        sendError(res, err === tooBig ? err : new HostError(`the upload of ${name} did not complete`, 'ECONNRESET'));
      }
      return;
    }
    const complete = host.captures.streamComplete(capture.id);
    if (complete) sendJson(res, 200, { ok: true, result: complete });
    else sendError(res, new HostError(`the capture ${name} was closed before its upload completed`, 'ECANCELED'));
  }

  /**
   * GET /api/server-captures (the --captures folder's files, or null without it) and
   * POST /api/server-captures/open?name=FILE (opened in place as the desktop app opens a path; the
   * file is the user's, so closing the capture leaves it where it is).
   */
  async function serverCaptures(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      if (req.method === 'GET') return sendJson(res, 200, { ok: true, result: served ? await served.list() : null });
      if (!served) {
        const message = 'zmtp serve was started without --captures: it opens no file on the server (upload the capture instead)';
        return sendJson(res, 404, { ok: false, error: { message, code: 'EPERM' } });
      }
      const name = url.searchParams.get('name');
      const file = await served.resolve(name);
      sendJson(res, 200, { ok: true, result: await host.captures.openFile(file.path, name!) });
    } catch (err) {
      sendError(res, err);
    }
  }

  async function download(res: ServerResponse, headers: Record<string, string>, id: string, what: string, url: URL): Promise<void> {
    if (what === 'file') {
      const { path, name } = host.captures.fileOf(id);
      const st = await stat(path);
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(st.size),
        'content-disposition': `attachment; filename="${name}"`,
      });
      await pipeline(createReadStream(path), res);
      return;
    }
    const format = url.searchParams.get('format') === 'csv' ? 'csv' : 'jsonl';
    let filter;
    try {
      filter = captureFilter.parse(JSON.parse(url.searchParams.get('filter') ?? '{}'));
    } catch {
      throw new HostError('filter must be a capture filter as JSON', 'EINVAL');
    }
    // Rows stream into the response as the browser takes them; progress and cancel go through the host.
    const job = host.captures.beginExport(id, format, filter);
    res.writeHead(200, {
      ...headers,
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="${job.name}"`,
      'cache-control': 'no-store',
    });
    await job.into(res).catch(() => undefined);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = hostOrOriginProblem(req, hosts);
    if (refused) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`403: ${refused}\n`);
      return;
    }
    const api = url.pathname.startsWith('/api/');
    if (!(api ? statesToken(req, url, token) : mayLoadAsset(req, url, token, port))) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        api
          ? '401: the API needs the token stated in the request (?token=, an x-zmtp-token header or the WebSocket subprotocol)\n'
          : '401: this ZMQ Inspector needs the token from the URL that `zmtp serve` printed\n',
      );
      return;
    }
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    };
    if (url.pathname === '/api/upload' && req.method === 'POST') return receiveUpload(req, res, url);
    if (
      (url.pathname === '/api/server-captures' && req.method === 'GET') ||
      (url.pathname === '/api/server-captures/open' && req.method === 'POST')
    )
      return serverCaptures(req, res, url);
    const fileMatch = /^\/api\/captures\/([A-Za-z0-9]+)\/(file|export)$/.exec(url.pathname);
    if (fileMatch && req.method === 'GET') {
      try {
        await download(res, headers, fileMatch[1], fileMatch[2], url);
      } catch (err) {
        if (!res.headersSent) sendError(res, err);
      }
      return;
    }
    if (api) return sendJson(res, 404, { ok: false, error: { message: `no API route ${req.method} ${url.pathname}`, code: 'ENOTFOUND' } });
    // The page's own assets load with this cookie; it opens nothing else (the API needs the token stated).
    headers['set-cookie'] = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
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

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 96 * 1024 * 1024,
    // The page states its token as a second subprotocol; the one selected (and echoed) is the plain name.
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (hostOrOriginProblem(req, hosts)) return refuse('403 Forbidden');
    if (url.pathname !== '/ws' || !statesToken(req, url, token)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const off = host.onEvent((event: HostEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(json({ event }));
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
        ws.send(
          JSON.stringify({ id: msg?.id ?? null, reply: { ok: false, error: { message: 'request needs a method', code: 'EINVAL' } } }),
        );
        return;
      }
      const notServed = NOT_SERVED[msg.method];
      const replied = notServed
        ? Promise.resolve({ ok: false as const, error: { message: `${msg.method}: ${notServed}`, code: 'EPERM' } })
        : host.reply(msg.method, msg.params);
      void replied.then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(json({ id: msg.id, reply }));
      });
    });
  }

  const listen = (port: number) =>
    new Promise<void>((resolveListen, reject) => {
      const failed = (err: Error) => reject(err);
      server.once('error', failed);
      server.listen(port, opts.host, () => {
        server.off('error', failed);
        resolveListen();
      });
    });
  try {
    if (opts.port !== undefined) await listen(opts.port);
    else {
      // The last run's port, so an open page finds this server again; taken by now, any free one.
      try {
        await listen(saved.state?.port ?? 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !saved.state?.port) throw err;
        notes.push(`port ${saved.state.port} of the last run is in use, so pages still open on it will not reconnect`);
        await listen(0);
      }
    }
  } catch (err) {
    await host.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  port = addr.port;
  hosts = allowedHosts(opts.host, addr.address, addr.port);
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}/?token=${token}`;
  try {
    saveServeState(settingsDir, { token, port: addr.port });
  } catch (err) {
    notes.push(`${describeError(err).message}: the next run will have a new token`);
  }
  return {
    url,
    token,
    host,
    notes,
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
  for (const note of running.notes) process.stderr.write(`zmtp serve: ${note}\n`);
  if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
    process.stderr.write(`zmtp serve: warning: listening on ${opts.host}, reachable from other machines (the token still guards it)\n`);
  }
  if (opts.capturesDir) process.stderr.write(`zmtp serve: the page may list and open the capture files in ${opts.capturesDir}\n`);
  process.stdout.write(`ZMQ Inspector is serving at ${running.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
