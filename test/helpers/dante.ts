// A real SOCKS5 proxy for tests: Dante's danted (Debian package dante-server) on a free loopback port
// (IPv4 and IPv6), with a generated config that asks for no authentication or for a user name and
// password (RFC 1929, checked by Dante against the system's users: one is created for it, which needs root).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freedPort } from './port.js';

export const DANTED = '/usr/sbin/danted';
/** The system user Dante checks username authentication against. */
export const SOCKS_USER = 'zmqsockstest';
export const SOCKS_PASSWORD = 'zmq-socks-pw';

export interface Dante {
  /** host:port as socksProxy takes it. */
  readonly address: string;
  readonly port: number;
  /** What danted logged so far (its connects and refusals). */
  log(): string;
  stop(): Promise<void>;
}

/** Why Dante cannot run here, or null. */
export function danteMissing(): string | null {
  if (spawnSync(DANTED, ['-v']).error) return `${DANTED} is not installed (apt-get install dante-server)`;
  if (process.getuid?.() !== 0) return 'danted and the test user need root';
  return null;
}

/** Creates SOCKS_USER (no home, no shell) if missing and sets its password. */
function ensureUser(): void {
  if (spawnSync('id', [SOCKS_USER]).status !== 0) {
    const r = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', SOCKS_USER], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`useradd ${SOCKS_USER} failed: ${r.stderr}`);
  }
  const r = spawnSync('chpasswd', [], { input: `${SOCKS_USER}:${SOCKS_PASSWORD}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chpasswd failed: ${r.stderr}`);
}

function config(port: number, method: 'none' | 'username'): string {
  return [
    'logoutput: stderr',
    `internal: 127.0.0.1 port = ${port}`,
    `internal: ::1 port = ${port}`,
    'external: lo',
    `socksmethod: ${method}`,
    'clientmethod: none',
    'user.privileged: root',
    'user.unprivileged: nobody',
    'client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
    'client pass { from: ::/0 to: ::/0 }',
    'socks pass {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  command: connect\n  log: connect error\n}',
    'socks pass {\n  from: ::/0 to: ::/0\n  command: connect\n  log: connect error\n}',
    '',
  ].join('\n');
}

/** Resolves once something accepts tcp connections on 127.0.0.1:port. */
async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`danted exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`danted did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts danted on a free loopback port; `auth: 'username'` requires SOCKS_USER / SOCKS_PASSWORD. */
export async function startDante(auth: 'none' | 'username' = 'none'): Promise<Dante> {
  if (auth === 'username') ensureUser();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dante-'));
  const port = await freedPort();
  const conf = path.join(dir, 'danted.conf');
  writeFileSync(conf, config(port, auth === 'username' ? 'username' : 'none'));
  const logFile = path.join(dir, 'log');
  writeFileSync(logFile, '');
  // Foreground, one process; its log goes to a file so the test can read it without holding pipes.
  const child = spawn(DANTED, ['-f', conf, '-N', '1', '-p', path.join(dir, 'pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (b: Buffer) => writeFileSync(logFile, b, { flag: 'a' }));
  const log = () => readFileSync(logFile, 'utf8');
  try {
    await listening(port, child, log);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    address: `127.0.0.1:${port}`,
    port,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
