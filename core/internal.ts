// Everything the project's own code uses (host, CLI, tests, fuzzing, bench) in one namespace: the public
// entry (zeromq.js's API), the draft sockets and the extras. Not a package entry point.
export * from './index.js';
export * from './draft.js';
export * from './extras.js';
