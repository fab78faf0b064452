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
