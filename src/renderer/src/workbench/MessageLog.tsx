// A socket's message log (newest first), frames shown as text, hex or JSON. Bounded whatever the flood: it
// draws the newest few, shows the host's true total and the rate, and can be paused, cleared and filtered
// by topic (a prefix of the first frame). Each sent message says what happened to it.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { LoggedMessage, MessageRate } from '../../../../core/host/protocol.js';
import { describeSendState, type SendState } from '../../../../core/host/message-state.js';
import { fmtBytes, fmtTime, showFrame, type View } from '../format.js';
import { Badge, Button, Empty, Input } from '../ui/common.js';
import { useStableCallback } from '../ui/stable-callback.js';

/** Messages drawn at most: enough to read, few enough that a flood does not stall the page. */
const SHOW = 50;
/** Drawn when the log first appears (opening a socket is one click); the rest follow a moment later. */
const FIRST_SHOW = 12;

const SEND_BADGE: Record<SendState['kind'], { label: string; tone: 'sky' | 'amber' | 'red' }> = {
  written: { label: '→ written', tone: 'sky' },
  queued: { label: '→ queued', tone: 'amber' },
  dropped: { label: '→ dropped', tone: 'red' },
  refused: { label: '→ refused', tone: 'red' },
};

/** A flood redraws the list at most this often (the first change after a quiet spell shows at once). */
const REDRAW_MS = 1000;

/** `value`, but changing at most once per `ms`: the newest value is shown at the end of each interval. */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    const show = () => {
      last.current = Date.now();
      setShown(value);
    };
    if (wait <= 0) return show();
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return shown;
}

const ROW_STYLE = { contentVisibility: 'auto', containIntrinsicSize: 'auto 3rem' } as const;

const utf8 = new TextEncoder();
function hexOf(text: string): string {
  return Array.from(utf8.encode(text), (b) => b.toString(16).padStart(2, '0')).join('');
}

const Row = memo(function Row({
  m,
  view,
  selected,
  onSelect,
  onReply,
  canReply,
}: {
  m: LoggedMessage;
  view: View;
  selected: boolean;
  onSelect: (seq: number | null) => void;
  onReply: (m: LoggedMessage) => void;
  canReply: boolean;
}) {
  const badge =
    m.dir === 'in'
      ? { label: '← received', tone: 'green' as const }
      : m.state
        ? SEND_BADGE[m.state.kind]
        : { label: '→ sent', tone: 'sky' as const };
  return (
    <li
      data-testid="message"
      data-dir={m.dir}
      data-state={m.state?.kind}
      tabIndex={0}
      onClick={() => onSelect(selected ? null : m.seq)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onSelect(m.seq);
        if (e.key === 'r' && canReply && m.dir === 'in') onReply(m);
      }}
      // Rows scrolled out of the log's box skip layout and paint (about 10 of the 50 are in view).
      style={ROW_STYLE}
      className={`cursor-pointer rounded-md border px-2 py-1 text-sm ${selected ? 'border-sky-500 bg-sky-50 dark:bg-sky-950' : 'border-slate-200 dark:border-slate-700'}`}
    >
      <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
        <Badge tone={badge.tone}>{badge.label}</Badge>
        <span className="mono">{fmtTime(m.ts)}</span>
        <span>
          {m.frames.length} frame{m.frames.length === 1 ? '' : 's'}, {fmtBytes(m.sizes.reduce((a, b) => a + b, 0))}
        </span>
        {m.routingId !== undefined && (
          <Badge tone="violet">
            <span data-testid="envelope">routing id {m.routingId}</span>
          </Badge>
        )}
        {m.group !== undefined && (
          <Badge tone="violet">
            <span data-testid="envelope">group {m.group}</span>
          </Badge>
        )}
        {m.state && m.state.kind !== 'written' && <span data-testid="send-state">{describeSendState(m.state)}</span>}
        {m.state?.kind === 'written' && (
          <span data-testid="send-state" className="text-slate-400">
            {describeSendState(m.state)}
          </span>
        )}
        {canReply && m.dir === 'in' && selected && (
          <Button
            variant="secondary"
            className="ml-auto"
            onClick={(e) => {
              e.stopPropagation();
              onReply(m);
            }}
          >
            Reply
          </Button>
        )}
      </div>
      <ol className="mt-1 flex flex-col gap-0.5">
        {m.frames.map((f, i) => {
          const shownFrame = showFrame(f, view);
          return (
            <li key={i} className="flex gap-2" data-testid="frame">
              <span className="w-5 shrink-0 text-right text-xs text-slate-400">{i + 1}</span>
              <pre className={`mono whitespace-pre-wrap break-all ${shownFrame.fallback ? 'text-amber-700 dark:text-amber-300' : ''}`}>
                {m.sizes[i] === 0 ? <span className="text-slate-400">(empty)</span> : shownFrame.text}
                {m.sizes[i] > f.length / 2 && <span className="text-slate-400"> … ({fmtBytes(m.sizes[i])})</span>}
              </pre>
            </li>
          );
        })}
      </ol>
    </li>
  );
});

export function MessageLog({
  messages,
  total,
  rate,
  selected,
  onSelect,
  onReply,
  onClear,
  canReply,
}: {
  messages: LoggedMessage[];
  /** The host's true count of messages on this socket. */
  total: number;
  rate?: MessageRate;
  selected: number | null;
  onSelect: (seq: number | null) => void;
  onReply: (m: LoggedMessage) => void;
  onClear: () => void;
  canReply: boolean;
}) {
  const [view, setView] = useState<View>('text');
  const [paused, setPaused] = useState<LoggedMessage[] | null>(null);
  const [topic, setTopic] = useState('');
  const latest = useThrottled(messages, REDRAW_MS);
  const [limit, setLimit] = useState(FIRST_SHOW);
  useEffect(() => {
    const timer = setTimeout(() => setLimit(SHOW), 200);
    // Hidden (another socket is shown; the view stays mounted): the next showing starts small again, since
    // a flood will have replaced every row by then.
    return () => {
      clearTimeout(timer);
      setLimit(FIRST_SHOW);
    };
  }, []);
  const source = paused ?? latest;
  const shown = useMemo(() => {
    const prefix = topic ? hexOf(topic) : '';
    const out: LoggedMessage[] = [];
    for (let i = source.length - 1; i >= 0 && out.length < limit; i--) {
      if (!prefix || (source[i].frames[0] ?? '').startsWith(prefix)) out.push(source[i]);
    }
    return out;
  }, [source, topic, limit]);
  const busy = rate && (rate.in > 0 || rate.out > 0);
  // A stable callback, so rows that did not change are not drawn again when the parent renders.
  const reply = useStableCallback(onReply);
  return (
    <div className="flex min-h-0 flex-col gap-2">
      <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Frame view">
        {(['text', 'hex', 'json'] as View[]).map((v) => (
          <Button key={v} variant={view === v ? 'primary' : 'ghost'} aria-pressed={view === v} onClick={() => setView(v)}>
            {v.toUpperCase()}
          </Button>
        ))}
        <Button variant={paused ? 'primary' : 'ghost'} aria-pressed={paused !== null} onClick={() => setPaused(paused ? null : messages)}>
          {paused ? 'Resume' : 'Pause'}
        </Button>
        <Button
          variant="ghost"
          onClick={() => {
            setPaused(null);
            onClear();
          }}
        >
          Clear
        </Button>
        <Input
          aria-label="Topic filter"
          className="w-36"
          placeholder="topic prefix"
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
        />
        <span className="ml-auto text-xs text-slate-500" data-testid="message-total">
          {total.toLocaleString()} message{total === 1 ? '' : 's'}
          {busy && (
            <span data-testid="message-rate">
              {' '}
              · {rate.in.toLocaleString()}/s in, {rate.out.toLocaleString()}/s out
            </span>
          )}
          {paused && ' · paused'}
        </span>
      </div>
      {shown.length === 0 ? (
        source.length > 0 && topic ? (
          <Empty title="No message matches">
            None of the newest {source.length} messages starts with “{topic}”.
          </Empty>
        ) : (
          <Empty title="No messages yet">Bind or connect this socket, then send from the composer or from a peer.</Empty>
        )
      ) : (
        <ol className="flex max-h-[28rem] flex-col gap-1 overflow-auto" style={{ contain: 'content' }} data-testid="message-log">
          {shown.map((m) => (
            <Row key={m.seq} m={m} view={view} selected={selected === m.seq} onSelect={onSelect} onReply={reply} canReply={canReply} />
          ))}
        </ol>
      )}
    </div>
  );
}
