// A socket's security: its mechanism, its own CURVE public key (to give to peers) with a copy button, the
// server key or PLAIN user a client uses, and for a server that asks ZAP the workbench's ZAP policy
// (PLAIN users, CURVE keys to allow). The policy is one for the whole workbench, like a libzmq context's
// one handler at inproc://zeromq.zap.01, so every server socket shows and edits the same lists.
import { useEffect, useState } from 'react';
import type { AppClient } from '../client.js';
import type { SocketInfo, ZapPolicy } from '../../../../core/host/protocol.js';
import { securityOf } from '../../../../core/host/security-events.js';
import { Badge, Button, Card, ErrorText, Input, errorMessage } from '../ui/common.js';

/** Copies text with the Clipboard API, or by selecting a scratch field where that API is not offered. */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Not allowed here (permissions): fall back below.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser did not allow copying; select the text and copy it by hand');
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<string | null>(null);
  return (
    <Button
      variant="ghost"
      aria-label={label}
      onClick={() =>
        copyText(text).then(
          () => setDone('Copied'),
          (err) => setDone(errorMessage(err)),
        )
      }
      onBlur={() => setDone(null)}
    >
      {done ?? 'Copy'}
    </Button>
  );
}

function KeyRow({ name, value, testId }: { name: string; value: string; testId: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <span className="w-20 shrink-0 text-xs font-medium">{name}</span>
      <code className="mono min-w-0 break-all" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} label={`Copy ${name.toLowerCase()}`} />
    </div>
  );
}

function ZapPolicyEditor({ client, mechanism }: { client: AppClient; mechanism: 'NULL' | 'PLAIN' | 'CURVE' }) {
  const [policy, setPolicy] = useState<ZapPolicy | null>(null);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client.request('zap.get').then(
      (p) => live && setPolicy(p),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [client]);
  const save = async (next: ZapPolicy): Promise<boolean> => {
    setError(null);
    try {
      setPolicy(await client.request('zap.set', { policy: next }));
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    }
  };
  // Nothing is claimed about the users or keys until the host has said what they are.
  if (!policy)
    return (
      <div className="mt-2 text-xs text-slate-500" data-testid="zap-policy">
        {error ? <ErrorText error={error} testId="zap-error" /> : 'Loading the ZAP policy…'}
      </div>
    );
  const p = policy;
  return (
    <div className="mt-2 flex flex-col gap-2 border-t border-slate-200 pt-2 dark:border-slate-700" data-testid="zap-policy">
      <p className="text-xs text-slate-500">
        Authentication (ZAP): the workbench's handler at inproc://zeromq.zap.01 decides for every server socket here. Each decision shows in
        the socket's timeline.
      </p>
      {mechanism === 'PLAIN' && (
        <>
          <ul className="flex flex-wrap gap-1" data-testid="zap-users">
            {p.plainUsers.length === 0 && (
              <li className="text-xs text-amber-700 dark:text-amber-400">No PLAIN users yet: every PLAIN client is refused.</li>
            )}
            {p.plainUsers.map((u) => (
              <li key={u.username}>
                <Badge tone="violet">
                  {u.username}
                  <button
                    aria-label={`Remove user ${u.username}`}
                    className="ml-1"
                    onClick={() => void save({ ...p, plainUsers: p.plainUsers.filter((x) => x !== u) })}
                  >
                    ✕
                  </button>
                </Badge>
              </li>
            ))}
          </ul>
          <form
            className="flex flex-wrap items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const others = p.plainUsers.filter((x) => x.username !== user);
              void save({ ...p, plainUsers: [...others, { username: user, password }] }).then((ok) => {
                if (ok) {
                  setUser('');
                  setPassword('');
                }
              });
            }}
          >
            <Input aria-label="ZAP user name" placeholder="user name" value={user} onChange={(e) => setUser(e.target.value)} />
            <Input
              aria-label="ZAP user password"
              type="password"
              placeholder="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <Button type="submit">Add user</Button>
          </form>
        </>
      )}
      {mechanism === 'CURVE' && (
        <>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              aria-label="Allow any CURVE client"
              checked={p.curveAllowAny}
              onChange={(e) => void save({ ...p, curveAllowAny: e.target.checked })}
            />
            Allow any CURVE client (one that knows this server's public key)
          </label>
          {!p.curveAllowAny && (
            <>
              <ul className="flex flex-col gap-1" data-testid="zap-keys">
                {p.curveKeys.length === 0 && (
                  <li className="text-xs text-amber-700 dark:text-amber-400">No client keys allowed yet: every CURVE client is refused.</li>
                )}
                {p.curveKeys.map((k) => (
                  <li key={k} className="flex items-center gap-2 text-sm">
                    <code className="mono min-w-0 break-all">{k}</code>
                    <Button
                      variant="ghost"
                      aria-label={`Remove key ${k}`}
                      onClick={() => void save({ ...p, curveKeys: p.curveKeys.filter((x) => x !== k) })}
                    >
                      Remove
                    </Button>
                  </li>
                ))}
              </ul>
              <form
                className="flex gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  const k = key.trim();
                  void save({ ...p, curveKeys: p.curveKeys.includes(k) ? p.curveKeys : [...p.curveKeys, k] }).then((ok) => {
                    if (ok) setKey('');
                  });
                }}
              >
                <Input
                  aria-label="Allowed client public key"
                  className="mono flex-1"
                  placeholder="client public key (Z85, 40 characters)"
                  value={key}
                  onChange={(e) => setKey(e.target.value)}
                />
                <Button type="submit">Allow key</Button>
              </form>
            </>
          )}
        </>
      )}
      {mechanism === 'NULL' && <p className="text-xs text-slate-500">NULL clients are let in; the decision still shows in the timeline.</p>}
      <ErrorText error={error} testId="zap-error" />
    </div>
  );
}

export function SecurityCard({ client, socket }: { client: AppClient; socket: SocketInfo }) {
  const sec = securityOf(socket.options);
  if (sec.mechanism === 'NULL' && !sec.asksZap) return null;
  const o = socket.options;
  const role = sec.server ? 'server' : 'client';
  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          Security <Badge tone="violet">{sec.mechanism === 'NULL' ? 'NULL with a ZAP domain' : `${sec.mechanism} ${role}`}</Badge>
        </span>
      }
    >
      <div className="flex flex-col gap-1" data-testid="security">
        {typeof o.curvePublicKey === 'string' && <KeyRow name="Public key" value={o.curvePublicKey} testId="own-public-key" />}
        {sec.mechanism === 'CURVE' && sec.server && (
          <p className="text-xs text-slate-500">Clients need this public key as their server key. The secret key stays here.</p>
        )}
        {typeof o.curveServerKey === 'string' && <KeyRow name="Server key" value={o.curveServerKey} testId="server-key" />}
        {sec.mechanism === 'PLAIN' && !sec.server && (
          <p className="text-sm">
            User <span className="mono">{String(o.plainUsername ?? '')}</span> (the password travels in clear text: PLAIN is for trusted
            networks)
          </p>
        )}
      </div>
      {sec.asksZap && <ZapPolicyEditor client={client} mechanism={sec.mechanism} />}
    </Card>
  );
}
