// The sockets workbench: socket list, creation form, the selected socket, workspace files.
import { Activity, useEffect, useRef, useState } from 'react';
import type { AppClient } from '../client.js';
import type { SocketInfo } from '../../../../core/host/protocol.js';
import { dismissRestart, getState, addIfMissing, messageTotal, useStore } from '../store.js';
import { fmtTime } from '../format.js';
import { Badge, Button, Empty, ErrorText, errorMessage } from '../ui/common.js';
import { useStableCallback } from '../ui/stable-callback.js';
import type { Template } from './Composer.js';
import { NewSocketForm } from './NewSocketForm.js';
import { SocketView } from './SocketView.js';
import { missingSecrets, toWorkspace, zapToApply, type Workspace as WorkspaceFile } from './workspace.js';
import { pruneDrafts } from './drafts.js';
import { PatternPairs } from './PatternPairs.js';

type Workspace = WorkspaceFile<Template>;

/**
 * Socket views kept mounted (hidden) after they were last shown: switching back to one of them is a
 * style change, not a mount of its cards and message rows. Hidden views render their updates at React's
 * lowest priority, so they do not compete with the visible one.
 */
const KEEP_VIEWS = 4;

/** Templates an earlier version kept in this browser's storage; moved to the host once. */
const LEGACY_KEY = 'zmq-inspector.templates';
function legacyTemplates(): Template[] {
  try {
    const t = JSON.parse(localStorage.getItem(LEGACY_KEY) ?? '[]');
    return Array.isArray(t) ? t : [];
  } catch {
    return [];
  }
}

/** A socket's true message total, in its own component: a flood re-renders this text, not the whole workbench. */
function MessageCount({ id }: { id: string }) {
  const total = useStore((s) => messageTotal(s, id));
  return <>{total.toLocaleString()}</>;
}

export function Workbench({ client }: { client: AppClient }) {
  const order = useStore((s) => s.order);
  const sockets = useStore((s) => s.sockets);
  const restarted = useStore((s) => s.restarted);
  const epoch = useStore((s) => s.epoch);
  const [selected, setSelectedState] = useState<string | 'new'>('new');
  /** The socket views shown most recently, newest first (see KEEP_VIEWS). */
  const [recent, setRecent] = useState<string[]>([]);
  const setSelected = (id: string | 'new') => {
    setSelectedState(id);
    if (id !== 'new') setRecent((r) => (r[0] === id ? r : [id, ...r.filter((x) => x !== id)].slice(0, KEEP_VIEWS)));
  };
  const [templates, setTemplatesState] = useState<Template[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [includeSecrets, setIncludeSecrets] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  // Templates are kept by the host (a settings file), so they survive a new `zmtp serve` port or origin.
  useEffect(() => {
    let live = true;
    client
      .request('templates.list')
      .then(async (stored) => {
        const legacy = legacyTemplates();
        let list = stored as Template[];
        if (legacy.length > 0) {
          list = [...list, ...legacy.filter((t) => !list.some((x) => x.name === t.name))];
          await client.request('templates.save', { templates: list });
          localStorage.removeItem(LEGACY_KEY);
        }
        if (live) setTemplatesState(list);
      })
      .catch((err) => live && setError(`Templates: ${errorMessage(err)}`));
    return () => {
      live = false;
    };
  }, [client]);
  const setTemplates = (next: Template[]) => {
    setTemplatesState(next);
    client.request('templates.save', { templates: next }).catch((err) => setError(`Templates not saved: ${errorMessage(err)}`));
  };
  // The selected socket is gone (closed, or the back end restarted): select the newest one instead, in this
  // render (React renders again at once, before anything is drawn). Set only when it differs, so it settles.
  if (selected !== 'new' && !sockets[selected]) {
    const fallback = order[order.length - 1] ?? 'new';
    if (fallback !== selected) setSelected(fallback);
  }
  useEffect(() => pruneDrafts((id) => id in sockets), [sockets]);
  // The back end restarted: ids start again, so nothing kept under an old id may reach a new socket.
  const [seenEpoch, setSeenEpoch] = useState(epoch);
  if (epoch !== seenEpoch) {
    setSeenEpoch(epoch);
    setRecent([]);
  }
  useEffect(() => {
    if (epoch !== 0) pruneDrafts(() => false);
  }, [epoch]);

  // Stable callbacks, so a socket view whose socket did not change is not drawn again when the workbench
  // renders (SocketView is memoised).
  const saveTemplate = useStableCallback((t: Template) => setTemplates([...templates.filter((x) => x.name !== t.name), t]));
  const deleteTemplate = useStableCallback((name: string) => setTemplates(templates.filter((x) => x.name !== name)));

  const saveWorkspace = async () => {
    let zap;
    try {
      zap = await client.request('zap.get');
    } catch (err) {
      setError(`ZAP policy not saved: ${errorMessage(err)}`);
    }
    const ws = toWorkspace(
      getState()
        .order.map((id) => getState().sockets[id])
        .filter(Boolean),
      templates,
      includeSecrets,
      zap,
    );
    try {
      await client.saveText('workspace.zmqi.json', JSON.stringify(ws, null, 2));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const applyWorkspace = async (text: string) => {
    setError(null);
    let ws: Workspace;
    try {
      ws = JSON.parse(text);
      if (ws?.format !== 'zmq-inspector-workspace' || !Array.isArray(ws.sockets)) throw new Error('not a ZMQ Inspector workspace file');
    } catch (err) {
      setError(`Cannot open workspace: ${errorMessage(err)}`);
      return;
    }
    await makeSockets(ws, true);
  };

  /** Makes a workspace's sockets (and, with `withTemplates`, takes its templates); says what did not work. */
  const makeSockets = async (ws: Workspace, withTemplates: boolean) => {
    const problems: string[] = [];
    // The ZAP policy first, so the servers' first handshakes are decided by it (the host validates it).
    if (ws.zap && typeof ws.zap === 'object') {
      const { policy, withoutPassword } = zapToApply(ws.zap);
      try {
        await client.request('zap.set', { policy });
      } catch (err) {
        problems.push(`ZAP policy: ${errorMessage(err)}`);
      }
      if (withoutPassword.length)
        problems.push(
          `PLAIN users saved without their passwords were not added: ${withoutPassword.join(', ')}; add them again in a PLAIN server's Security card`,
        );
    }
    // Binds first: a wildcard port gets a new number, and connects in the same workspace that went to
    // the old number are pointed at the new one.
    const created: { id: string; spec: Workspace['sockets'][number] }[] = [];
    const moved = new Map<string, string>();
    for (const spec of ws.sockets) {
      try {
        const options = { ...(spec.options ?? {}) };
        const missing = missingSecrets(options);
        if (missing.curveKeyPair) {
          // Saved without its secret key: the old key pair cannot be used, so it gets a new one.
          Object.assign(
            options,
            await client.request('curve.keyPair').then((kp) => ({ curvePublicKey: kp.publicKey, curveSecretKey: kp.secretKey })),
          );
          problems.push(
            `${spec.name}: the workspace has no CURVE secret key, so it got a new key pair; its peers need the new public key ${String(options.curvePublicKey)}`,
          );
        }
        if (missing.plainPassword)
          problems.push(
            `${spec.name}: the workspace has no PLAIN password for user '${String(options.plainUsername)}'; the server will refuse it until the socket is made again with the password`,
          );
        if (missing.socksPassword)
          problems.push(
            `${spec.name}: the workspace has no SOCKS password for user '${String(options.socksUsername)}'; the proxy will refuse its connects until the socket is made again with the password`,
          );
        const s = await client.request('socket.create', { type: spec.type, name: spec.name, options });
        created.push({ id: s.id, spec });
        for (const e of spec.endpoints ?? []) {
          if (e.kind !== 'bind') continue;
          try {
            const after = await client.request('socket.bind', { id: s.id, endpoint: e.endpoint });
            const now = after.endpoints[after.endpoints.length - 1]?.endpoint;
            if (e.resolved && now) moved.set(e.resolved, now);
          } catch (err) {
            problems.push(`${spec.name}: ${errorMessage(err)}`);
          }
        }
      } catch (err) {
        problems.push(`${spec.name}: ${errorMessage(err)}`);
      }
    }
    for (const { id, spec } of created) {
      for (const e of spec.endpoints ?? []) {
        if (e.kind !== 'connect') continue;
        try {
          await client.request('socket.connect', { id, endpoint: moved.get(e.endpoint) ?? e.endpoint });
        } catch (err) {
          problems.push(`${spec.name}: ${errorMessage(err)}`);
        }
      }
    }
    if (withTemplates && Array.isArray(ws.templates)) setTemplates(ws.templates);
    if (problems.length) setError(`${withTemplates ? 'Workspace opened' : 'Sockets made again'} with problems: ${problems.join('; ')}`);
  };

  /** The sockets the page had before the back end restarted, made again as they were (secrets included: they never leave the page). */
  const remakeSockets = async () => {
    if (!restarted) return;
    const lost = restarted.sockets;
    dismissRestart();
    setError(null);
    await makeSockets(toWorkspace(lost, [], true), false);
  };

  const openWorkspace = async () => {
    if (client.openText) {
      const f = await client.openText();
      if (f) await applyWorkspace(f.content);
    } else fileInput.current?.click();
  };

  const current: SocketInfo | undefined = selected === 'new' ? undefined : sockets[selected];
  return (
    <div className="flex h-full min-h-0">
      <aside className="flex w-64 shrink-0 flex-col gap-2 border-r border-slate-200 p-2 dark:border-slate-800" aria-label="Sockets">
        <Button variant={selected === 'new' ? 'primary' : 'secondary'} onClick={() => setSelected('new')}>
          + New socket
        </Button>
        <nav className="flex min-h-0 flex-1 flex-col gap-1 overflow-auto">
          {order.length === 0 && <p className="p-2 text-xs text-slate-500">No sockets yet. Create one, bind or connect it, then send.</p>}
          {order.map((id) => {
            const s = sockets[id];
            if (!s) return null;
            return (
              <button
                key={id}
                data-testid="socket-item"
                onClick={() => setSelected(id)}
                className={`flex flex-col items-start rounded-md px-2 py-1.5 text-left text-sm ${selected === id ? 'bg-sky-100 dark:bg-sky-900/60' : 'hover:bg-slate-200 dark:hover:bg-slate-800'}`}
              >
                <span className="flex w-full items-center gap-1 font-medium">
                  {s.name}
                  {s.lastError && <span className="ml-auto h-2 w-2 rounded-full bg-red-500" title={s.lastError.message} />}
                </span>
                <span className="flex gap-1 text-xs text-slate-500">
                  <Badge tone="violet">{s.type}</Badge>
                  <span>
                    {s.endpoints.length} endpoint{s.endpoints.length === 1 ? '' : 's'} · {s.peers.length} peer
                    {s.peers.length === 1 ? '' : 's'} · <MessageCount id={id} /> msg
                  </span>
                </span>
              </button>
            );
          })}
        </nav>
        <div className="flex gap-1 border-t border-slate-200 pt-2 dark:border-slate-800">
          <Button className="flex-1" onClick={() => void openWorkspace()}>
            Open workspace
          </Button>
          <Button className="flex-1" disabled={order.length === 0 && templates.length === 0} onClick={() => void saveWorkspace()}>
            Save workspace
          </Button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            aria-label="Workspace file"
            className="hidden"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then(applyWorkspace);
              e.target.value = '';
            }}
          />
        </div>
        <label
          className="flex items-center gap-1 text-xs text-slate-500"
          title="CURVE secret keys and PLAIN passwords are left out of workspace files unless this is ticked"
        >
          <input
            type="checkbox"
            aria-label="Include secrets in the workspace"
            checked={includeSecrets}
            onChange={(e) => setIncludeSecrets(e.target.checked)}
          />
          Include secret keys and passwords
        </label>
      </aside>
      <main className="min-w-0 flex-1 overflow-auto p-4">
        {restarted && (
          <div
            role="status"
            data-testid="restart-notice"
            className="mb-3 flex flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
          >
            <span className="min-w-0 flex-1">
              The back end restarted at {fmtTime(restarted.at)} and this page reconnected.
              {restarted.sockets.length > 0 ? ` Its sockets from before are gone: ${restarted.sockets.map((s) => s.name).join(', ')}.` : ''}
            </span>
            {restarted.sockets.length > 0 && (
              <Button variant="primary" onClick={() => void remakeSockets()}>
                Make {restarted.sockets.length === 1 ? 'it' : 'them'} again
              </Button>
            )}
            <Button variant="ghost" aria-label="Dismiss restart notice" onClick={dismissRestart}>
              ✕
            </Button>
          </div>
        )}
        <ErrorText error={error} testId="workspace-error" />
        {/* Not while the new-socket form shows: its fields would share labels with the hidden views' fields. */}
        {selected !== 'new' &&
          recent.map(
            (id) =>
              sockets[id] && (
                <Activity key={`${epoch}:${id}`} mode={id === current?.id ? 'visible' : 'hidden'}>
                  <SocketView
                    client={client}
                    socket={sockets[id]}
                    templates={templates}
                    saveTemplate={saveTemplate}
                    deleteTemplate={deleteTemplate}
                  />
                </Activity>
              ),
          )}
        {current ? null : selected === 'new' ? (
          <>
            <PatternPairs
              client={client}
              onCreated={(s) => {
                addIfMissing(s);
                setSelected(s.id);
              }}
            />
            <NewSocketForm
              client={client}
              onCreated={(s) => {
                addIfMissing(s);
                setSelected(s.id);
              }}
            />
          </>
        ) : (
          <Empty title="This socket was closed">Pick another socket on the left or create a new one.</Empty>
        )}
      </main>
    </div>
  );
}
