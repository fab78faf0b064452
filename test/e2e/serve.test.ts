// `zmtp serve` guards everything with its per-run token: pages, assets, API downloads and the WebSocket
// (the finer rules, Host/Origin, cookie scope, uploads and server paths, are in test/unit/serve-rules).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { root, startServe, type Served } from './serve-harness.js';

let served: Served;
let base: string;
let token: string;

before(async () => {
  served = await startServe();
  const url = new URL(served.url);
  token = url.searchParams.get('token')!;
  base = `${url.protocol}//${url.host}`;
});
after(async () => {
  await served?.stop();
});

test('prints a loopback URL with a long random token', () => {
  assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
});

test('every HTTP request needs the token', async () => {
  assert.equal((await fetch(`${base}/`)).status, 401);
  assert.equal((await fetch(`${base}/?token=wrong`)).status, 401);
  // The token with its last character changed (to one it is not: a fixed 'x' was the token itself 1 time in 64).
  const offByOne = token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x');
  assert.equal((await fetch(`${base}/index.html?token=${offByOne}`)).status, 401);
  assert.equal((await fetch(`${base}/api/captures/c1/file`)).status, 401);
  assert.equal((await fetch(`${base}/api/upload?name=x.pcap`, { method: 'POST', body: 'x' })).status, 401);

  const ok = await fetch(`${base}/?token=${token}`);
  assert.equal(ok.status, 200);
  const html = await ok.text();
  assert.match(html, /<div id="root">/);
  assert.match(ok.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  // The page's own assets come with the cookie the page set.
  const cookie = ok.headers.get('set-cookie')!.split(';')[0];
  const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1];
  assert.equal((await fetch(`${base}/${asset}`)).status, 401);
  assert.equal((await fetch(`${base}/${asset}`, { headers: { cookie } })).status, 200);
  // No escaping the renderer directory.
  assert.equal((await fetch(`${base}/..%2f..%2fpackage.json?token=${token}`)).status, 404);
});

function wsOutcome(url: string, headers?: Record<string, string>): Promise<{ opened: boolean; status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', () => resolve({ opened: false }));
  });
}

test('the WebSocket needs the token and answers requests with validation errors, not crashes', async () => {
  const wsBase = base.replace('http', 'ws');
  assert.deepEqual(await wsOutcome(`${wsBase}/ws`), { opened: false, status: 401 });
  assert.deepEqual(await wsOutcome(`${wsBase}/ws?token=nope`), { opened: false, status: 401 });
  assert.deepEqual(await wsOutcome(`${wsBase}/ws?token=${token}`, { origin: 'http://evil.example' }), { opened: false, status: 403 });

  const { ws } = await wsOutcome(`${wsBase}/ws?token=${token}`);
  assert.ok(ws);
  try {
    const replies = new Map<unknown, { ok: boolean; error?: { message: string; code?: string }; result?: unknown }>();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if ('id' in m) replies.set(m.id, m.reply);
    });
    const ask = async (id: unknown, payload: string) => {
      ws.send(payload);
      while (!replies.has(id)) await new Promise((r) => setTimeout(r, 10));
      return replies.get(id)!;
    };
    assert.match((await ask(null, 'not json')).error!.message, /not JSON/);
    assert.match((await ask(1, JSON.stringify({ id: 1, method: 'rm -rf', params: {} }))).error!.message, /unknown method 'rm -rf'/);
    const bad = await ask(2, JSON.stringify({ id: 2, method: 'socket.create', params: { type: 'NOPE' } }));
    assert.equal(bad.error!.code, 'EINVAL');
    assert.match(bad.error!.message, /type/);
    const created = await ask(3, JSON.stringify({ id: 3, method: 'socket.create', params: { type: 'PULL', name: 'ws-pull' } }));
    assert.equal(created.ok, true);
    const list = await ask(4, JSON.stringify({ id: 4, method: 'socket.list' }));
    assert.ok((list.result as { name: string }[]).some((s) => s.name === 'ws-pull'));
  } finally {
    ws.close();
  }
});

test('bad command-line options are refused with a clear message', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/zmtp.js'), 'serve', '--port', '99999'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port '99999' must be a number from 0 to 65535/);
  const r2 = spawnSync(process.execPath, [join(root, 'bin/zmtp.js'), 'serve', '--bogus'], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /unknown option '--bogus'/);
});
