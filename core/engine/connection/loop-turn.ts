// Which event-loop turn it is, for connections that pace their work per turn: flushes (the first output
// of a turn goes out in a microtask, the rest is batched) and reads (a frame budget per turn, see
// FRAMES_PER_TURN). libuv counts its loop iterations, and Node (20.18+, 22.8+; Electron's) shows the
// count as performance.nodeTiming.uvMetricsInfo.loopCount: reading it arms nothing, so a turn ends
// with no macrotask of ours (a round trip used to arm and run one setImmediate per turn, per side).
// Where the count is missing, one setImmediate per turn serves every connection, armed only while
// some connection is watching, so a socket fanning a message out to many peers arms one timer, not one each.
import { performance } from 'node:perf_hooks';

interface UvMetrics {
  loopCount: number;
}
const timing = performance.nodeTiming as unknown as { readonly uvMetricsInfo?: UvMetrics };
const hasLoopCount = typeof timing.uvMetricsInfo?.loopCount === 'number';

let turn = 0;
let ending = false;

function endTurn(): void {
  turn++;
  ending = false;
}

/** The turn counted by a setImmediate: it changes once the loop has gone round (after the check phase it was armed in). */
function immediateTurn(): number {
  if (!ending) {
    ending = true;
    setImmediate(endTurn);
  }
  return turn;
}

/** libuv's iteration count: it changes when the loop starts its next iteration. */
function uvTurn(): number {
  return timing.uvMetricsInfo!.loopCount;
}

/** The current turn's number: equal for all code run in one event-loop turn, different in later turns. */
export const currentTurn: () => number = hasLoopCount ? uvTurn : immediateTurn;

/**
 * The turn that work run by a setImmediate callback counts in. Turns are taken to end at the check
 * phase: with the setImmediate counter that has happened by then (its endTurn was armed first), while
 * libuv counts the check phase with the poll phase before it; so there the work is charged to the
 * next iteration, whose reads it then shares a budget with, as with the counter.
 */
export const checkPhaseTurn: () => number = hasLoopCount ? () => uvTurn() + 1 : immediateTurn;

/**
 * Frames one connection decodes in one event-loop turn before the rest of its read waits for the next
 * turn. A 1 MiB read holds ~55,000 small messages, or ~35,000 subscriptions, whose trie updates held
 * the loop for hundreds of ms (issue 11). At ~1,000 plain frames (or 256 subscriptions) a turn costs a
 * few ms at most, and the pacing costs one setImmediate per ~1,000 frames.
 */
export const FRAMES_PER_TURN = 1024;

/** The weight of one frame against FRAMES_PER_TURN: one, and one more per 16 KiB of body. */
export function frameWeight(bodyLength: number): number {
  return 1 + (bodyLength >>> 14);
}

/**
 * The weight of a frame coming into a PUB or XPUB, where (nearly) all are subscriptions: applying one
 * (trie update, XPUB notice) costs several times what queuing a plain message does.
 */
export const SUBSCRIPTION_WEIGHT = 4;
