// Multipart composer: add, remove and reorder frames, each as text, hex, base64, JSON or a file;
// a routing-id picker for ROUTER; templates.
import { useMemo, useState } from 'react';
import type { AppClient } from '../client.js';
import type { LoggedMessage, SocketInfo } from '../../../../core/host/protocol.js';
import type { FrameKind } from '../../../../core/host/protocol.js';
import { asText, bytesToBase64 } from '../format.js';
import { Button, ErrorText, Input, Select, TextArea, errorMessage } from '../ui/common.js';

export interface DraftFrame {
  kind: FrameKind;
  data: string;
  name?: string;
}
export interface Template {
  name: string;
  frames: DraftFrame[];
}

/** A received message's envelope: routing frames up to and including the empty delimiter. */
export function envelopeOf(m: LoggedMessage): string[] {
  const delim = m.frames.indexOf('');
  return delim >= 0 && delim < 8 ? m.frames.slice(0, delim + 1) : m.frames.slice(0, 1);
}

function label(hexFrames: string[]): string {
  return (
    hexFrames
      .filter((f) => f !== '')
      .map((f) => asText(f) ?? `0x${f}`)
      .join(' / ') + (hexFrames.includes('') ? ' + delimiter' : '')
  );
}

export function Composer(props: {
  client: AppClient;
  socket: SocketInfo;
  messages: LoggedMessage[];
  frames: DraftFrame[];
  setFrames: (f: DraftFrame[]) => void;
  route: string;
  setRoute: (r: string) => void;
  templates: Template[];
  saveTemplate: (t: Template) => void;
  deleteTemplate: (name: string) => void;
}) {
  const { client, socket, messages, frames, setFrames, route, setRoute, templates } = props;
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [templateName, setTemplateName] = useState('');
  /** The template last loaded, offered for deletion. */
  const [loaded, setLoaded] = useState<string | null>(null);
  const isRouter = socket.type === 'ROUTER' || socket.type === 'STREAM';
  /** SERVER and PEER name each peer by a number; RADIO sends to a group. */
  const byNumber = socket.type === 'SERVER' || socket.type === 'PEER';
  const byGroup = socket.type === 'RADIO';
  const knownIds = useMemo(() => {
    const ids = new Set<number>();
    for (const m of messages) if (m.dir === 'in' && m.routingId !== undefined) ids.add(m.routingId);
    for (const e of socket.endpoints) if (e.routingId !== undefined) ids.add(e.routingId);
    return [...ids];
  }, [messages, socket.endpoints]);

  const routes = useMemo(() => {
    const seen = new Map<string, string>();
    for (const m of messages)
      if (m.dir === 'in') {
        const env = envelopeOf(m);
        seen.set(env.join(','), label(env));
      }
    return [...seen.entries()];
  }, [messages]);

  const update = (i: number, patch: Partial<DraftFrame>) => setFrames(frames.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  const move = (i: number, d: number) => {
    const j = i + d;
    if (j < 0 || j >= frames.length) return;
    const next = [...frames];
    [next[i], next[j]] = [next[j], next[i]];
    setFrames(next);
  };
  const loadFile = async (i: number, file: File) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    update(i, { kind: 'file', data: bytesToBase64(bytes), name: file.name });
  };

  const send = async () => {
    setError(null);
    setSent(null);
    setBusy(true);
    try {
      const prefix: DraftFrame[] = isRouter && route ? route.split(',').map((h) => ({ kind: 'hex' as const, data: h })) : [];
      const envelope: { routingId?: number; group?: string } = {};
      // A routing id that is not a number is passed on as typed so the host names the problem.
      if (byNumber && route.trim() !== '') envelope.routingId = (/^\d+$/.test(route.trim()) ? Number(route.trim()) : route) as number;
      if (byGroup) envelope.group = route;
      const m = await client.request('socket.send', { id: socket.id, frames: [...prefix, ...frames], ...envelope });
      setSent(`sent ${m.frames.length} frame${m.frames.length === 1 ? '' : 's'}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className="flex flex-col gap-2"
      data-testid="composer"
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void send();
        }
      }}
    >
      {isRouter && (
        <label className="flex items-center gap-2 text-sm">
          <span className="w-20 shrink-0 text-xs font-medium">Route to</span>
          <Select aria-label="Routing id" className="flex-1" value={route} onChange={(e) => setRoute(e.target.value)}>
            <option value="">(first frame below is the routing id)</option>
            {routes.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </Select>
        </label>
      )}
      {byNumber && (
        <label className="flex items-center gap-2 text-sm">
          <span className="w-20 shrink-0 text-xs font-medium">Routing id</span>
          <Input
            aria-label="Peer routing id"
            className="mono flex-1"
            inputMode="numeric"
            list={`ids-${socket.id}`}
            placeholder="the peer's number (Reply fills it in)"
            value={route}
            onChange={(e) => setRoute(e.target.value)}
          />
          <datalist id={`ids-${socket.id}`}>
            {knownIds.map((id) => (
              <option key={id} value={String(id)} />
            ))}
          </datalist>
        </label>
      )}
      {byGroup && (
        <label className="flex items-center gap-2 text-sm">
          <span className="w-20 shrink-0 text-xs font-medium">Group</span>
          <Input
            aria-label="Group"
            className="mono flex-1"
            placeholder="group name (1 to 255 bytes)"
            value={route}
            onChange={(e) => setRoute(e.target.value)}
          />
        </label>
      )}
      {socket.type === 'DGRAM' && <p className="text-xs text-slate-500">Frame 1 is the destination as ip:port, frame 2 the datagram.</p>}
      {frames.map((f, i) => (
        <div key={i} className="flex items-start gap-2" data-testid="frame-editor">
          <span className="mt-1 w-6 shrink-0 text-right text-xs text-slate-500">{i + 1}</span>
          <Select
            aria-label={`Frame ${i + 1} format`}
            value={f.kind}
            onChange={(e) => update(i, { kind: e.target.value as FrameKind, name: undefined })}
          >
            <option value="text">Text</option>
            <option value="hex">Hex</option>
            <option value="base64">Base64</option>
            <option value="json">JSON</option>
            <option value="file">File</option>
          </Select>
          {f.kind === 'file' ? (
            <div className="flex flex-1 items-center gap-2 text-sm">
              <input
                aria-label={`Frame ${i + 1} file`}
                type="file"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) void loadFile(i, file);
                }}
              />
              {f.name && (
                <span className="text-xs text-slate-500">
                  {f.name} ({(f.data.length * 3) / 4 - (f.data.endsWith('==') ? 2 : f.data.endsWith('=') ? 1 : 0)} bytes)
                </span>
              )}
            </div>
          ) : (
            <TextArea
              aria-label={`Frame ${i + 1}`}
              rows={1}
              className="min-h-8 flex-1"
              placeholder={
                f.kind === 'hex' ? 'de ad be ef' : f.kind === 'json' ? '{"key": "value"}' : f.kind === 'base64' ? 'aGVsbG8=' : 'empty frame'
              }
              value={f.data}
              onChange={(e) => update(i, { data: e.target.value })}
            />
          )}
          <Button variant="ghost" aria-label={`Move frame ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
            ↑
          </Button>
          <Button variant="ghost" aria-label={`Move frame ${i + 1} down`} disabled={i === frames.length - 1} onClick={() => move(i, 1)}>
            ↓
          </Button>
          <Button
            variant="ghost"
            aria-label={`Remove frame ${i + 1}`}
            disabled={frames.length === 1}
            onClick={() => setFrames(frames.filter((_, j) => j !== i))}
          >
            ✕
          </Button>
        </div>
      ))}
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => setFrames([...frames, { kind: 'text', data: '' }])}>+ Add frame</Button>
        <Button variant="primary" disabled={busy} onClick={() => void send()} title="Ctrl+Enter">
          Send
        </Button>
        <Select
          aria-label="Load template"
          value=""
          onChange={(e) => {
            const t = templates.find((x) => x.name === e.target.value);
            if (t) {
              setFrames(t.frames.map((f) => ({ ...f })));
              setLoaded(t.name);
            }
          }}
        >
          <option value="">Templates…</option>
          {templates.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </Select>
        {loaded && templates.some((t) => t.name === loaded) && (
          <Button
            variant="ghost"
            aria-label={`Delete template ${loaded}`}
            title="Delete this template (the frames above stay)"
            onClick={() => {
              props.deleteTemplate(loaded);
              setLoaded(null);
            }}
          >
            Delete “{loaded}”
          </Button>
        )}
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            const name = templateName.trim() || `template ${templates.length + 1}`;
            props.saveTemplate({ name, frames: frames.map((f) => ({ ...f })) });
            setTemplateName('');
          }}
        >
          <Input
            aria-label="Template name"
            className="w-36"
            placeholder="template name"
            value={templateName}
            onChange={(e) => setTemplateName(e.target.value)}
          />
          <Button type="submit" variant="ghost">
            Save as template
          </Button>
        </form>
        {sent && <span className="text-xs text-emerald-700 dark:text-emerald-400">{sent}</span>}
      </div>
      <ErrorText error={error} testId="send-error" />
    </div>
  );
}
