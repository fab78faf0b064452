// What an endpoint is doing, derived only from the engine's monitor events (pure, so it is tested without
// sockets): a connect endpoint is connecting, retrying (why, when next), handshaking, connected, or its
// handshake failed (why); a bound one is listening with N peers. A connect to a host that does not resolve
// retries with getaddrinfo's reason and never reads "connected".

export type EndpointPhase = 'listening' | 'connecting' | 'retrying' | 'handshaking' | 'connected' | 'handshake-failed' | 'multicast';

export interface EndpointStatus {
  phase: EndpointPhase;
  /** Remote addresses whose handshake completed and that are still connected. */
  ready: string[];
  /** Remote addresses connected at the transport level, handshake not done yet. */
  handshaking: string[];
  /** retrying: why the last attempt failed; handshake-failed: why the handshake failed. */
  reason?: string;
  /** retrying: when the next attempt is due (seconds since the epoch). */
  nextAttemptAt?: number;
  /** Failed connection attempts since the endpoint last got a peer. */
  retries: number;
  /** The last handshake failure since the last successful handshake. */
  handshakeFailure?: string;
  /** When the phase last changed (seconds since the epoch). */
  since: number;
}

export interface EndpointEvent {
  type: string;
  /** The peer (tcp://ip:port) for connect/accept/handshake/disconnect events. */
  remoteAddress?: string;
  reason?: string;
  /** connect:retry: milliseconds until the next attempt. */
  interval?: number;
  /** Seconds since the epoch. */
  ts: number;
}

export function initialStatus(kind: 'bind' | 'connect', now: number, endpoint = ''): EndpointStatus {
  // epgm:// has no connections: packets go to and come from the group, whether bound or connected.
  if (endpoint.startsWith('epgm://')) return { phase: 'multicast', ready: [], handshaking: [], retries: 0, since: now };
  return { phase: kind === 'bind' ? 'listening' : 'connecting', ready: [], handshaking: [], retries: 0, since: now };
}

const without = (list: string[], x: string | undefined): string[] => (x === undefined ? list : list.filter((y) => y !== x));

/**
 * The status after one event; `status` is not changed. Events that say nothing about the endpoint return it
 * as is. `raw`: a STREAM socket, whose peers have no handshake (no event for one): connected means ready.
 */
export function nextStatus(status: EndpointStatus, kind: 'bind' | 'connect', ev: EndpointEvent, raw = false): EndpointStatus {
  if (status.phase === 'multicast') return status;
  const remote = ev.remoteAddress;
  let s: EndpointStatus = status;
  switch (ev.type) {
    case 'connect:delay':
      // An attempt is under way; a retrying endpoint keeps showing why the previous one failed.
      if (s.phase === 'connecting' || s.phase === 'retrying') return s;
      s = { ...s };
      break;
    case 'connect:retry':
      s = {
        ...s,
        retries: s.retries + 1,
        reason: ev.reason,
        nextAttemptAt: ev.interval !== undefined ? ev.ts + ev.interval / 1000 : undefined,
      };
      break;
    case 'connect':
    case 'accept':
      // A STREAM peer is ready once connected.
      s = raw
        ? readyPeer(s, remote)
        : { ...s, handshaking: [...without(s.handshaking, remote), ...(remote !== undefined ? [remote] : [])] };
      break;
    case 'handshake':
      s = readyPeer(s, remote);
      break;
    case 'disconnect':
      s = { ...s, handshaking: without(s.handshaking, remote), ready: without(s.ready, remote) };
      break;
    default:
      // libzmq reports a STREAM peer's close as a failed handshake (its raw engine has no mechanism) before
      // the disconnect: no handshake of a STREAM failed.
      if (!ev.type.startsWith('handshake:error') || raw) return s;
      // A new failure: whether a retry follows is told by a connect:retry after it (libzmq stops after a
      // protocol error or a refusal, and then the user must connect again).
      s = { ...s, handshaking: without(s.handshaking, remote), handshakeFailure: ev.reason ?? ev.type, nextAttemptAt: undefined };
  }
  const phase = phaseOf(s, kind);
  const reason = phase === 'retrying' ? s.reason : phase === 'handshake-failed' ? s.handshakeFailure : undefined;
  return {
    ...s,
    phase,
    reason,
    nextAttemptAt: phase === 'retrying' || phase === 'handshake-failed' ? s.nextAttemptAt : undefined,
    since: phase === status.phase ? status.since : ev.ts,
  };
}

/** `remote` has finished its handshake (or, on a STREAM, connected): ready, and past failures forgotten. */
function readyPeer(s: EndpointStatus, remote: string | undefined): EndpointStatus {
  return {
    ...s,
    handshaking: without(s.handshaking, remote),
    ready: [...without(s.ready, remote), ...(remote !== undefined ? [remote] : [])],
    retries: 0,
    handshakeFailure: undefined,
  };
}

function phaseOf(s: EndpointStatus, kind: 'bind' | 'connect'): EndpointPhase {
  if (kind === 'bind') return 'listening';
  if (s.ready.length > 0) return 'connected';
  if (s.handshaking.length > 0) return 'handshaking';
  if (s.handshakeFailure !== undefined) return 'handshake-failed';
  return s.retries > 0 ? 'retrying' : 'connecting';
}

/**
 * A connect endpoint whose handshake failed and that will not be dialed again (libzmq stops after a refusal
 * or a protocol error): only a reconnect (the workbench's socket.reconnect) tries it again.
 */
export function givenUp(s: EndpointStatus): boolean {
  return s.phase === 'handshake-failed' && s.nextAttemptAt === undefined;
}

/** The status in plain words, e.g. "retrying: connect ECONNREFUSED 127.0.0.1:1 (3 attempts), next attempt 12:00:03.412". */
export function describeStatus(s: EndpointStatus, fmtTime: (ts: number) => string): string {
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  switch (s.phase) {
    case 'listening': {
      const parts = [`listening, ${n(s.ready.length, 'peer')}`];
      if (s.handshaking.length) parts.push(`${s.handshaking.length} handshaking`);
      if (s.handshakeFailure) parts.push(`last handshake failed: ${s.handshakeFailure}`);
      return parts.join(', ');
    }
    case 'connecting':
      return 'connecting';
    case 'retrying':
      return `retrying: ${s.reason ?? 'connection failed'} (${n(s.retries, 'attempt')})${s.nextAttemptAt !== undefined ? `, next attempt ${fmtTime(s.nextAttemptAt)}` : ''}`;
    case 'handshaking':
      return `handshaking with ${s.handshaking.join(', ')}`;
    case 'connected':
      return `connected to ${n(s.ready.length, 'peer')} (${s.ready.join(', ')})`;
    case 'handshake-failed': {
      const failed = `handshake failed: ${s.handshakeFailure ?? 'unknown reason'}`;
      if (!givenUp(s)) return `${failed}, next attempt ${fmtTime(s.nextAttemptAt!)}`;
      // Only a connect endpoint has this phase.
      return `${failed}; not dialing again (as libzmq after a refusal or a protocol error): reconnect`;
    }
    case 'multicast':
      return 'multicast: no connections, packets go to and come from the group';
  }
}
