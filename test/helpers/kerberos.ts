// A throwaway MIT Kerberos realm on 127.0.0.1 for tests that need real GSS-API peers (libzmq's GSSAPI
// mechanism through pyzmq): its config, database, principals, keytab and ticket caches live in one temp
// dir, reached through KRB5_* variables only (never /etc/krb5.conf), and its krb5kdc listens on a port
// that was free a moment ago. Debian packages: krb5-kdc (krb5kdc, kdb5_util), krb5-admin-server
// (kadmin.local), krb5-user (kinit).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { freedPort } from './port.js';

const TOOLS = { kdb5_util: 'krb5-kdc', krb5kdc: 'krb5-kdc', 'kadmin.local': 'krb5-admin-server', kinit: 'krb5-user' } as const;
type Tool = keyof typeof TOOLS;

/** Where a tool is: in PATH, or in the sbin dirs a non-root PATH may lack. */
function toolPath(name: Tool): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/** Why a realm cannot be made here (the missing tools and their Debian packages), or undefined. */
export function kerberosUnavailable(): string | undefined {
  const missing = (Object.keys(TOOLS) as Tool[]).filter((t) => !toolPath(t));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((t) => TOOLS[t]))].join(' ');
  return `MIT Kerberos tools missing (${missing.join(', ')}): install the Debian packages ${packages} (.ci/run does)`;
}

export interface KerberosRealm {
  realm: string;
  /** Variables that point the Kerberos library of a child process at this realm. */
  env: Record<string, string>;
  /** "name@REALM". */
  principal(name: string): string;
  /** The KDC's log so far (issued tickets, errors), for failure messages. */
  log(): string;
  /** Stops the KDC (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Creates realm ZMTP.TEST in `dir`: principals `names` with random keys, all in one keytab (libzmq
 * acquires its credentials with GSS_C_BOTH, so each side needs its own principal's key as acceptor and a
 * ticket as initiator), krb5kdc on a free port, and a ticket for each principal (kinit from the keytab)
 * in one DIR ticket-cache collection, so one process can hold both sides' tickets.
 */
export async function startKerberosRealm(dir: string, names: string[]): Promise<KerberosRealm> {
  const realm = 'ZMTP.TEST';
  const tool = (t: Tool) => toolPath(t)!;
  const keytab = join(dir, 'zmtp.keytab');
  const log = join(dir, 'kdc.log');
  mkdirSync(join(dir, 'ccache'), { recursive: true });
  mkdirSync(join(dir, 'rcache'), { recursive: true });
  const env: Record<string, string> = {
    KRB5_CONFIG: join(dir, 'krb5.conf'),
    KRB5_KDC_PROFILE: join(dir, 'kdc.conf'),
    KRB5CCNAME: `DIR:${join(dir, 'ccache')}`,
    KRB5_KTNAME: `FILE:${keytab}`,
    KRB5_CLIENT_KTNAME: `FILE:${keytab}`,
    // The acceptor's replay cache, which would otherwise go to /var/tmp.
    KRB5RCACHEDIR: join(dir, 'rcache'),
  };
  const run = (t: Tool, args: string[]) =>
    execFileSync(tool(t), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).toString();
  // One encryption type, so the sizes of GSS-API tokens (RFC 4121 wrap tokens) are those of aes256-cts-hmac-sha1-96.
  const enctype = 'aes256-cts-hmac-sha1-96';
  const writeConfig = (port: number) => {
    writeFileSync(
      env.KRB5_CONFIG,
      [
        '[libdefaults]',
        `  default_realm = ${realm}`,
        '  dns_lookup_kdc = false',
        '  dns_lookup_realm = false',
        '  dns_canonicalize_hostname = false',
        '  rdns = false',
        '  udp_preference_limit = 1',
        `  permitted_enctypes = ${enctype}`,
        `  default_tkt_enctypes = ${enctype}`,
        `  default_tgs_enctypes = ${enctype}`,
        '[realms]',
        `  ${realm} = {`,
        `    kdc = 127.0.0.1:${port}`,
        '  }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      env.KRB5_KDC_PROFILE,
      [
        '[kdcdefaults]',
        `  kdc_listen = 127.0.0.1:${port}`,
        `  kdc_tcp_listen = 127.0.0.1:${port}`,
        '[realms]',
        `  ${realm} = {`,
        `    database_name = ${join(dir, 'principal')}`,
        `    key_stash_file = ${join(dir, 'stash')}`,
        `    acl_file = ${join(dir, 'kadm5.acl')}`,
        `    master_key_type = ${enctype}`,
        `    supported_enctypes = ${enctype}:normal`,
        '  }',
        '[logging]',
        `  kdc = FILE:${log}`,
        '',
      ].join('\n'),
    );
  };
  writeConfig(await freedPort());
  run('kdb5_util', ['create', '-s', '-r', realm, '-P', randomBytes(12).toString('hex')]);
  for (const n of names) run('kadmin.local', ['-r', realm, '-q', `addprinc -randkey ${n}`]);
  run('kadmin.local', ['-r', realm, '-q', `ktadd -k ${keytab} ${names.join(' ')}`]);

  let kdc: ChildProcess | undefined;
  let stderr = '';
  // The KDC must not outlive the test, whatever happens to it.
  const killOnExit = () => kdc?.kill('SIGKILL');
  process.on('exit', killOnExit);
  const end = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    if (kdc) await end(kdc);
    kdc = undefined;
  };
  try {
    // The port was free a moment ago; should another process take it first, the KDC exits: try a new one.
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) writeConfig(await freedPort());
      const child = spawn(tool('krb5kdc'), ['-n'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      kdc = child;
      child.stderr.on('data', (d) => (stderr += d));
      let issued = false;
      for (let i = 0; i < 100 && !issued && child.exitCode === null && child.signalCode === null; i++) {
        try {
          run('kinit', ['-k', '-t', keytab, names[0]]);
          issued = true;
        } catch (e) {
          if (i === 99) stderr += `\nkinit: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`;
          await sleep(100);
        }
      }
      if (issued) break;
      await end(child);
      if (attempt === 3) throw new Error(`krb5kdc never issued a ticket: ${stderr}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
    for (const n of names.slice(1)) run('kinit', ['-k', '-t', keytab, n]);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    realm,
    env,
    principal: (n) => `${n}@${realm}`,
    log: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    stop,
  };
}
