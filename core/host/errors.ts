// Errors the host reports: a code (like the engine's) and a message in plain words.
import { errorText } from '../engine/errors.js';

export class HostError extends Error {
  constructor(
    message: string,
    public code = 'EINVAL',
  ) {
    super(message);
  }
}

const PLAIN: Record<string, string> = {
  EFSM: "not allowed in the socket's current state (a REQ must get its reply before sending again, a REP must receive a request before replying)",
  EAGAIN: 'the operation would block: no peer is ready to take the message, or the high-water mark is reached',
  EHOSTUNREACH: 'no connected peer has that routing id (the peer never connected or has gone)',
  EADDRINUSE: 'the address is already in use by another socket or program',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ENOENT: 'no such endpoint is bound or connected on this socket',
  EPROTONOSUPPORT: 'the transport is not supported',
  ENOCOMPATPROTO: 'the transport does not work with this socket type',
  ENOTSUP: 'this socket type does not support that operation',
  ETERM: 'the context was terminated',
  EBUSY: 'the socket is busy with another operation of the same kind',
  EINVAL: 'invalid argument',
};

/** Turns an engine error into {message, code} with the plain-words explanation appended. */
export function describeError(err: unknown): { message: string; code?: string } {
  if (err instanceof HostError) return { message: err.message, code: err.code };
  const e = err as { message?: string; detail?: string; code?: string } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  // Engine errors carry zeromq.js's fixed text as message and what happened in this case as detail.
  const raw = errorText(err);
  const plain = code ? PLAIN[code] : undefined;
  // Engine messages that already explain themselves (they have a ':' detail) only get the code.
  const explained = raw.includes(': ') || (plain && raw.toLowerCase().includes(plain.slice(0, 20).toLowerCase()));
  const message = code && !raw.includes(code) ? (explained || !plain ? `${raw} (${code})` : `${raw} (${code}: ${plain})`) : raw;
  return { message, code };
}
