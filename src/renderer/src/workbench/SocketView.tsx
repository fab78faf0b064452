// One socket: endpoints, peers, composer, message log, monitor events.
import { memo, useMemo, useRef, useState } from 'react';
import type { AppClient } from '../client.js';
import type { LoggedMessage, SocketInfo } from '../../../../core/host/protocol.js';
import { fmtTime } from '../format.js';
import { clearMessages, eventTotal, messageTotal, useStore } from '../store.js';
import { Badge, Button, Card, ErrorText, Input, Select, errorMessage } from '../ui/common.js';
import { Composer, envelopeOf, type DraftFrame, type Template } from './Composer.js';
import { EndpointStatus } from './EndpointStatus.js';
import { givenUp } from '../../../../core/host/endpoint-state.js';
import { MulticastHint } from './MulticastHint.js';
import { MessageLog } from './MessageLog.js';
import { Timeline } from './Timeline.js';
import { SocketRate } from './SocketRate.js';
import { SecurityCard } from './Security.js';
import { CodeCard } from './CodeCard.js';
import { useDraft } from './drafts.js';
import { connectTargets } from './patterns.js';

const NO_MESSAGES: LoggedMessage[] = [];
const ONE_EMPTY_FRAME: DraftFrame[] = [{ kind: 'text', data: '' }];
const NO_EVENTS: never[] = [];

function Endpoints({ client, socket }: { client: AppClient; socket: SocketInfo }) {
  const all = useStore((s) => s.sockets);
  const order = useStore((s) => s.order);
  const targets = useMemo(() => connectTargets(socket, order.map((id) => all[id]).filter(Boolean)), [socket, all, order]);
  // Until the user types, the box offers a compatible workbench socket's bound endpoint (else a wildcard to bind).
  const [endpoint, setEndpoint] = useDraft(socket.id, 'endpoint', targets.find((t) => t.compatible)?.endpoint ?? 'tcp://127.0.0.1:*');
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Card title="Endpoints">
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => client.request('socket.bind', { id: socket.id, endpoint }));
        }}
      >
        <Input aria-label="Endpoint" className="mono flex-1" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
        <Button type="submit" variant="primary">
          Bind
        </Button>
        <Button
          onClick={() =>
            void run(async () => {
              // The host would refuse it too; this says what to do instead.
              if (/:\*$/.test(endpoint.trim()))
                throw new Error(
                  `Connect needs a real port: a wildcard (*) port only works for Bind. ${targets.length ? "Pick another workbench socket's endpoint below" : 'Bind another socket first'}, or type host:port.`,
                );
              return client.request('socket.connect', { id: socket.id, endpoint });
            })
          }
        >
          Connect
        </Button>
      </form>
      {targets.length > 0 && (
        <Select
          aria-label="Connect to a workbench socket"
          className="mt-2 w-full"
          value=""
          onChange={(e) => {
            if (e.target.value) setEndpoint(e.target.value);
          }}
        >
          <option value="">Connect to another workbench socket…</option>
          {targets.map((t) => (
            <option key={`${t.socketName} ${t.endpoint}`} value={t.endpoint}>
              {t.socketName} ({t.socketType}) {t.endpoint}
              {t.compatible ? '' : ` (a ${socket.type} does not talk to a ${t.socketType})`}
            </option>
          ))}
        </Select>
      )}
      <MulticastHint type={socket.type} onUse={setEndpoint} />
      <ErrorText error={error} testId="endpoint-error" />
      {socket.endpoints.length === 0 ? (
        <p className="mt-2 text-xs text-slate-500">
          Not bound or connected. Bind with a wildcard port (tcp://127.0.0.1:*) to get a free port.
        </p>
      ) : (
        <ul className="mt-2 flex flex-col gap-1" data-testid="endpoints">
          {socket.endpoints.map((e) => (
            <li key={e.kind + e.endpoint} className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={e.kind === 'bind' ? 'violet' : 'sky'}>{e.kind === 'bind' ? 'bound' : 'connect'}</Badge>
              <span className="mono" data-testid="endpoint">
                {e.endpoint}
              </span>
              {e.requested !== e.endpoint && <span className="text-xs text-slate-500">(asked {e.requested})</span>}
              {e.routingId !== undefined && <Badge tone="violet">routing id {e.routingId}</Badge>}
              <EndpointStatus endpoint={e} />
              <span className="ml-auto flex gap-1">
                {e.kind === 'connect' && e.status && givenUp(e.status) && (
                  <Button
                    variant="ghost"
                    title="Disconnect and connect this endpoint anew (it is not dialed again after a refusal or a protocol error)"
                    onClick={() => void run(() => client.request('socket.reconnect', { id: socket.id, endpoint: e.endpoint }))}
                  >
                    Reconnect
                  </Button>
                )}
                <Button
                  variant="ghost"
                  onClick={() =>
                    void run(() =>
                      client.request(e.kind === 'bind' ? 'socket.unbind' : 'socket.disconnect', { id: socket.id, endpoint: e.endpoint }),
                    )
                  }
                >
                  {e.kind === 'bind' ? 'Unbind' : 'Disconnect'}
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Subscriptions({ client, socket }: { client: AppClient; socket: SocketInfo }) {
  const [topic, setTopic] = useState('');
  const [error, setError] = useState<string | null>(null);
  const subs = (socket.options.subscriptions as string[] | undefined) ?? [];
  const change = async (t: string, on: boolean) => {
    setError(null);
    try {
      await client.request(on ? 'socket.subscribe' : 'socket.unsubscribe', { id: socket.id, topic: { kind: 'text', data: t } });
      setTopic('');
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Card title="Subscriptions">
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void change(topic, true);
        }}
      >
        <Input
          aria-label="Topic"
          className="flex-1"
          placeholder="topic prefix (empty = everything)"
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
        />
        <Button type="submit">Subscribe</Button>
      </form>
      <ErrorText error={error} />
      <ul className="mt-2 flex flex-wrap gap-1">
        {subs.length === 0 && <li className="text-xs text-slate-500">No subscriptions: this SUB receives nothing until it subscribes.</li>}
        {subs.map((t) => (
          <li key={t}>
            <Badge tone="violet">
              {t === '' ? '(everything)' : t}{' '}
              <button aria-label={`Unsubscribe ${t}`} className="ml-1" onClick={() => void change(t, false)}>
                ✕
              </button>
            </Badge>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Groups({ client, socket }: { client: AppClient; socket: SocketInfo }) {
  const [group, setGroup] = useState('');
  const [error, setError] = useState<string | null>(null);
  const groups = (socket.options.groups as string[] | undefined) ?? [];
  const change = async (g: string, on: boolean) => {
    setError(null);
    try {
      await client.request(on ? 'socket.join' : 'socket.leave', { id: socket.id, group: g });
      setGroup('');
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Card title="Groups">
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void change(group, true);
        }}
      >
        <Input
          aria-label="Group to join"
          className="flex-1"
          placeholder="group name (1 to 255 bytes)"
          value={group}
          onChange={(e) => setGroup(e.target.value)}
        />
        <Button type="submit">Join</Button>
      </form>
      <ErrorText error={error} testId="group-error" />
      <ul className="mt-2 flex flex-wrap gap-1" data-testid="groups">
        {groups.length === 0 && <li className="text-xs text-slate-500">No groups: this DISH receives nothing until it joins one.</li>}
        {groups.map((g) => (
          <li key={g}>
            <Badge tone="violet">
              {g}{' '}
              <button aria-label={`Leave ${g}`} className="ml-1" onClick={() => void change(g, false)}>
                ✕
              </button>
            </Badge>
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** Memoised: the workbench renders on every socket's change; a view is drawn again only when its own socket changed. */
export const SocketView = memo(function SocketView(props: {
  client: AppClient;
  socket: SocketInfo;
  templates: Template[];
  saveTemplate: (t: Template) => void;
  deleteTemplate: (name: string) => void;
}) {
  const { client, socket } = props;
  const messages = useStore((s) => s.messages[socket.id] ?? NO_MESSAGES);
  const events = useStore((s) => s.events[socket.id] ?? NO_EVENTS);
  const totalMessages = useStore((s) => messageTotal(s, socket.id));
  const totalEvents = useStore((s) => eventTotal(s, socket.id));
  const rate = useStore((s) => s.rates[socket.id]);
  const [dismissedError, setDismissedError] = useState<number | null>(null);
  // The composer's frames and route are drafts: they outlive switching to another socket and back.
  const [frames, setFrames] = useDraft<DraftFrame[]>(socket.id, 'frames', ONE_EMPTY_FRAME);
  const [route, setRoute] = useDraft(socket.id, 'route', '');
  const [selected, setSelected] = useState<number | null>(null);
  const canSend = !['SUB', 'PULL', 'DISH', 'GATHER'].includes(socket.type);
  const canReply = canSend;
  const root = useRef<HTMLDivElement>(null);

  const reply = (m: LoggedMessage) => {
    if (socket.type === 'ROUTER' || socket.type === 'STREAM') setRoute(envelopeOf(m).join(','));
    if (m.routingId !== undefined) setRoute(String(m.routingId));
    setFrames([{ kind: 'text', data: '' }]);
    // This view's composer: other socket views may be mounted too (hidden).
    root.current?.querySelector<HTMLTextAreaElement>('[aria-label="Frame 1"]')?.focus();
  };

  return (
    <div ref={root} className="grid grid-cols-1 gap-3 xl:grid-cols-2" data-testid={`socket-${socket.name}`}>
      <div className="flex flex-col gap-3">
        <header className="flex items-center gap-2">
          <h2 className="text-lg font-semibold">{socket.name}</h2>
          <Badge tone="violet">{socket.type}</Badge>
          <span className="mono text-xs text-slate-500">{socket.id}</span>
          <Button variant="danger" className="ml-auto" onClick={() => void client.request('socket.close', { id: socket.id })}>
            Close socket
          </Button>
        </header>
        {socket.lastError && socket.lastError.at !== dismissedError && (
          <div className="flex items-start gap-2">
            <div className="min-w-0 flex-1">
              <ErrorText error={`Last error ${fmtTime(socket.lastError.at)}: ${socket.lastError.message}`} testId="socket-last-error" />
            </div>
            <Button variant="ghost" aria-label="Dismiss last error" onClick={() => setDismissedError(socket.lastError!.at)}>
              ✕
            </Button>
          </div>
        )}
        <Endpoints client={client} socket={socket} />
        <SecurityCard client={client} socket={socket} />
        {socket.type === 'SUB' && <Subscriptions client={client} socket={socket} />}
        {socket.type === 'DISH' && <Groups client={client} socket={socket} />}
        <Card title={`Peers (${socket.peers.length})`}>
          {socket.peers.length === 0 ? (
            <p className="text-xs text-slate-500">No peer connected yet.</p>
          ) : (
            <ul className="flex flex-col gap-1 text-sm" data-testid="peers">
              {socket.peers.map((p, i) => (
                <li key={i} className="flex flex-wrap items-center gap-2">
                  <Badge tone={p.state === 'ready' ? 'green' : 'amber'}>{p.state}</Badge>
                  <span className="mono">{p.address}</span>
                  {p.metadata &&
                    Object.entries(p.metadata).map(([k, v]) => (
                      <Badge key={k}>
                        {k}: {v}
                      </Badge>
                    ))}
                </li>
              ))}
            </ul>
          )}
        </Card>
        {canSend ? (
          <Card title="Compose message">
            <Composer
              client={client}
              socket={socket}
              messages={messages}
              frames={frames}
              setFrames={setFrames}
              route={route}
              setRoute={setRoute}
              templates={props.templates}
              saveTemplate={props.saveTemplate}
              deleteTemplate={props.deleteTemplate}
            />
          </Card>
        ) : (
          <Card title="Compose message">
            <p className="text-xs text-slate-500">A {socket.type} socket only receives.</p>
          </Card>
        )}
        <CodeCard socket={socket} />
      </div>
      <div className="flex flex-col gap-3">
        <Card title="Messages">
          <MessageLog
            messages={messages}
            total={totalMessages}
            rate={rate}
            selected={selected}
            onSelect={setSelected}
            onReply={reply}
            onClear={() => clearMessages(socket.id)}
            canReply={canReply}
          />
        </Card>
        <SocketRate client={client} id={socket.id} />
        <Timeline events={events} total={totalEvents} />
      </div>
    </div>
  );
});
