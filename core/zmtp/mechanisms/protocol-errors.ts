// Why a handshake broke the protocol, in libzmq's terms: its ZMQ_PROTOCOL_ERROR_* reasons (zmq.h), which
// libzmq passes with ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL and zeromq.js turns into `error.code`
// "ERR_<name>". Every mechanism failure here carries one, so our monitor events name the same reason
// libzmq would for the same peer.

export const ZMTP_PROTOCOL_ERRORS = [
  'ERR_ZMTP_UNSPECIFIED',
  'ERR_ZMTP_UNEXPECTED_COMMAND',
  'ERR_ZMTP_INVALID_SEQUENCE',
  'ERR_ZMTP_KEY_EXCHANGE',
  'ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED',
  'ERR_ZMTP_MALFORMED_COMMAND_MESSAGE',
  'ERR_ZMTP_MALFORMED_COMMAND_HELLO',
  'ERR_ZMTP_MALFORMED_COMMAND_INITIATE',
  'ERR_ZMTP_MALFORMED_COMMAND_ERROR',
  'ERR_ZMTP_MALFORMED_COMMAND_READY',
  'ERR_ZMTP_MALFORMED_COMMAND_WELCOME',
  'ERR_ZMTP_INVALID_METADATA',
  'ERR_ZMTP_CRYPTOGRAPHIC',
  'ERR_ZMTP_MECHANISM_MISMATCH',
] as const;

export const ZAP_PROTOCOL_ERRORS = [
  'ERR_ZAP_UNSPECIFIED',
  'ERR_ZAP_MALFORMED_REPLY',
  'ERR_ZAP_BAD_REQUEST_ID',
  'ERR_ZAP_BAD_VERSION',
  'ERR_ZAP_INVALID_STATUS_CODE',
  'ERR_ZAP_INVALID_METADATA',
] as const;

export type ZmtpProtocolError = (typeof ZMTP_PROTOCOL_ERRORS)[number];
export type ZapProtocolError = (typeof ZAP_PROTOCOL_ERRORS)[number];
/** zeromq.js's ProtoError codes. */
export type ProtocolErrorCode = ZmtpProtocolError | ZapProtocolError;

export function isProtocolErrorCode(code: unknown): code is ProtocolErrorCode {
  return (ZMTP_PROTOCOL_ERRORS as readonly unknown[]).includes(code) || (ZAP_PROTOCOL_ERRORS as readonly unknown[]).includes(code);
}

/** zeromq.js's message for a code (src/observer.cc ProtoError): "ZMTP protocol error" or "ZAP protocol error". */
export function protocolErrorMessage(code: ProtocolErrorCode): string {
  return code.startsWith('ERR_ZAP_') ? 'ZAP protocol error' : 'ZMTP protocol error';
}

/** zeromq.js's message for a ZAP status in a handshake:error:auth event (src/observer.cc AuthError). */
export function authErrorMessage(status: number | undefined): string {
  switch (status) {
    case 300:
      return 'Temporary error';
    case 400:
      return 'Authentication failure';
    case 500:
      return 'Internal error';
    default:
      return 'Unknown error';
  }
}
