// The one place the host gets its ZeroMQ engine from: our pure TypeScript engine (core/internal.ts).
// Everything else in core/host imports socket classes from here.
export { Router, Context } from '../internal.js';
/** Each socket type's class, by core/engine/socket-type-table.ts. */
export { socketClass } from '../socket-classes.js';
export { curveKeyPair, curvePublicKey } from '../zmtp/curve-keys.js';
export { z85Encode } from '../zmtp/z85.js';
export const ENGINE_NAME: string = 'zmq-inspector (TypeScript)';
