// ZeroMQ's socket patterns as the workbench uses them: which types talk to which (libzmq's
// is_compatible table, RFC 28/29/30/31/41/48/49/52), the endpoints of other workbench sockets a socket can
// connect to, and the pairs one click creates already connected.
import type { SocketInfo, SocketType } from '../../../../core/host/protocol.js';
import { socketTypesCompatible } from '../../../../core/zmtp/constants.js';

/**
 * Whether a socket of type `a` can talk to one of type `b`: the codec's table (libzmq's is_compatible),
 * plus DGRAM, which speaks raw UDP with no ZMTP handshake and so has no entry there.
 */
function canTalk(a: SocketType, b: SocketType): boolean {
  return a === 'DGRAM' ? b === 'DGRAM' : socketTypesCompatible(a, b);
}

export interface ConnectTarget {
  socketName: string;
  socketType: SocketType;
  endpoint: string;
  /** Whether its type talks to the connecting socket's type. */
  compatible: boolean;
}

/** Endpoints other workbench sockets are bound to, the compatible ones first, newest socket first within each. */
export function connectTargets(self: SocketInfo, sockets: readonly SocketInfo[]): ConnectTarget[] {
  const out: ConnectTarget[] = [];
  for (const s of [...sockets].reverse()) {
    if (s.id === self.id || s.closed) continue;
    for (const e of s.endpoints) {
      if (e.kind !== 'bind') continue;
      out.push({ socketName: s.name, socketType: s.type, endpoint: e.endpoint, compatible: canTalk(self.type, s.type) });
    }
  }
  return [...out.filter((t) => t.compatible), ...out.filter((t) => !t.compatible)];
}

/** What the endpoint box starts with: a compatible socket's bound endpoint to connect to, else a wildcard to bind. */
export function defaultEndpoint(self: SocketInfo, sockets: readonly SocketInfo[]): string {
  return connectTargets(self, sockets).find((t) => t.compatible)?.endpoint ?? 'tcp://127.0.0.1:*';
}

export interface PatternPair {
  label: string;
  /** Binds (over tcp on a free port; DISH over udp, since RADIO/DISH's own transport is udp). */
  binder: { type: SocketType; name: string; options?: Record<string, unknown> };
  connecter: { type: SocketType; name: string; options?: Record<string, unknown> };
  bindEndpoint: string;
  /** What to try first, shown after creating. */
  hint: string;
}

export const PATTERN_PAIRS: readonly PatternPair[] = [
  {
    label: 'REQ / REP',
    binder: { type: 'REP', name: 'rep' },
    connecter: { type: 'REQ', name: 'req' },
    bindEndpoint: 'tcp://127.0.0.1:*',
    hint: 'Send from req, reply from rep.',
  },
  {
    label: 'PUB / SUB',
    binder: { type: 'PUB', name: 'pub' },
    connecter: { type: 'SUB', name: 'sub', options: { subscriptions: [''] } },
    bindEndpoint: 'tcp://127.0.0.1:*',
    hint: 'sub subscribes to everything; publish from pub.',
  },
  {
    label: 'PUSH / PULL',
    binder: { type: 'PULL', name: 'pull' },
    connecter: { type: 'PUSH', name: 'push' },
    bindEndpoint: 'tcp://127.0.0.1:*',
    hint: 'Send from push.',
  },
  {
    label: 'ROUTER / DEALER',
    binder: { type: 'ROUTER', name: 'router' },
    connecter: { type: 'DEALER', name: 'dealer' },
    bindEndpoint: 'tcp://127.0.0.1:*',
    hint: 'Send from dealer; router replies by routing id.',
  },
  {
    label: 'RADIO / DISH',
    binder: { type: 'DISH', name: 'dish', options: { groups: ['news'] } },
    connecter: { type: 'RADIO', name: 'radio' },
    bindEndpoint: 'udp://127.0.0.1:*',
    hint: "dish joined group 'news'; send from radio to group news.",
  },
];
