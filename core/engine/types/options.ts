// Validation of the per-type options (zeromq.js names). A value of the wrong JavaScript type is a
// TypeError with zeromq.js's text; `detail` says which option and what it got.
import { typeError } from '../assign.js';

export function asBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw typeError('Option value must be a boolean', `Option "${name}" must be a boolean, got ${describe(value)}`);
  return value;
}

/** Buffer, string (utf8) or null. */
export function asBytesOrNull(name: string, value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw typeError('Option value must be a string or buffer', `Option "${name}" must be a string, a Buffer or null, got ${describe(value)}`);
}

/** The initial value of a boolean option from the socket's option object (constructor options). */
export function initialBool(options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = options[name];
  return v === undefined ? fallback : asBool(name, v);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/** A message's frames as Buffers (the Socket base normally gives Buffers already). */
export const EMPTY = Buffer.alloc(0);

/**
 * Closes a pipe the type itself decided to drop (a second PAIR peer, a ROUTER id taken over, a STREAM
 * connection closed by an empty send). The peer end learns it through the pipe; the owner of our
 * end (the Socket) is told here, since a pipe does not report its own termination to its owner.
 */
export function closePipe(pipe: import('../pipe.js').Pipe): void {
  pipe.terminate();
  pipe.owner?.pipeTerminated(pipe);
}
