// UI state fed by host events: sockets with their recent messages and monitor events, and captures.
// Components read it through useStore(selector); the host stays the source of truth.
import { useSyncExternalStore } from 'react';
import type { AppClient } from './client.js';
import type { CaptureSummary, HostEvent, LoggedMessage, MonitorEvent, SocketInfo } from '../../../core/host/protocol.js';

const KEEP_MESSAGES = 2000;
const KEEP_EVENTS = 1000;

export interface State {
  sockets: Record<string, SocketInfo>;
  order: string[];
  messages: Record<string, LoggedMessage[]>;
  events: Record<string, MonitorEvent[]>;
  captures: Record<string, CaptureSummary>;
  captureOrder: string[];
  connected: boolean;
}

let state: State = { sockets: {}, order: [], messages: {}, events: {}, captures: {}, captureOrder: [], connected: true };
const listeners = new Set<() => void>();

function set(next: Partial<State>): void {
  state = { ...state, ...next };
  listeners.forEach((l) => l());
}

export function getState(): State {
  return state;
}

export function useStore<T>(selector: (s: State) => T): T {
  return useSyncExternalStore(
    (l) => { listeners.add(l); return () => listeners.delete(l); },
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
  if ('source' in item) { if (!state.captures[item.id]) upsertCapture(item); }
  else if (!state.sockets[item.id]) upsertSocket(item);
}

export function upsertCapture(capture: CaptureSummary): void {
  set({
    captures: { ...state.captures, [capture.id]: capture },
    captureOrder: state.captureOrder.includes(capture.id) ? state.captureOrder : [...state.captureOrder, capture.id],
  });
}

function merge<T extends { seq: number }>(list: T[] | undefined, add: T[], keep: number): T[] {
  const seen = new Set((list ?? []).map((m) => m.seq));
  const next = [...(list ?? []), ...add.filter((m) => !seen.has(m.seq))].sort((a, b) => a.seq - b.seq);
  return next.length > keep ? next.slice(next.length - keep) : next;
}

export function addMessages(id: string, messages: LoggedMessage[]): void {
  set({ messages: { ...state.messages, [id]: merge(state.messages[id], messages, KEEP_MESSAGES) } });
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
      addMessages(event.id, event.messages);
      break;
    case 'socket.event':
      set({ events: { ...state.events, [event.id]: merge(state.events[event.id], [event.event], KEEP_EVENTS) } });
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
  client.onConnectionChange((connected) => set({ connected }));
  const [sockets, captures] = await Promise.all([client.request('socket.list'), client.request('capture.list')]);
  for (const s of sockets) {
    upsertSocket(s);
    const [msgs, evs] = await Promise.all([
      client.request('socket.messages', { id: s.id, offset: Math.max(0, s.messageCount - KEEP_MESSAGES), limit: KEEP_MESSAGES }),
      client.request('socket.events', { id: s.id, offset: Math.max(0, s.eventCount - KEEP_EVENTS), limit: KEEP_EVENTS }),
    ]);
    addMessages(s.id, msgs.items);
    set({ events: { ...state.events, [s.id]: merge(state.events[s.id], evs.items, KEEP_EVENTS) } });
  }
  for (const c of captures) upsertCapture(c);
}
