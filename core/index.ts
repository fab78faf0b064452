// The engine's public API: a zeromq.js v6-shaped ZeroMQ implementation in plain TypeScript.
export * from './zmtp/index.js';
