// ZAP, the ZeroMQ Authentication Protocol (RFC 27): a server socket asks the handler bound at
// inproc://zeromq.zap.01 whether a peer may connect. These helpers encode and parse the request and reply
// messages exactly as libzmq 4.3 lays them out, for the engine's ZAP client, for ZAP handlers and for tests.
import { decodeMetadata, type Properties } from '../metadata.js';
import type { ZapReply, ZapRequest } from './mechanism.js';
import { isProtocolErrorCode, type ZapProtocolError } from './protocol-errors.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
export const ZAP_VERSION = '1.0';
/** libzmq uses one request at a time per connection and always sends request id "1". */
export const ZAP_REQUEST_ID = '1';

/** The status codes RFC 27 defines; libzmq rejects any other reply as a protocol error. */
export const ZAP_STATUS_CODES = ['200', '300', '400', '500'] as const;
export type ZapStatusCode = (typeof ZAP_STATUS_CODES)[number];

/**
 * The frames of a ZAP request, starting with the version frame. libzmq puts an empty delimiter frame in
 * front (the handler sees a REQ-style envelope); pass `withDelimiter` to get it too.
 */
export function encodeZapRequest(request: ZapRequest, options: { requestId?: string; withDelimiter?: boolean } = {}): Buffer[] {
  const frames = [
    Buffer.from(ZAP_VERSION, 'latin1'),
    Buffer.from(options.requestId ?? ZAP_REQUEST_ID, 'latin1'),
    Buffer.from(request.domain, 'utf8'),
    Buffer.from(request.address, 'utf8'),
    Buffer.from(request.identity),
    Buffer.from(request.mechanism, 'latin1'),
    ...request.credentials.map((c) => Buffer.from(c)),
  ];
  return options.withDelimiter ? [Buffer.alloc(0), ...frames] : frames;
}

export interface ParsedZapRequest extends ZapRequest {
  version: string;
  requestId: Buffer;
}

/** How many credential frames each mechanism sends (RFC 27). */
const CREDENTIAL_COUNT: Record<string, number> = { NULL: 0, PLAIN: 2, CURVE: 1 };

/**
 * Parses a request as a ZAP handler receives it. Accepts the frames from the version frame on, or with a
 * leading empty delimiter. Returns a clear error instead of throwing.
 */
export function parseZapRequest(frames: readonly Buffer[]): ParsedZapRequest | { error: string } {
  let f = frames;
  if (f.length > 0 && f[0].length === 0) f = f.slice(1);
  if (f.length < 6) return { error: `ZAP request has ${f.length} frames after the delimiter, needs at least 6` };
  const version = f[0].toString('latin1');
  if (version !== ZAP_VERSION) return { error: `ZAP request version '${version}', expected '${ZAP_VERSION}'` };
  const mechanism = f[5].toString('latin1');
  const credentials = f.slice(6);
  const expected = CREDENTIAL_COUNT[mechanism];
  if (expected === undefined) return { error: `ZAP request for unknown mechanism '${mechanism}'` };
  if (credentials.length !== expected) {
    return { error: `ZAP ${mechanism} request carries ${credentials.length} credential frames, expected ${expected}` };
  }
  if (mechanism === 'CURVE' && credentials[0].length !== 32) {
    return { error: `ZAP CURVE credential is ${credentials[0].length} bytes, expected a 32-byte public key` };
  }
  return {
    version,
    requestId: f[1],
    domain: f[2].toString('utf8'),
    address: f[3].toString('utf8'),
    identity: f[4],
    mechanism,
    credentials,
  };
}

/** The frames of a ZAP reply, from the version frame on (`withDelimiter` adds the empty frame first). */
export function encodeZapReply(
  reply: { requestId?: Uint8Array | string; statusCode: string; statusText?: string; userId?: string; metadata?: Uint8Array },
  options: { withDelimiter?: boolean } = {},
): Buffer[] {
  const frames = [
    Buffer.from(ZAP_VERSION, 'latin1'),
    typeof reply.requestId === 'string' || reply.requestId === undefined
      ? Buffer.from(reply.requestId ?? ZAP_REQUEST_ID, 'latin1')
      : Buffer.from(reply.requestId),
    Buffer.from(reply.statusCode, 'latin1'),
    Buffer.from(reply.statusText ?? '', 'utf8'),
    Buffer.from(reply.userId ?? '', 'utf8'),
    Buffer.from(reply.metadata ?? Buffer.alloc(0)),
  ];
  return options.withDelimiter ? [Buffer.alloc(0), ...frames] : frames;
}

export interface ParsedZapReply extends ZapReply {
  requestId: string;
  /** The metadata frame decoded (RFC 27: ZMTP metadata format). */
  properties: Properties;
}

/** A ZAP reply libzmq would not take: what is wrong, and libzmq's reason code for it. */
export interface ZapReplyError {
  error: string;
  code: ZapProtocolError;
}

/**
 * Parses and validates a ZAP reply like libzmq's zap_client: 6 frames after an optional empty delimiter,
 * version "1.0", the expected request id, and a status code of 200, 300, 400 or 500, and well-formed
 * metadata. Never throws.
 */
export function parseZapReply(frames: readonly Buffer[], expectedRequestId = ZAP_REQUEST_ID): ParsedZapReply | ZapReplyError {
  let f = frames;
  if (f.length === 7) {
    if (f[0].length !== 0) return { error: 'ZAP reply has 7 frames but the first (delimiter) is not empty', code: 'ERR_ZAP_UNSPECIFIED' };
    f = f.slice(1);
  }
  if (f.length !== 6)
    return { error: `ZAP reply has ${f.length} frames, expected 6 (after the empty delimiter)`, code: 'ERR_ZAP_MALFORMED_REPLY' };
  const version = f[0].toString('latin1');
  if (version !== ZAP_VERSION) return { error: `ZAP reply version '${version}', expected '${ZAP_VERSION}'`, code: 'ERR_ZAP_BAD_VERSION' };
  const requestId = f[1].toString('latin1');
  if (requestId !== expectedRequestId)
    return { error: `ZAP reply for request id '${requestId}', expected '${expectedRequestId}'`, code: 'ERR_ZAP_BAD_REQUEST_ID' };
  const statusCode = f[2].toString('latin1');
  if (!(ZAP_STATUS_CODES as readonly string[]).includes(statusCode)) {
    return {
      error: `ZAP reply status code '${statusCode}' is not one of ${ZAP_STATUS_CODES.join(', ')}`,
      code: 'ERR_ZAP_INVALID_STATUS_CODE',
    };
  }
  const md = decodeMetadata(f[5]);
  if (md.error) return { error: `ZAP reply metadata is malformed: ${md.error}`, code: 'ERR_ZAP_INVALID_METADATA' };
  return {
    requestId,
    statusCode,
    statusText: f[3].toString('utf8'),
    userId: f[4].toString('utf8'),
    metadata: f[5],
    properties: md.properties,
  };
}

/** What a server mechanism learns from asking the ZAP handler. */
export type ZapVerdict =
  | { outcome: 'no-handler' }
  | { outcome: 'accepted'; userId: string; properties: Properties }
  | { outcome: 'refused'; statusCode: '300' | '400' | '500'; statusText: string }
  | { outcome: 'invalid'; reason: string; code: ZapProtocolError };

/**
 * Sends one request through the engine's ZAP client and validates the answer like libzmq's zap_client:
 * an unknown status code or malformed metadata is a protocol failure, never accepted. A client function
 * that throws or rejects counts as 'invalid' too, with the error's `code` when it is one of libzmq's ZAP
 * reasons (the engine's ZAP client sets it), else ERR_ZAP_UNSPECIFIED.
 */
export async function askZap(
  zap: ((request: ZapRequest) => Promise<ZapReply | undefined>) | undefined,
  request: ZapRequest,
): Promise<ZapVerdict> {
  if (!zap) return { outcome: 'no-handler' };
  let reply: ZapReply | undefined;
  try {
    reply = await zap(request);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return {
      outcome: 'invalid',
      reason: `ZAP request failed: ${(err as Error)?.message ?? String(err)}`,
      code: isProtocolErrorCode(code) && code.startsWith('ERR_ZAP_') ? (code as ZapProtocolError) : 'ERR_ZAP_UNSPECIFIED',
    };
  }
  if (!reply) return { outcome: 'no-handler' };
  const code = reply.statusCode;
  if (!(ZAP_STATUS_CODES as readonly string[]).includes(code)) {
    return {
      outcome: 'invalid',
      reason: `ZAP handler sent status code '${code}', not one of ${ZAP_STATUS_CODES.join(', ')}`,
      code: 'ERR_ZAP_INVALID_STATUS_CODE',
    };
  }
  const md = decodeMetadata(Buffer.from(reply.metadata ?? Buffer.alloc(0)));
  if (md.error) return { outcome: 'invalid', reason: `ZAP handler sent malformed metadata: ${md.error}`, code: 'ERR_ZAP_INVALID_METADATA' };
  if (code === '200') return { outcome: 'accepted', userId: reply.userId ?? '', properties: md.properties };
  return { outcome: 'refused', statusCode: code as '300' | '400' | '500', statusText: reply.statusText ?? '' };
}
