// The request map as the host checks it: protocol.ts's schemas, plus what needs Node and so cannot live
// there (the renderer imports protocol.ts): endpoint syntax by the engine's own parser, so the UI and the
// engine agree on it.
import { z } from 'zod';
import { parseEndpoint } from '../engine/endpoint.js';
import { requests } from './protocol.js';

/** Checks endpoint syntax the way a user needs to hear about it; returns a message or null. */
export function endpointProblem(endpoint: string, forBind: boolean): string | null {
  try {
    parseEndpoint(endpoint, forBind);
    return null;
  } catch (err) {
    // The engine's ZmqError keeps zeromq.js's fixed text in message and the specific reason in detail.
    return (err as { detail?: string }).detail ?? (err as Error).message;
  }
}

const endpoint = (forBind: boolean) =>
  z.string().superRefine((v, ctx) => {
    const p = endpointProblem(v, forBind);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

export const checkedRequests: typeof requests = {
  ...requests,
  'socket.bind': z.strictObject({ ...requests['socket.bind'].shape, endpoint: endpoint(true) }),
  'socket.connect': z.strictObject({ ...requests['socket.connect'].shape, endpoint: endpoint(false) }),
};
