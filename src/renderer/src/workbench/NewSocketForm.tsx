// Create a socket of any type with its options, including PLAIN/CURVE security and a key-pair generator.
import { useState } from 'react';
import type { AppClient } from '../client.js';
import type { SocketInfo, SocketType } from '../../../../core/host/protocol.js';
import { OPTIONS, OPTION_NAMES, appliesTo, type OptionSpec } from '../../../../core/engine/option-table.js';
import { SOCKET_TYPE_TABLE } from '../../../../core/engine/socket-type-table.js';
import { Button, Card, ErrorText, Input, Label, Select, errorMessage } from '../ui/common.js';
import { SECRET_OPTIONS } from './workspace.js';

// The types, options and labels come from the engine's tables, so the form offers what the host takes.
const TYPES = Object.entries(SOCKET_TYPE_TABLE).map(([type, info]) => ({ type: type as SocketType, hint: info.hint }));
/** Types whose routing id a peer sees (ROUTER addresses them by it); the option exists on every type. */
const HAS_ROUTING_ID: SocketType[] = ['REQ', 'REP', 'DEALER', 'ROUTER', 'STREAM'];
/** Whole-number options the form offers on every type. */
const NUMERIC = OPTION_NAMES.flatMap((name) => {
  const spec: OptionSpec = OPTIONS[name];
  return spec.kind.type === 'int' && spec.label && spec.types === 'all' ? [[name, spec.label] as const] : [];
});
/** Yes/no options the form offers on the types that have them, with their doc line. */
const FLAGS = OPTION_NAMES.flatMap((name) => {
  const spec: OptionSpec = OPTIONS[name];
  return spec.kind.type === 'bool' && spec.label ? [{ name, label: spec.label, doc: spec.doc }] : [];
});
/** Text options the form offers on every type (the SOCKS5 proxy and its credentials); secrets as password fields. */
const TEXTS = OPTION_NAMES.flatMap((name) => {
  const spec: OptionSpec = OPTIONS[name];
  const secret = (SECRET_OPTIONS as readonly string[]).includes(name);
  return spec.kind.type === 'string' && spec.label && spec.types === 'all' ? [{ name, label: spec.label, doc: spec.doc, secret }] : [];
});
type Security = 'none' | 'plain-client' | 'plain-server' | 'curve-client' | 'curve-server';

/** Numbers as numbers; anything else is passed on as typed so the host names the problem. */
function numeric(v: string): number | string | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

export function NewSocketForm({ client, onCreated }: { client: AppClient; onCreated: (s: SocketInfo) => void }) {
  const [type, setType] = useState<SocketType>('REQ');
  const [name, setName] = useState('');
  const [routingId, setRoutingId] = useState('');
  const [subs, setSubs] = useState('');
  const [subAll, setSubAll] = useState(false);
  const [nums, setNums] = useState<Record<string, string>>({});
  const [flags, setFlags] = useState<Record<string, boolean>>({});
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [groups, setGroups] = useState('');
  const [security, setSecurity] = useState<Security>('none');
  const [user, setUser] = useState('');
  const [pass, setPass] = useState('');
  const [pub, setPub] = useState('');
  const [sec, setSec] = useState('');
  const [serverKey, setServerKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const generate = async () => {
    try {
      const kp = await client.request('curve.keyPair');
      setPub(kp.publicKey);
      setSec(kp.secretKey);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const create = async () => {
    const options: Record<string, unknown> = {};
    for (const [key] of NUMERIC) {
      const v = numeric(nums[key] ?? '');
      if (v !== undefined) options[key] = v;
    }
    if (HAS_ROUTING_ID.includes(type) && routingId) options.routingId = routingId;
    if (type === 'SUB') {
      const topics = subs
        .split(/\n|,/)
        .map((t) => t.trim())
        .filter(Boolean);
      if (subAll) topics.unshift('');
      options.subscriptions = topics;
    }
    for (const f of FLAGS) if (flags[f.name] && appliesTo(f.name, type)) options[f.name] = true;
    // An empty field is the option left unset (libzmq refuses an empty proxy address).
    for (const f of TEXTS) if (texts[f.name]) options[f.name] = texts[f.name];
    if (type === 'DISH')
      options.groups = groups
        .split(/\n|,/)
        .map((g) => g.trim())
        .filter(Boolean);
    if (security === 'plain-server') options.plainServer = true;
    if (security === 'plain-client') {
      options.plainUsername = user;
      options.plainPassword = pass;
    }
    if (security === 'curve-server') {
      options.curveServer = true;
      options.curvePublicKey = pub;
      options.curveSecretKey = sec;
    }
    if (security === 'curve-client') {
      options.curvePublicKey = pub;
      options.curveSecretKey = sec;
      options.curveServerKey = serverKey;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await client.request('socket.create', { type, name: name || undefined, options });
      setName('');
      onCreated(s);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="New socket" className="max-w-3xl">
      <form
        aria-label="New socket"
        className="grid grid-cols-2 gap-3 md:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Label text="Socket type">
          <Select aria-label="Socket type" value={type} onChange={(e) => setType(e.target.value as SocketType)}>
            {TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} — {t.hint}
              </option>
            ))}
          </Select>
        </Label>
        <Label text="Name">
          <Input aria-label="Socket name" placeholder={`${type.toLowerCase()}-1`} value={name} onChange={(e) => setName(e.target.value)} />
        </Label>
        {HAS_ROUTING_ID.includes(type) && (
          <Label text="Routing id (optional)">
            <Input aria-label="Routing id" value={routingId} onChange={(e) => setRoutingId(e.target.value)} />
          </Label>
        )}
        {type === 'SUB' && (
          <Label text="Subscriptions (comma or one per line)" className="col-span-2">
            <div className="flex items-center gap-3">
              <Input
                aria-label="Subscriptions"
                className="flex-1"
                placeholder="weather, news."
                value={subs}
                onChange={(e) => setSubs(e.target.value)}
              />
              <label className="flex items-center gap-1 text-xs">
                <input type="checkbox" checked={subAll} onChange={(e) => setSubAll(e.target.checked)} /> everything
              </label>
            </div>
          </Label>
        )}
        {type === 'DISH' && (
          <Label text="Groups to join (comma or one per line)" className="col-span-2">
            <Input aria-label="Groups" placeholder="weather, news" value={groups} onChange={(e) => setGroups(e.target.value)} />
          </Label>
        )}
        {FLAGS.filter((f) => appliesTo(f.name, type)).map((f) => (
          <label key={f.name} className="flex items-center gap-2 self-end text-sm">
            <input
              type="checkbox"
              aria-label={f.label}
              checked={flags[f.name] ?? false}
              onChange={(e) => setFlags({ ...flags, [f.name]: e.target.checked })}
            />
            {f.label} <span className="text-xs text-slate-500">({f.doc})</span>
          </label>
        ))}
        {NUMERIC.map(([key, label]) => (
          <Label key={key} text={label}>
            <Input
              aria-label={label}
              inputMode="numeric"
              placeholder="default"
              value={nums[key] ?? ''}
              onChange={(e) => setNums({ ...nums, [key]: e.target.value })}
            />
          </Label>
        ))}
        {TEXTS.map((f) => (
          <Label key={f.name} text={f.label}>
            <Input
              aria-label={f.label}
              title={f.doc}
              type={f.secret ? 'password' : 'text'}
              placeholder="none"
              value={texts[f.name] ?? ''}
              onChange={(e) => setTexts({ ...texts, [f.name]: e.target.value })}
            />
          </Label>
        ))}
        <Label text="Security">
          <Select aria-label="Security" value={security} onChange={(e) => setSecurity(e.target.value as Security)}>
            <option value="none">NULL (none)</option>
            <option value="plain-client">PLAIN client</option>
            <option value="plain-server">PLAIN server</option>
            <option value="curve-client">CURVE client</option>
            <option value="curve-server">CURVE server</option>
          </Select>
        </Label>
        {security === 'plain-server' && (
          <p className="col-span-2 self-end text-xs text-slate-500" data-testid="security-help">
            Clients are checked by the workbench's ZAP handler: add their user names and passwords in this socket's Security card once it is
            created (until then every PLAIN client is refused).
          </p>
        )}
        {security === 'curve-server' && (
          <p className="col-span-full text-xs text-slate-500" data-testid="security-help">
            Give clients the public key as their server key (the socket's Security card has a Copy button). Any client that knows it is let
            in, unless you list the allowed client keys in the Security card.
          </p>
        )}
        {security === 'plain-client' && (
          <>
            <Label text="Username">
              <Input aria-label="PLAIN username" value={user} onChange={(e) => setUser(e.target.value)} />
            </Label>
            <Label text="Password">
              <Input aria-label="PLAIN password" type="password" value={pass} onChange={(e) => setPass(e.target.value)} />
            </Label>
          </>
        )}
        {security.startsWith('curve') && (
          <div className="col-span-full grid grid-cols-1 gap-2 rounded-md border border-dashed border-slate-300 p-2 dark:border-slate-600">
            <div className="flex items-center justify-between">
              <span className="text-xs font-medium">CURVE keys (Z85, 40 characters)</span>
              <Button onClick={() => void generate()}>Generate key pair</Button>
            </div>
            <Label text="Public key">
              <Input aria-label="CURVE public key" className="mono" value={pub} onChange={(e) => setPub(e.target.value)} />
            </Label>
            <Label text="Secret key">
              <Input aria-label="CURVE secret key" className="mono" value={sec} onChange={(e) => setSec(e.target.value)} />
            </Label>
            {security === 'curve-client' && (
              <Label text="Server public key">
                <Input aria-label="CURVE server key" className="mono" value={serverKey} onChange={(e) => setServerKey(e.target.value)} />
              </Label>
            )}
          </div>
        )}
        <div className="col-span-full flex items-center gap-2">
          <Button type="submit" variant="primary" disabled={busy}>
            Create socket
          </Button>
          <span className="text-xs text-slate-500">
            Sends time out after 2 s by default, so a send with no peer reports EAGAIN instead of hanging.
          </span>
        </div>
      </form>
      <ErrorText error={error} testId="create-error" />
    </Card>
  );
}
