// Talking to a `zmtp serve` in tests the way any client can: plain HTTP requests with exactly the headers
// given, and the host API over its WebSocket with the token stated.
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request to 127.0.0.1:port with exactly the headers given (fetch would add or forbid some, like Host). */
export function http(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function wsOpen(
  port: number,
  path: string,
  options: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<{ status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, options.protocols ?? [], { headers: options.headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', () => resolve({}));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the result's fields its own way
export type Reply = { ok: boolean; result?: any; error?: { message: string; code?: string } };

/** A WebSocket with the token stated in the query, and a request helper over it. */
export async function api(port: number, token: string): Promise<{ ask(method: string, params?: unknown): Promise<Reply>; close(): void }> {
  const { ws } = await wsOpen(port, `/ws?token=${token}`);
  assert.ok(ws, 'the WebSocket with the token in the query opens');
  let id = 0;
  const waiting = new Map<number, (reply: Reply) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (typeof m.id === 'number') waiting.get(m.id)?.(m.reply);
  });
  return {
    ask: (method, params = {}) =>
      new Promise((resolve) => {
        const n = ++id;
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}
