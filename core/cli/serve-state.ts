// What `zmtp serve` keeps between runs in the settings directory (serve.json, private: it holds the token):
// the token and the port it last listened on. A restarted serve reuses both, so a page left open reconnects
// by itself (same origin, same token) instead of leaving the user with a dead tab and a new URL to copy;
// `--new-token` makes a new token (the old URL stops working), `--port` picks the port.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../host/private-file.js';

export const SERVE_STATE_FILE = 'serve.json';
/** 24 random bytes as base64url: what startServer makes, and all a saved token may be. */
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

export interface ServeState {
  token: string;
  /** The port of the last run (absent before the first). */
  port?: number;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The saved state, or undefined when there is none. A file that cannot be used is reported in `problem`
 * (and replaced by the caller's next save), never trusted in part.
 */
export function loadServeState(settingsDir: string): { state?: ServeState; problem?: string } {
  const path = join(settingsDir, SERVE_STATE_FILE);
  let text: string | undefined;
  try {
    text = readPrivateFile(path, 'serve state');
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (text === undefined) return {};
  let json: { format?: unknown; version?: unknown; token?: unknown; port?: unknown } | null;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${path} is not JSON; a new token was made` };
  }
  if (json?.format !== 'zmq-inspector-serve' || json.version !== 1 || typeof json.token !== 'string' || !TOKEN.test(json.token)) {
    return { problem: `${path} holds no valid token (32 base64url characters); a new token was made` };
  }
  const port = typeof json.port === 'number' && Number.isInteger(json.port) && json.port > 0 && json.port <= 65535 ? json.port : undefined;
  return { state: { token: json.token, ...(port ? { port } : {}) } };
}

export function saveServeState(settingsDir: string, state: ServeState): void {
  writePrivateFile(
    join(settingsDir, SERVE_STATE_FILE),
    `${JSON.stringify({ format: 'zmq-inspector-serve', version: 1, ...state }, null, 2)}\n`,
    'serve state',
  );
}
