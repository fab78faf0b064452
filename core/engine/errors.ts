// Errors with a `.code`, like zeromq.js: EAGAIN, EFSM, EHOSTUNREACH, ...
export type ZmqErrorCode =
  | 'EAGAIN' | 'EFSM' | 'EHOSTUNREACH' | 'ENOTSUP' | 'EINVAL' | 'ETERM' | 'ENOTSOCK' | 'EADDRINUSE'
  | 'EADDRNOTAVAIL' | 'ECONNREFUSED' | 'ENOENT' | 'EPROTONOSUPPORT' | 'EMSGSIZE' | 'EBUSY' | 'ENOCOMPATPROTO'
  | 'EMTHREAD' | 'ECANCELED' | 'EBADF' | 'EPROTO' | 'ETIMEDOUT' | 'ENODEV';

export class ZmqError extends Error {
  readonly code: ZmqErrorCode;
  errno?: number;
  address?: string;
  constructor(code: ZmqErrorCode, message: string, address?: string) {
    super(message);
    this.name = 'Error';
    this.code = code;
    if (address !== undefined) this.address = address;
  }
}

export function zmqError(code: ZmqErrorCode, message: string, address?: string): ZmqError {
  return new ZmqError(code, message, address);
}
