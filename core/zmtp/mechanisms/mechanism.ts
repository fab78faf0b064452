// The security-mechanism contract (RFC 23 "Authentication and confidentiality"): after the greeting,
// both sides exchange command frames until each has the other's metadata, or one fails. The engine
// drives a Mechanism with command frame bodies and sends what it returns; the sniffer uses the same
// parsers to name what it sees.
import type { Properties } from '../metadata.js';
import type { ProtocolErrorCode } from './protocol-errors.js';

/** RFC 27 ZAP request, as the engine's ZAP client sends it to inproc://zeromq.zap.01. */
export interface ZapRequest {
  domain: string;
  /** Peer's address (IP without port for TCP, as libzmq sends it). */
  address: string;
  /**
   * RFC 27's "identity" frame. libzmq 4.3 fills it with the server socket's OWN routing id
   * (ZMQ_ROUTING_ID, usually empty), not the peer's, and so do our PLAIN/CURVE servers.
   */
  identity: Buffer;
  mechanism: string;
  /** PLAIN: [username, password]; CURVE: [client public key (32 bytes)]; NULL: []. */
  credentials: Buffer[];
}

export interface ZapReply {
  statusCode: string;
  statusText: string;
  userId: string;
  metadata: Buffer;
}

/** Asks the ZAP handler; resolves undefined when no handler is bound (then the mechanism decides alone). */
export type ZapClient = (request: ZapRequest) => Promise<ZapReply | undefined>;

export interface MechanismOptions {
  asServer: boolean;
  /** Our properties for READY/INITIATE/WELCOME metadata: Socket-Type, Identity, ... */
  properties: Record<string, string | Uint8Array>;
  /** ZAP domain (ZMQ_ZAP_DOMAIN). */
  zapDomain: string;
  /** Peer's address, for ZAP requests. */
  peerAddress: string;
  zap?: ZapClient;
}

export type HandshakeStep =
  /** Command bodies to send; the handshake goes on. */
  | { status: 'continue'; send: Buffer[] }
  /** Done: both sides know each other. `send` may carry the last command (e.g. READY). */
  | {
      status: 'ready';
      send: Buffer[];
      peerProperties: Properties;
      peerRaw: Record<string, Buffer>;
      userId?: string;
      zapMetadata?: Properties;
    }
  /** Failed: send these (typically an ERROR command), then close. `reason` is for monitor events. */
  | {
      status: 'error';
      send: Buffer[];
      reason: string;
      /** Which monitor event: 'protocol' (malformed/unexpected), 'auth' (ZAP/credentials refused), 'no-detail'. */
      kind: 'protocol' | 'auth' | 'no-detail';
      /** ZAP status code when the ZAP handler refused. */
      zapStatus?: number;
      /** kind 'protocol': libzmq's reason (ZMQ_PROTOCOL_ERROR_*), as zeromq.js's error code. */
      protocolCode?: ProtocolErrorCode;
    };

export interface Mechanism {
  readonly name: string;
  /** Commands to send as soon as the greeting is done (client HELLO, NULL READY, ...). */
  start(): Buffer[];
  /** Handles one command frame body received during the handshake. */
  onCommand(body: Buffer): HandshakeStep | Promise<HandshakeStep>;
  /** After the handshake: true when frames are wrapped (CURVE MESSAGE boxes). */
  readonly encrypts: boolean;
  /**
   * Wraps one outgoing frame into a MESSAGE body (CURVE). Only when `encrypts`. The result goes on the
   * wire as an ordinary frame with no flags (libzmq's way); the frame's MORE/COMMAND travel inside.
   */
  seal?(body: Uint8Array, more: boolean, command: boolean): Buffer;
  /** Opens one incoming MESSAGE body into the frame it carries, whatever its wire flags. Only when `encrypts`. */
  open?(commandBody: Buffer): { more: boolean; command: boolean; body: Buffer } | { error: string };
}
