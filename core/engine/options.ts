// Socket options common to every socket type, with zeromq.js v6 names and libzmq's defaults, and the
// validation applied when they are set (from the constructor object or as properties).
import { zmqError } from './errors.js';
import { typeError } from './assign.js';
import { selectMechanism } from '../zmtp/mechanisms/index.js';

export interface SocketOptions {
  affinity?: number;
  rate?: number;
  recoveryInterval?: number;
  linger?: number;
  reconnectInterval?: number;
  reconnectMaxInterval?: number;
  backlog?: number;
  maxMessageSize?: number;
  tcpKeepalive?: number;
  tcpKeepaliveCount?: number;
  tcpKeepaliveIdle?: number;
  tcpKeepaliveInterval?: number;
  immediate?: boolean;
  ipv6?: boolean;
  plainServer?: boolean;
  plainUsername?: string | null;
  plainPassword?: string | null;
  curveServer?: boolean;
  curvePublicKey?: string | null;
  curveSecretKey?: string | null;
  curveServerKey?: string | null;
  zapDomain?: string | null;
  zapEnforceDomain?: boolean;
  typeOfService?: number;
  handshakeInterval?: number;
  heartbeatInterval?: number;
  heartbeatTimeToLive?: number;
  heartbeatTimeout?: number;
  connectTimeout?: number;
  tcpMaxRetransmitTimeout?: number;
  multicastHops?: number;
  /** ZMQ_MULTICAST_MAXTPDU: largest packet (IP header included) epgm:// sends. */
  multicastMaxTransportDataUnit?: number;
  /** ZMQ_MULTICAST_LOOP: multicast sent by this socket is also delivered on this host (epgm://, udp://). */
  multicastLoop?: boolean;
  sendBufferSize?: number;
  receiveBufferSize?: number;
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  sendTimeout?: number;
  receiveTimeout?: number;
  routingId?: string | Buffer | null;
  interface?: string | null;
  loopbackFastPath?: boolean;
  /** wss:// (libzmq's ZMQ_WSS_*): our certificate and key (PEM; required to bind), trusted CAs, expected server name. */
  wssCertPem?: string | null;
  wssKeyPem?: string | null;
  wssTrustPem?: string | null;
  wssHostname?: string | null;
  wssTrustSystem?: boolean;
  /** Type-specific options (probeRouter, conflate, mandatory, ...) are accepted by the subclasses. */
  [name: string]: unknown;
}

type Kind =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'bool' }
  | { kind: 'string' }
  | { kind: 'key' }
  | { kind: 'bytes'; maxLength: number }
  | { kind: 'pem' };

const INT32_MAX = 2 ** 31 - 1;

/** Name -> [default, kind]. Defaults are libzmq's, as zeromq.js reports them. */
export const COMMON_OPTIONS: Record<string, [unknown, Kind]> = {
  affinity: [0, { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }],
  rate: [100, { kind: 'int', min: 1 }],
  recoveryInterval: [10000, { kind: 'int', min: 0 }],
  linger: [-1, { kind: 'int', min: -1 }],
  reconnectInterval: [100, { kind: 'int', min: -1 }],
  reconnectMaxInterval: [0, { kind: 'int', min: 0 }],
  backlog: [100, { kind: 'int', min: 0 }],
  maxMessageSize: [-1, { kind: 'int', min: -1, max: Number.MAX_SAFE_INTEGER }],
  tcpKeepalive: [-1, { kind: 'int', min: -1, max: 1 }],
  tcpKeepaliveCount: [-1, { kind: 'int', min: -1 }],
  tcpKeepaliveIdle: [-1, { kind: 'int', min: -1 }],
  tcpKeepaliveInterval: [-1, { kind: 'int', min: -1 }],
  immediate: [false, { kind: 'bool' }],
  ipv6: [false, { kind: 'bool' }],
  plainServer: [false, { kind: 'bool' }],
  plainUsername: [null, { kind: 'string' }],
  plainPassword: [null, { kind: 'string' }],
  curveServer: [false, { kind: 'bool' }],
  curvePublicKey: [null, { kind: 'key' }],
  curveSecretKey: [null, { kind: 'key' }],
  curveServerKey: [null, { kind: 'key' }],
  zapDomain: [null, { kind: 'string' }],
  zapEnforceDomain: [false, { kind: 'bool' }],
  typeOfService: [0, { kind: 'int', min: 0, max: 255 }],
  handshakeInterval: [30000, { kind: 'int', min: 0 }],
  heartbeatInterval: [0, { kind: 'int', min: 0 }],
  heartbeatTimeToLive: [0, { kind: 'int', min: 0, max: 6553500 }],
  heartbeatTimeout: [-1, { kind: 'int', min: -1 }],
  connectTimeout: [0, { kind: 'int', min: 0 }],
  tcpMaxRetransmitTimeout: [0, { kind: 'int', min: 0 }],
  multicastHops: [1, { kind: 'int', min: 1 }],
  multicastMaxTransportDataUnit: [1500, { kind: 'int', min: 1 }],
  multicastLoop: [true, { kind: 'bool' }],
  sendBufferSize: [-1, { kind: 'int', min: -1 }],
  receiveBufferSize: [-1, { kind: 'int', min: -1 }],
  sendHighWaterMark: [1000, { kind: 'int', min: 0 }],
  receiveHighWaterMark: [1000, { kind: 'int', min: 0 }],
  sendTimeout: [-1, { kind: 'int', min: -1 }],
  receiveTimeout: [-1, { kind: 'int', min: -1 }],
  routingId: [null, { kind: 'bytes', maxLength: 255 }],
  interface: [null, { kind: 'string' }],
  loopbackFastPath: [false, { kind: 'bool' }],
  wssCertPem: [null, { kind: 'pem' }],
  wssKeyPem: [null, { kind: 'pem' }],
  wssTrustPem: [null, { kind: 'pem' }],
  wssHostname: [null, { kind: 'string' }],
  wssTrustSystem: [false, { kind: 'bool' }],
};

export function defaultOptions(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, [value]] of Object.entries(COMMON_OPTIONS)) out[name] = value;
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/**
 * Checks and normalises one common option value. Like zeromq.js: a value of the wrong JavaScript type is
 * a TypeError ("Option value must be a number"), a value libzmq refuses is EINVAL ("Invalid argument");
 * `detail` names the option and the problem. Numbers are truncated to integers, as zeromq.js does.
 */
export function validateOption(name: string, value: unknown): unknown {
  const spec = COMMON_OPTIONS[name];
  if (!spec) throw zmqError('EINVAL', `unknown socket option '${name}'`);
  const kind = spec[1];
  switch (kind.kind) {
    case 'int': {
      if (typeof value !== 'number') throw typeError('Option value must be a number', `option ${name} must be a number, got ${describe(value)}`);
      const max = kind.max ?? INT32_MAX;
      const n = Math.trunc(value);
      if (!(n >= kind.min && n <= max)) throw zmqError('EINVAL', `option ${name} must be between ${kind.min} and ${max}, got ${value}`);
      return n;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw typeError('Option value must be a boolean', `option ${name} must be a boolean, got ${describe(value)}`);
      return value;
    case 'string':
      // A Buffer is taken as its UTF-8 text, as zeromq.js passes either to libzmq (and reads back a string).
      if (value instanceof Uint8Array) value = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
      if (value !== null && typeof value !== 'string') throw typeError('Option value must be a string or buffer', `option ${name} must be a string, a Buffer or null, got ${describe(value)}`);
      if (typeof value === 'string' && Buffer.byteLength(value) > 255) throw zmqError('EINVAL', `option ${name} must be at most 255 bytes`);
      return value;
    case 'key':
      // CURVE keys: 40-character Z85 text or 32 raw bytes; the mechanism decodes them.
      if (value === null) return null;
      if (typeof value === 'string' && value.length === 40) return value;
      if (value instanceof Uint8Array && value.length === 32) return Buffer.from(value);
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw typeError('Option value must be a string or buffer', `option ${name} must be a 40-character Z85 key or 32 bytes, got ${describe(value)}`);
      throw zmqError('EINVAL', `option ${name} must be a 40-character Z85 key or 32 bytes, got ${describe(value)}`);
    case 'pem': {
      // PEM text (certificates, keys); a Buffer is taken as its text.
      if (value === null) return null;
      const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
      if (text === undefined) throw typeError('Option value must be a string or buffer', `option ${name} must be PEM text (a string or Buffer) or null, got ${describe(value)}`);
      if (!text.includes('-----BEGIN ')) throw zmqError('EINVAL', `option ${name} must be PEM text (-----BEGIN ...-----)`);
      return text;
    }
    case 'bytes': {
      if (value === null) return null;
      const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value instanceof Uint8Array ? Buffer.from(value) : undefined;
      if (!buf) throw typeError('Option value must be a string or buffer', `option ${name} must be a string or Buffer, got ${describe(value)}`);
      if (buf.length === 0 || buf.length > kind.maxLength) throw zmqError('EINVAL', `option ${name} must be 1 to ${kind.maxLength} bytes, got ${buf.length}`);
      // libzmq reserves routing ids starting with a zero byte for its own generated ids.
      if (name === 'routingId' && buf[0] === 0) throw zmqError('EINVAL', `option routingId may not start with a zero byte (reserved for generated ids)`);
      return typeof value === 'string' ? value : buf;
    }
  }
}

/** Which security mechanism the options select, as libzmq decides it. */
export function mechanismFor(options: Record<string, unknown>): { name: 'NULL' | 'PLAIN' | 'CURVE'; asServer: boolean } {
  return selectMechanism(options);
}

/** The routing id option as bytes (empty when unset). */
export function routingIdBytes(options: Record<string, unknown>): Buffer {
  const v = options.routingId;
  if (v == null) return Buffer.alloc(0);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v as Uint8Array);
}
