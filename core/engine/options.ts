// Validation of socket option values, derived from the one table of options (option-table.ts): what
// libzmq 4.3.5 accepts through zeromq.js, with zeromq.js's errors.
import { zmqError } from './errors.js';
import { typeError } from './assign.js';
import { selectMechanism } from '../zmtp/mechanisms/index.js';
import type { Context } from './context.js';
import { OPTIONS, z85KeyProblem, type CommonOptionValues, type OptionKind, type OptionName } from './option-table.js';

export { defaultOptions, type CommonOptionValues } from './option-table.js';

/**
 * What the generic `new Socket(type, options)` takes: the common options, `context`, and the options of
 * the type being made (checked when set: an unknown one is zeromq.js's TypeError).
 */
export interface SocketOptions extends Partial<CommonOptionValues> {
  context?: Context;
  [name: string]: unknown;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value;
}

/**
 * Checks and normalises one option value against its declaration. Like zeromq.js: a value of the wrong
 * JavaScript type is a TypeError ("Option value must be a number"), a value libzmq refuses is EINVAL
 * ("Invalid argument"); `detail` names the option and the problem. Numbers are truncated to integers.
 */
export function validateOption(name: OptionName, value: unknown): unknown {
  return checkKind(name, OPTIONS[name].kind, value);
}

function checkKind(name: string, kind: OptionKind, value: unknown): unknown {
  switch (kind.type) {
    case 'int': {
      if (typeof value !== 'number')
        throw typeError('Option value must be a number', `option ${name} must be a number, got ${describe(value)}`);
      const n = Math.trunc(value);
      if (!(n >= kind.min && n <= kind.max))
        throw zmqError('EINVAL', `option ${name} must be between ${kind.min} and ${kind.max}, got ${value}`);
      // `+ 0` turns the -0 of a truncated small negative into 0.
      return kind.step ? Math.trunc(n / kind.step) * kind.step + 0 : n;
    }
    case 'bool':
      if (typeof value !== 'boolean')
        throw typeError('Option value must be a boolean', `option ${name} must be a boolean, got ${describe(value)}`);
      return value;
    case 'enum':
      if (!kind.values.includes(value as string | null)) {
        throw zmqError(
          'EINVAL',
          `option ${name} must be one of ${kind.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
        );
      }
      return value;
    case 'string': {
      if (value === null) {
        if (kind.nullable) return null;
        throw zmqError('EINVAL', `option ${name} cannot be null`);
      }
      const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
      if (text === undefined)
        throw typeError(
          'Option value must be a string or buffer',
          `option ${name} must be a string${kind.nullable ? ' or null' : ''}, got ${describe(value)}`,
        );
      const n = Buffer.byteLength(text);
      if (n < kind.minBytes || n > kind.maxBytes)
        throw zmqError('EINVAL', `option ${name} must be ${kind.minBytes} to ${kind.maxBytes} bytes, got ${n}`);
      return text;
    }
    case 'curveKey': {
      // 40 Z85 characters (as text or bytes) or 32 raw bytes, as libzmq's ZMQ_CURVE_*KEY; the mechanism decodes them.
      if (value instanceof Uint8Array && value.length === 32) return Buffer.from(value);
      const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : undefined;
      if (text === undefined) {
        if (value !== null)
          throw typeError(
            'Option value must be a string or buffer',
            `option ${name} must be a 40-character Z85 key or 32 bytes, got ${describe(value)}`,
          );
        throw zmqError('EINVAL', `option ${name} must be a 40-character Z85 key or 32 bytes, got null`);
      }
      const problem = z85KeyProblem(text);
      if (problem) throw zmqError('EINVAL', `option ${name} must be a 40-character Z85 key or 32 bytes: ${problem}`);
      return text;
    }
    case 'pem': {
      // PEM text (certificates, keys); a Buffer is taken as its text.
      if (value === null) return null;
      const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
      if (text === undefined)
        throw typeError(
          'Option value must be a string or buffer',
          `option ${name} must be PEM text (a string or Buffer) or null, got ${describe(value)}`,
        );
      if (!text.includes('-----BEGIN ')) throw zmqError('EINVAL', `option ${name} must be PEM text (-----BEGIN ...-----)`);
      return text;
    }
    case 'bytes': {
      if (value === null && kind.nullable) return null;
      const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value instanceof Uint8Array ? Buffer.from(value) : undefined;
      if (!buf) {
        if (value !== null)
          throw typeError('Option value must be a string or buffer', `option ${name} must be a string or Buffer, got ${describe(value)}`);
        throw zmqError('EINVAL', `option ${name} must be a string or Buffer, got null`);
      }
      if (buf.length < kind.minBytes || buf.length > kind.maxBytes)
        throw zmqError('EINVAL', `option ${name} must be ${kind.minBytes} to ${kind.maxBytes} bytes, got ${buf.length}`);
      return typeof value === 'string' ? value : buf;
    }
  }
}

/** Which security mechanism the options select, as libzmq decides it. */
export function mechanismFor(options: CommonOptionValues): { name: 'NULL' | 'PLAIN' | 'CURVE'; asServer: boolean } {
  return selectMechanism(options);
}

/** The routing id option as bytes (empty when unset). */
export function routingIdBytes(options: CommonOptionValues): Buffer {
  const v = options.routingId;
  if (v == null) return Buffer.alloc(0);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}
