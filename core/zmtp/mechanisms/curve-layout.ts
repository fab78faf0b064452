// CurveZMQ's fixed byte layout (RFC 26): nonce prefixes and command sizes. Kept apart from curve.ts so
// the sniffer can name CURVE fields without loading the crypto library.

export const NONCE_HELLO = Buffer.from('CurveZMQHELLO---', 'latin1');
export const NONCE_WELCOME = Buffer.from('WELCOME-', 'latin1');
export const NONCE_COOKIE = Buffer.from('COOKIE--', 'latin1');
export const NONCE_VOUCH = Buffer.from('VOUCH---', 'latin1');
export const NONCE_INITIATE = Buffer.from('CurveZMQINITIATE', 'latin1');
export const NONCE_READY = Buffer.from('CurveZMQREADY---', 'latin1');
export const NONCE_MESSAGE_CLIENT = Buffer.from('CurveZMQMESSAGEC', 'latin1');
export const NONCE_MESSAGE_SERVER = Buffer.from('CurveZMQMESSAGES', 'latin1');

/** Sizes fixed by RFC 26. */
export const CURVE_HELLO_SIZE = 200;
export const CURVE_WELCOME_SIZE = 168;
/** INITIATE with empty metadata: name 9 + cookie 96 + nonce 8 + box (16 + 128). */
export const CURVE_INITIATE_MIN_SIZE = 257;
/** READY with empty metadata: name 6 + nonce 8 + MAC 16. */
export const CURVE_READY_MIN_SIZE = 30;
/** MESSAGE: name 8 + nonce 8 + MAC 16 + flags 1. */
export const CURVE_MESSAGE_MIN_SIZE = 33;
