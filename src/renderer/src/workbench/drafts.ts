// Drafts per socket: what the user typed into a socket's composer and endpoint box, kept while they look at
// another socket. A socket's view is unmounted when another is selected, so its React state would be lost;
// the drafts live here instead, for the page's lifetime, and go when the socket closes.
import { useCallback, useSyncExternalStore } from 'react';

const drafts = new Map<string, Map<string, unknown>>();
const listeners = new Set<() => void>();

/** The field's value, or `initial` until one is set (pass a constant or a primitive: React compares by identity). */
export function getDraft<T>(socketId: string, field: string, initial: T): T {
  const d = drafts.get(socketId);
  return d && d.has(field) ? (d.get(field) as T) : initial;
}

export function setDraft<T>(socketId: string, field: string, value: T): void {
  let d = drafts.get(socketId);
  if (!d) drafts.set(socketId, (d = new Map()));
  d.set(field, value);
  listeners.forEach((l) => l());
}

/** Forgets the drafts of sockets that are gone (closed, or from a host that restarted). */
export function pruneDrafts(alive: (socketId: string) => boolean): void {
  for (const id of [...drafts.keys()]) if (!alive(id)) drafts.delete(id);
}

/** useState for a socket's draft field: the value outlives the component. */
export function useDraft<T>(socketId: string, field: string, initial: T): [T, (value: T) => void] {
  const value = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => getDraft(socketId, field, initial),
  );
  const set = useCallback((v: T) => setDraft(socketId, field, v), [socketId, field]);
  return [value, set];
}
