// UI state fed by host events: sockets with their recent messages and monitor events, and captures.
// Components read it through useStore(selector); the host stays the source of truth.
import { useSyncExternalStore } from 'react';
import type { AppClient } from './client.js';
import type { CaptureSummary, HostEvent, LoggedMessage, MessageRate, MonitorEvent, SocketInfo } from '../../../core/host/protocol.js';
import { mergeFolded } from '../../../core/host/event-fold.js';

// Bounded whatever the host has: the host keeps the log and counts; the page shows the newest.
const KEEP_MESSAGES = 500;
const KEEP_EVENTS = 200;

export interface State {
  sockets: Record<string, SocketInfo>;
  order: string[];
  messages: Record<string, LoggedMessage[]>;
  /** The host's true message total per socket (the list above keeps only the newest). */
  messageTotals: Record<string, number>;
  rates: Record<string, MessageRate>;
  /** Timeline rows (monitor events with repeats folded), ordered by their latest occurrence. */
  events: Record<string, MonitorEvent[]>;
  eventTotals: Record<string, number>;
  /** Messages up to this seq were cleared from the page by the user (the host keeps them). */
  clearedUpTo: Record<string, number>;
  captures: Record<string, CaptureSummary>;
  captureOrder: string[];
  connected: boolean;
  /**
   * The back end restarted while this page was open (a new `zmtp serve` run): when, and the sockets the
   * page had, which the new run does not have, so the user can make them again. Null once dealt with.
   */
  restarted: { at: number; sockets: SocketInfo[] } | null;
  /** Counts back end restarts: socket ids start again at each, so views and drafts keyed by id start afresh. */
  epoch: number;
}

let state: State = {
  sockets: {},
  order: [],
  messages: {},
  messageTotals: {},
  rates: {},
  events: {},
  eventTotals: {},
  clearedUpTo: {},
  captures: {},
  captureOrder: [],
  connected: true,
  restarted: null,
  epoch: 0,
};
const listeners = new Set<() => void>();

/** Set while a notification of the components is due. */
let notifyDue = false;

/**
 * Changes the state at once and tells the components once per animation frame: host events arrive in
 * bursts (messages, timeline rows and socket info of several sockets together), and each notification is
 * a synchronous React render (useSyncExternalStore), so a burst costs one render, not one per event. A
 * render caused by a click reads the new state anyway. The timer covers a page that draws no frames
 * (a background tab), so the state the components see never lags far behind.
 */
function set(next: Partial<State>): void {
  state = { ...state, ...next };
  if (notifyDue) return;
  notifyDue = true;
  const notify = () => {
    if (!notifyDue) return;
    notifyDue = false;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    listeners.forEach((l) => l());
  };
  const frame = requestAnimationFrame(notify);
  const timer = setTimeout(notify, 250);
}

export function getState(): State {
  return state;
}

export function useStore<T>(selector: (s: State) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => selector(state),
  );
}

export function upsertSocket(socket: SocketInfo): void {
  set({
    sockets: { ...state.sockets, [socket.id]: socket },
    order: state.order.includes(socket.id) ? state.order : [...state.order, socket.id],
  });
}

/** Adds what a request returned unless an event already brought a fresher copy. */
export function addIfMissing(item: CaptureSummary | SocketInfo): void {
  if ('source' in item) {
    if (!state.captures[item.id]) upsertCapture(item);
  } else if (!state.sockets[item.id]) upsertSocket(item);
}

export function upsertCapture(capture: CaptureSummary): void {
  set({
    captures: { ...state.captures, [capture.id]: capture },
    captureOrder: state.captureOrder.includes(capture.id) ? state.captureOrder : [...state.captureOrder, capture.id],
  });
}

/** Adds messages by seq; a known seq is replaced (its send state changed). Keeps the newest `keep`. */
export function mergeMessages(list: readonly LoggedMessage[] | undefined, add: readonly LoggedMessage[], keep: number): LoggedMessage[] {
  const old = list ?? [];
  let next: LoggedMessage[];
  if (add.length === 0) return old as LoggedMessage[];
  if (old.length === 0 || add[0].seq > old[old.length - 1].seq)
    next = [...old, ...add]; // the usual case: only newer ones
  else {
    const bySeq = new Map<number, LoggedMessage>();
    for (const m of old) bySeq.set(m.seq, m);
    for (const m of add) bySeq.set(m.seq, m);
    next = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return next.length > keep ? next.slice(next.length - keep) : next;
}

export function addMessages(id: string, messages: LoggedMessage[]): void {
  set({ messages: { ...state.messages, [id]: mergeMessages(state.messages[id], notCleared(id, messages), KEEP_MESSAGES) } });
}

function notCleared(id: string, messages: LoggedMessage[]): LoggedMessage[] {
  const upTo = state.clearedUpTo[id];
  return upTo === undefined ? messages : messages.filter((m) => m.seq > upTo);
}

/** Clears a socket's message list on this page (the host's log and totals stay). */
export function clearMessages(id: string): void {
  const list = state.messages[id] ?? [];
  const last = list.length ? list[list.length - 1].seq : (state.clearedUpTo[id] ?? 0);
  set({ messages: { ...state.messages, [id]: [] }, clearedUpTo: { ...state.clearedUpTo, [id]: last } });
}

/** The host's true count (never below what a snapshot said). */
export function messageTotal(s: State, id: string): number {
  return Math.max(s.messageTotals[id] ?? 0, s.sockets[id]?.messageCount ?? 0);
}

export function eventTotal(s: State, id: string): number {
  return Math.max(s.eventTotals[id] ?? 0, s.sockets[id]?.eventCount ?? 0);
}

function apply(event: HostEvent): void {
  switch (event.type) {
    case 'socket.changed':
      upsertSocket(event.socket);
      break;
    case 'socket.closed': {
      const { [event.id]: _s, ...sockets } = state.sockets;
      set({ sockets, order: state.order.filter((x) => x !== event.id) });
      break;
    }
    case 'socket.messages':
      set({
        messages: {
          ...state.messages,
          [event.id]: mergeMessages(state.messages[event.id], notCleared(event.id, event.messages), KEEP_MESSAGES),
        },
        messageTotals: { ...state.messageTotals, [event.id]: event.total },
        rates: { ...state.rates, [event.id]: event.rate },
      });
      break;
    case 'socket.events':
      set({
        events: { ...state.events, [event.id]: mergeFolded(state.events[event.id] ?? [], event.events, KEEP_EVENTS) },
        eventTotals: { ...state.eventTotals, [event.id]: event.total },
      });
      break;
    case 'socket.error':
      break;
    case 'capture.changed':
      upsertCapture(event.capture);
      break;
    case 'capture.closed': {
      const { [event.id]: _c, ...captures } = state.captures;
      set({ captures, captureOrder: state.captureOrder.filter((x) => x !== event.id) });
      break;
    }
  }
}

/** Subscribes the store to the host and loads what already exists (e.g. after a page reload). */
export async function connectStore(client: AppClient): Promise<void> {
  client.onEvent(apply);
  client.onConnectionChange((connected) => {
    const back = connected && !state.connected;
    set({ connected });
    // Events sent while the connection was down are lost: load the host's state again.
    if (back) load(client, true).catch(() => undefined);
  });
  await load(client, false);
}

/** The host this page loaded from (host.info's instance): another one after a reconnect means it restarted. */
let hostInstance: string | undefined;

/** Forgets that the back end restarted (its old sockets were made again, or the user dismissed it). */
export function dismissRestart(): void {
  set({ restarted: null });
}

async function load(client: AppClient, again: boolean): Promise<void> {
  const [info, sockets, captures] = await Promise.all([
    client.request('host.info'),
    client.request('socket.list'),
    client.request('capture.list'),
  ]);
  const before = hostInstance;
  hostInstance = info.instance;
  if (again && before !== undefined && before !== info.instance) {
    // A new back end: none of the old sockets, messages or captures exist there any more.
    const lost = state.order.map((id) => state.sockets[id]).filter(Boolean);
    set({
      sockets: {},
      order: [],
      messages: {},
      messageTotals: {},
      rates: {},
      events: {},
      eventTotals: {},
      clearedUpTo: {},
      captures: {},
      captureOrder: [],
      restarted: { at: Date.now() / 1000, sockets: [...(state.restarted?.sockets ?? []), ...lost] },
      epoch: state.epoch + 1,
    });
  } else if (again) {
    // Sockets closed meanwhile go; what the host still has is loaded afresh below.
    const keep = new Set(sockets.map((s) => s.id));
    set({
      sockets: Object.fromEntries(Object.entries(state.sockets).filter(([id]) => keep.has(id))),
      order: state.order.filter((id) => keep.has(id)),
    });
  }
  for (const s of sockets) {
    upsertSocket(s);
    // The host keeps more than the page does, and fewer than its totals: ask for the length, then the newest.
    const [msgLen, evLen] = await Promise.all([
      client.request('socket.messages', { id: s.id, offset: 0, limit: 1 }),
      client.request('socket.events', { id: s.id, offset: 0, limit: 1 }),
    ]);
    const [msgs, evs] = await Promise.all([
      client.request('socket.messages', { id: s.id, offset: Math.max(0, msgLen.total - KEEP_MESSAGES), limit: KEEP_MESSAGES }),
      client.request('socket.events', { id: s.id, offset: Math.max(0, evLen.total - KEEP_EVENTS), limit: KEEP_EVENTS }),
    ]);
    addMessages(s.id, msgs.items);
    set({ events: { ...state.events, [s.id]: mergeFolded(state.events[s.id] ?? [], evs.items, KEEP_EVENTS) } });
  }
  for (const c of captures) upsertCapture(c);
}
