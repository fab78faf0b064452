// The ZMTP wire protocol, shared by the engine and the sniffer.
export * from './constants.js';
export * from './z85.js';
export * from './metadata.js';
export * from './greeting.js';
export * from './frame.js';
export * from './decoder.js';
export * from './commands.js';
export * from './mechanisms/mechanism.js';
export { NullMechanism } from './mechanisms/null.js';
export * from './mechanisms/zap.js';
export * from './mechanisms/plain.js';
export * from './mechanisms/curve.js';
export * from './mechanisms/describe.js';
export { createMechanism, selectMechanism, checkSecurityOptions, type MechanismName } from './mechanisms/index.js';
export * from './curve-keys.js';
export { LIBZMQ_PLAIN_ERROR_PREFIX, isLibzmqPlainError } from './mechanisms/common.js';
