// Errors with a `.code`, `.errno` and message exactly as zeromq.js gives them: zeromq.js's own texts
// for a few codes ("No such endpoint", "Operation was not possible or timed out", ...), libzmq's
// zmq_strerror for the rest (its own texts for EFSM, EHOSTUNREACH, ...; the C library's otherwise).
// What went wrong in this particular case is kept in `detail` (not enumerable, so an error compares
// and prints like zeromq.js's); the host shows it to the user.
import { constants } from 'node:os';

export type ZmqErrorCode =
  | 'EAGAIN'
  | 'EFSM'
  | 'EHOSTUNREACH'
  | 'ENOTSUP'
  | 'EINVAL'
  | 'ETERM'
  | 'ENOTSOCK'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'ECONNREFUSED'
  | 'ENOENT'
  | 'EPROTONOSUPPORT'
  | 'EMSGSIZE'
  | 'EBUSY'
  | 'ENOCOMPATPROTO'
  | 'EMTHREAD'
  | 'ECANCELED'
  | 'EBADF'
  | 'EPROTO'
  | 'ETIMEDOUT'
  | 'ENODEV'
  | 'EMFILE'
  | 'EFAULT'
  | 'EACCES'
  | 'ECONNRESET'
  | 'EPIPE';

/** libzmq's own error numbers (ZMQ_HAUSNUMERO + n). */
const ZMQ_HAUSNUMERO = 156384712;
const ZMQ_ERRNO: Partial<Record<ZmqErrorCode, number>> = {
  EFSM: ZMQ_HAUSNUMERO + 51,
  ENOCOMPATPROTO: ZMQ_HAUSNUMERO + 52,
  ETERM: ZMQ_HAUSNUMERO + 53,
  EMTHREAD: ZMQ_HAUSNUMERO + 54,
};

const MESSAGES: Record<ZmqErrorCode, string> = {
  // zeromq.js's clarifications (src/util/error.h ErrnoMessage)
  EAGAIN: 'Operation was not possible or timed out',
  ENOENT: 'No such endpoint',
  EBUSY: 'Socket is busy',
  EBADF: 'Socket is closed',
  EADDRINUSE: 'Address already in use',
  EMFILE: 'Too many open file descriptors',
  EFAULT: 'Context is closed',
  // libzmq's own texts (zmq_strerror)
  EFSM: 'Operation cannot be accomplished in current state',
  ENOCOMPATPROTO: 'The protocol is not compatible with the socket type',
  ETERM: 'Context was terminated',
  EMTHREAD: 'No thread available',
  EHOSTUNREACH: 'Host unreachable',
  // the C library's (strerror)
  EINVAL: 'Invalid argument',
  ENOTSUP: 'Operation not supported',
  ENOTSOCK: 'Socket operation on non-socket',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNREFUSED: 'Connection refused',
  EPROTONOSUPPORT: 'Protocol not supported',
  EMSGSIZE: 'Message too long',
  ECANCELED: 'Operation canceled',
  EPROTO: 'Protocol error',
  ETIMEDOUT: 'Connection timed out',
  ENODEV: 'No such device',
  EACCES: 'Permission denied',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
};

/** The error number zeromq.js gives for `code` on this platform. */
export function errnoOf(code: ZmqErrorCode): number {
  return ZMQ_ERRNO[code] ?? (constants.errno as Record<string, number>)[code] ?? 0;
}

export class ZmqError extends Error {
  readonly code: ZmqErrorCode;
  errno: number;
  address?: string;
  /** What went wrong in this case, in words (the message is zeromq.js's fixed text for the code). */
  declare readonly detail?: string;
  constructor(code: ZmqErrorCode, detail?: string, address?: string, message: string = MESSAGES[code]) {
    super(message);
    this.name = 'Error';
    this.code = code;
    this.errno = errnoOf(code);
    if (address !== undefined) this.address = address;
    if (detail !== undefined && detail !== message) Object.defineProperty(this, 'detail', { value: detail, enumerable: false });
  }
}

/** What went wrong, in words: an engine error's `detail` when it has one, else any error's message. */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; detail?: unknown } | null | undefined;
  if (typeof e?.detail === 'string') return e.detail;
  if (typeof e?.message === 'string') return e.message;
  return String(err);
}

/** An error with zeromq.js's message for `code`; `detail` says what happened here (shown by the host). */
export function zmqError(code: ZmqErrorCode, detail?: string, address?: string): ZmqError {
  return new ZmqError(code, detail, address);
}

/** An error whose message is one of zeromq.js's own specific texts (the EBUSY explanations, Proxy's checks). */
export function zmqErrorWithMessage(code: ZmqErrorCode, message: string, address?: string): ZmqError {
  return new ZmqError(code, undefined, address, message);
}
