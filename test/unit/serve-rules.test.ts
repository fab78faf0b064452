// `zmtp serve` touches no file a client names, answers only for its own Host and Origin, takes the
// token only when a request states it (never its cookie alone for the API), caps uploads on the bytes
// that arrive, and deletes uploads when their capture closes or the upload breaks off. Each rule is
// tried with real HTTP and WebSocket requests against a server in this process.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../core/cli/serve.js';
import { captureWithTcpdump, freePort, reqRepExchange } from '../e2e/traffic.js';
import { api as apiTo, http as httpTo, waitFor, wsOpen as wsOpenTo } from '../helpers/serve-http.js';

const MAX_UPLOAD = 1024 * 1024;
let server: RunningServer;
let dir: string;
let uploads: string;
let pcap: string;
let port: number;
let token: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-rules-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  uploads = join(dir, 'uploads');
  mkdirSync(uploads);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rendererDir: renderer,
    settingsDir: join(dir, 'settings'),
    tempDir: uploads,
    maxUploadBytes: MAX_UPLOAD,
  });
  const url = new URL(server.url);
  port = Number(url.port);
  token = url.searchParams.get('token')!;
  pcap = join(dir, 'reqrep.pcap');
  const capturePort = await freePort();
  await captureWithTcpdump(pcap, capturePort, async () => {
    await reqRepExchange(['hello', 'served'], ['ok'], capturePort);
  });
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const http = (path: string, opts?: Parameters<typeof httpTo>[2]) => httpTo(port, path, opts);
const wsOpen = (path: string, options?: Parameters<typeof wsOpenTo>[2]) => wsOpenTo(port, path, options);
const api = () => apiTo(port, token);

const uploadFiles = () => readdirSync(uploads).filter((f) => f.startsWith('upload-'));

test('Host must name this server, and a browser Origin must be that host', async () => {
  assert.equal((await http(`/?token=${token}`)).status, 200);
  assert.equal((await http(`/?token=${token}`, { headers: { host: `localhost:${port}` } })).status, 200);
  // DNS rebinding: the attacker's name resolving to 127.0.0.1 arrives as its own Host.
  const rebound = await http(`/?token=${token}`, { headers: { host: 'evil.example' } });
  assert.equal(rebound.status, 403);
  assert.match(rebound.body.toString(), /does not answer for Host 'evil\.example'/);
  assert.equal((await http(`/api/captures/c1/file?token=${token}`, { headers: { host: `evil.example:${port}` } })).status, 403);
  assert.equal((await http(`/?token=${token}`, { headers: { host: `127.0.0.1:${port + 1}` } })).status, 403);
  assert.equal(
    (await http(`/api/upload?token=${token}`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: Buffer.from('x') }))
      .status,
    403,
  );
  assert.equal((await wsOpen(`/ws?token=${token}`, { headers: { host: 'evil.example', origin: 'http://evil.example' } })).status, 403);
  assert.equal((await wsOpen(`/ws?token=${token}`, { headers: { origin: `http://localhost:${port + 1}` } })).status, 403);
  const same = await wsOpen(`/ws?token=${token}`, { headers: { origin: `http://127.0.0.1:${port}` } });
  assert.ok(same.ws, 'a WebSocket from the page itself opens');
  same.ws.close();
});

test('the cookie loads static assets only; the API and the WebSocket need the token stated', async () => {
  const page = await http(`/?token=${token}`);
  const cookie = String(page.headers['set-cookie']).split(';')[0];
  assert.match(cookie, new RegExp(`^zmtp_token_${port}=`));
  assert.equal((await http('/assets/app.js')).status, 401);
  assert.equal((await http('/assets/app.js', { headers: { cookie } })).status, 200);
  // Another local server that got the cookie (cookies are not port-scoped) can do nothing with it.
  assert.equal((await http('/api/captures/c1/file', { headers: { cookie } })).status, 401);
  assert.equal((await http('/api/upload?name=x.pcap', { method: 'POST', headers: { cookie }, body: Buffer.from('x') })).status, 401);
  assert.equal((await wsOpen('/ws', { headers: { cookie } })).status, 401);
  assert.equal((await wsOpen('/ws', { headers: { cookie, origin: `http://127.0.0.1:${port}` } })).status, 401);
  assert.equal((await wsOpen('/ws', { protocols: ['zmtp', 'zmtp-token.wrong'] })).status, 401);
  // Stated as a subprotocol (what the page does): the server selects the plain 'zmtp'.
  const sub = await wsOpen('/ws', { protocols: ['zmtp', `zmtp-token.${token}`] });
  assert.ok(sub.ws);
  assert.equal(sub.ws.protocol, 'zmtp');
  sub.ws.close();
  const header = await http('/api/captures/c999/file', { headers: { 'x-zmtp-token': token } });
  assert.equal(header.status, 404, 'the token in a header passes (the capture does not exist)');
});

test('no request names a server path: openFile, save and export are refused; host.info shows no path', async () => {
  const { ask, close } = await api();
  try {
    const open = await ask('capture.openFile', { path: '/etc/passwd' });
    assert.equal(open.ok, false);
    assert.equal(open.error!.code, 'EPERM');
    assert.match(open.error!.message, /upload the capture instead/);
    assert.equal((await ask('capture.list')).result.length, 0);
    const target = join(dir, 'written-by-client.pcap');
    const save = await ask('capture.save', { id: 'c1', path: target });
    const exp = await ask('capture.export', { id: 'c1', format: 'csv', path: target, filter: {} });
    assert.deepEqual([save.error!.code, exp.error!.code], ['EPERM', 'EPERM']);
    assert.equal(existsSync(target), false);
    const info = await ask('host.info');
    assert.equal(info.ok, true);
    assert.equal(JSON.stringify(info.result).includes(dir), false, `host.info: ${JSON.stringify(info.result)}`);
    assert.equal('tempDir' in info.result, false);
    // Saving templates writes the server's settings file; the reply does not say where.
    const saved = await ask('templates.save', { templates: [{ name: 't', frames: [{ kind: 'text', data: 'x' }] }] });
    assert.equal(saved.ok, true);
    assert.equal(JSON.stringify(saved.result).includes(dir), false, `templates.save: ${JSON.stringify(saved.result)}`);
    assert.match(saved.result.path, /^\(server folder\)/);
  } finally {
    close();
  }
});

test('an upload opens as a capture, downloads back and exports by name; closing it deletes the file', async () => {
  const bytes = readFileSync(pcap);
  const up = await http('/api/upload?name=reqrep.pcap', { method: 'POST', headers: { 'x-zmtp-token': token }, body: bytes });
  assert.equal(up.status, 200, up.body.toString());
  const capture = JSON.parse(up.body.toString()).result;
  assert.equal(capture.name, 'reqrep.pcap');
  assert.equal(uploadFiles().length, 1);
  const { ask, close } = await api();
  try {
    await waitFor(
      'the upload is decoded',
      async () => (await ask('capture.list')).result.find((c: { id: string }) => c.id === capture.id)?.state === 'ready',
    );
    const file = await http(`/api/captures/${capture.id}/file?token=${token}`);
    assert.equal(file.status, 200);
    assert.deepEqual(file.body, bytes);
    const csv = await http(
      `/api/captures/${capture.id}/export?token=${token}&format=csv&filter=${encodeURIComponent('{"kind":"message"}')}`,
    );
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-disposition']), /filename="reqrep\.csv"/);
    const lines = csv.body.toString().trim().split('\n');
    assert.equal(lines.length, 3, 'header + request + reply');
    assert.ok(lines[1].includes(Buffer.from('served').toString('hex')));
    const listed = (await ask('capture.list')).result.find((c: { id: string }) => c.id === capture.id);
    assert.deepEqual(
      { state: listed.export.state, rows: listed.export.rows, name: listed.export.name },
      { state: 'done', rows: 2, name: 'reqrep.csv' },
    );
    assert.equal((await ask('capture.close', { id: capture.id })).ok, true);
    assert.deepEqual(uploadFiles(), []);
    assert.equal((await http(`/api/captures/${capture.id}/file?token=${token}`)).status, 404);
  } finally {
    close();
  }
});

test('the upload cap holds on the bytes streamed, whatever Content-Length says', async () => {
  const declared = await http(`/api/upload?name=big.pcap`, {
    method: 'POST',
    headers: { 'x-zmtp-token': token, 'content-length': String(MAX_UPLOAD + 1) },
    body: Buffer.alloc(MAX_UPLOAD + 1),
  });
  assert.equal(declared.status, 413);
  // Chunked (no Content-Length): the server counts and refuses once past the cap.
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/upload?name=chunked.pcap',
        method: 'POST',
        headers: { host: `127.0.0.1:${port}`, 'x-zmtp-token': token, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
      },
    );
    req.on('error', (err) => resolve((err as { code?: string }).code ?? 'error'));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    const pump = () => {
      while (sent < 16 * MAX_UPLOAD) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.match(outcome, /^(HTTP 413|ECONNRESET|EPIPE)$/, `the oversized upload was ${outcome}`);
  await waitFor('the partial upload is deleted', () => uploadFiles().length === 0);
  const { ask, close } = await api();
  try {
    assert.equal(
      (await ask('capture.list')).result.some((c: { name: string }) => c.name === 'chunked.pcap'),
      false,
    );
  } finally {
    close();
  }
});

test('an upload that breaks off leaves no file behind', async () => {
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/api/upload?name=aborted.pcap',
    method: 'POST',
    headers: { host: `127.0.0.1:${port}`, 'x-zmtp-token': token, 'content-length': String(MAX_UPLOAD) },
  });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(256 * 1024));
  await waitFor('the upload has started', () => uploadFiles().length === 1);
  req.destroy();
  await waitFor('the partial upload is deleted', () => uploadFiles().length === 0);
});

test("a live capture's packet file is deleted when the capture closes", async () => {
  const { ask, close } = await api();
  try {
    const started = await ask('capture.startLive', { interface: 'lo', filter: `tcp port ${await freePort()}` });
    assert.equal(started.ok, true, JSON.stringify(started.error));
    const liveFiles = () => readdirSync(uploads).filter((f) => f.startsWith('live-'));
    await waitFor('the live capture writes its file', () => liveFiles().length === 1);
    assert.equal((await ask('capture.stop', { id: started.result.id })).ok, true);
    assert.equal((await http(`/api/captures/${started.result.id}/file?token=${token}`)).status, 200);
    assert.equal((await ask('capture.close', { id: started.result.id })).ok, true);
    assert.deepEqual(liveFiles(), []);
  } finally {
    close();
  }
});
