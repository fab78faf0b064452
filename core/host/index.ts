// core/host: the app's back end as one typed API. Adapters: src/main (Electron IPC), core/cli/serve.ts.
export { Host, HOST_VERSION, type HostOptions } from './host.js';
export { HostError, describeError } from './errors.js';
export * from './protocol.js';
export { endpointProblem } from './request-schemas.js';
