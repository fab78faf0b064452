// Which event-loop turn it is, for connections that pace their work per turn: flushes (the first output
// of a turn goes out in a microtask, the rest is batched) and reads (a frame budget per turn, see
// FRAMES_PER_TURN). One setImmediate per turn serves every connection, armed only while some
// connection is watching, so a socket fanning a message out to many peers arms one timer, not one each.

let turn = 0;
let ending = false;

function endTurn(): void {
  turn++;
  ending = false;
}

/** The current turn's number; it changes once the loop has gone round (after the check phase it was armed in). */
export function currentTurn(): number {
  if (!ending) {
    ending = true;
    setImmediate(endTurn);
  }
  return turn;
}

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
