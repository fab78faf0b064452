// Subscription tries. `Trie` (SUB side, libzmq's trie_t) counts how many times each prefix was
// subscribed, and says whether a message matches any prefix. `MultiTrie` (XPUB side, libzmq's
// mtrie_t) records which pipes subscribed each prefix and finds the pipes a message must go to.
//
// Both are radix trees: an edge holds a run of bytes (as a latin1 string, a compact and cheap V8
// value), children sit in an array sorted by their first byte, and a node holds its one pipe itself
// (a Set only when several pipes share a prefix). One node per byte, with a Map per node, cost ~10 KB
// per topic: 100,000 subscriptions from one peer took a PUB from 71 MB to 983 MB, where libzmq's
// per-byte nodes with packed child tables stay near 1 KB per topic. Updates cost the topic's length
// plus a binary search per node, so a flood of subscriptions does not stall the loop. Empty branches
// are pruned and single-child chains merged on removal, so memory follows the live subscriptions.
import type { Pipe } from '../pipe.js';

/** No pipe, one pipe, or several. */
type Pipes = Pipe | Set<Pipe> | undefined;

class Node {
  /** Reference count (Trie). */
  count = 0;
  /** Subscribed pipes (MultiTrie). */
  pipes: Pipes = undefined;
  /** Children, sorted by the first byte of their edge. */
  kids: Node[] | undefined = undefined;
  constructor(
    /** The bytes from the parent to this node (latin1: one char per byte). */
    public edge: string,
  ) {}
}

function hasValue(n: Node): boolean {
  return n.count > 0 || n.pipes !== undefined;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Index of the child whose edge starts with `byte`, or -(insertion point) - 1. */
function findKid(kids: Node[], byte: number): number {
  let lo = 0;
  let hi = kids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = kids[mid].edge.charCodeAt(0);
    if (c === byte) return mid;
    if (c < byte) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** The node for `key`, created (splitting an edge where needed) if absent. */
function descendCreate(root: Node, key: Uint8Array): Node {
  let node = root;
  let i = 0;
  while (i < key.length) {
    const kids = (node.kids ??= []);
    const idx = findKid(kids, key[i]);
    if (idx < 0) {
      const leaf = new Node(asBuffer(key).toString('latin1', i));
      kids.splice(-idx - 1, 0, leaf);
      return leaf;
    }
    const kid = kids[idx];
    const edge = kid.edge;
    let j = 1;
    while (j < edge.length && i + j < key.length && edge.charCodeAt(j) === key[i + j]) j++;
    if (j < edge.length) {
      // The key leaves (or ends inside) this edge: split it.
      const mid = new Node(edge.slice(0, j));
      kid.edge = edge.slice(j);
      mid.kids = [kid];
      kids[idx] = mid;
      node = mid;
    } else {
      node = kid;
    }
    i += j;
  }
  return node;
}

/** The nodes from the root to `key`'s node (each with its index in its parent), or undefined. */
function path(root: Node, key: Uint8Array): { nodes: Node[]; at: number[] } | undefined {
  const nodes = [root];
  const at: number[] = [];
  let node = root;
  let i = 0;
  while (i < key.length) {
    if (!node.kids) return undefined;
    const idx = findKid(node.kids, key[i]);
    if (idx < 0) return undefined;
    const kid = node.kids[idx];
    const edge = kid.edge;
    if (key.length - i < edge.length) return undefined;
    for (let j = 1; j < edge.length; j++) if (edge.charCodeAt(j) !== key[i + j]) return undefined;
    nodes.push(kid);
    at.push(idx);
    node = kid;
    i += edge.length;
  }
  return { nodes, at };
}

/** After a removal at the end of `p`: drops nodes left empty, and merges a valueless node with its only child. */
function prune(p: { nodes: Node[]; at: number[] }): void {
  for (let k = p.nodes.length - 1; k > 0; k--) {
    const node = p.nodes[k];
    const parent = p.nodes[k - 1];
    if (hasValue(node)) return;
    const kids = node.kids;
    if (!kids || kids.length === 0) {
      parent.kids!.splice(p.at[k - 1], 1);
      if (parent.kids!.length === 0) parent.kids = undefined;
      continue;
    }
    if (kids.length === 1) {
      const only = kids[0];
      only.edge = node.edge + only.edge;
      parent.kids![p.at[k - 1]] = only;
    }
    return;
  }
}

/** Visits every node with its full key, without recursion (chains can be as deep as there are keys). */
function walk(root: Node, visit: (node: Node, key: string) => void): void {
  const stack: Array<[Node, string]> = [[root, '']];
  while (stack.length > 0) {
    const [node, key] = stack.pop()!;
    visit(node, key);
    if (node.kids) for (let i = node.kids.length - 1; i >= 0; i--) stack.push([node.kids[i], key + node.kids[i].edge]);
  }
}

/**
 * Walks the nodes whose keys are prefixes of `data`, shortest first; `visit` returns true to stop.
 * The byte comparison is done in place: no string is made from the message.
 */
function eachPrefixNode(root: Node, data: Uint8Array, visit: (node: Node) => boolean): void {
  let node = root;
  let i = 0;
  for (;;) {
    if (visit(node)) return;
    if (i >= data.length || !node.kids) return;
    const idx = findKid(node.kids, data[i]);
    if (idx < 0) return;
    const kid = node.kids[idx];
    const edge = kid.edge;
    if (data.length - i < edge.length) return;
    for (let j = 1; j < edge.length; j++) if (edge.charCodeAt(j) !== data[i + j]) return;
    node = kid;
    i += edge.length;
  }
}

export class Trie {
  private readonly root = new Node('');
  private total = 0;

  /** Number of distinct prefixes subscribed. */
  get size(): number {
    return this.total;
  }

  /** Adds one reference to `prefix`; true when it was not subscribed before. */
  add(prefix: Uint8Array): boolean {
    const node = descendCreate(this.root, prefix);
    node.count++;
    if (node.count === 1) this.total++;
    return node.count === 1;
  }

  /** Drops one reference; true when that was the last one (the prefix is now gone). */
  rm(prefix: Uint8Array): boolean {
    const p = path(this.root, prefix);
    if (!p) return false;
    const node = p.nodes[p.nodes.length - 1];
    if (node.count === 0) return false;
    node.count--;
    if (node.count > 0) return false;
    this.total--;
    prune(p);
    return true;
  }

  /** True when some subscribed prefix is a prefix of `data`. */
  check(data: Uint8Array): boolean {
    let found = false;
    eachPrefixNode(this.root, data, (node) => (found = node.count > 0));
    return found;
  }

  /** Calls `fn` once per subscribed prefix (used to re-send subscriptions to a new pipe). */
  forEach(fn: (prefix: Buffer) => void): void {
    walk(this.root, (node, key) => {
      if (node.count > 0) fn(Buffer.from(key, 'latin1'));
    });
  }
}

export type RemoveResult = 'not_found' | 'last_value_removed' | 'values_remain';

export class MultiTrie {
  private readonly root = new Node('');

  /** `perTurn`: nodes of a departed pipe visited per loop turn (tests make it small). */
  constructor(private readonly perTurn = REMOVALS_PER_TURN) {}

  /** Records that `pipe` subscribed `prefix`; true when no pipe had subscribed it before. */
  add(prefix: Uint8Array, pipe: Pipe): boolean {
    const node = descendCreate(this.root, prefix);
    this.settle(node, () => asBuffer(prefix).toString('latin1'));
    const had = node.pipes;
    if (had === undefined) node.pipes = pipe;
    else if (had instanceof Set) had.add(pipe);
    else if (had !== pipe) node.pipes = new Set([had, pipe]);
    return had === undefined;
  }

  rm(prefix: Uint8Array, pipe: Pipe): RemoveResult {
    const p = path(this.root, prefix);
    if (!p) return 'not_found';
    const node = p.nodes[p.nodes.length - 1];
    this.settle(node, () => asBuffer(prefix).toString('latin1'));
    if (!removePipe(node, pipe)) {
      if (!hasValue(node)) prune(p);
      return 'not_found';
    }
    if (node.pipes !== undefined) return 'values_remain';
    prune(p);
    return 'last_value_removed';
  }

  /**
   * Removes every subscription of `pipe`, as libzmq's mtrie rm(pipe) does at once, but over several
   * loop turns: a peer holding 100,000 subscriptions took 200-400 ms to walk off in one go. The pipe
   * stops matching at once; its prefixes are walked in libzmq's order (lexicographic, a prefix before
   * its extensions), `REMOVALS_PER_TURN` nodes a turn. `onRemoved(prefix)` is called for each prefix
   * the pipe had (with `onlyLast`, only those no other pipe held when it left), in that order, and
   * `afterTurn` after each turn that removed something. Adds and removals meanwhile see the trie as if
   * the pipe were already gone (see `settle`).
   */
  rmPipe(pipe: Pipe, onRemoved: (prefix: Buffer) => void, onlyLast: boolean, afterTurn: () => void = () => {}): void {
    if (this.dying.has(pipe)) return;
    this.dying.add(pipe);
    this.removals.push({ pipe, onlyLast, onRemoved, afterTurn, after: undefined, early: [] });
    this.schedule();
  }

  /** Pipes whose subscriptions are still being removed. */
  get removing(): number {
    return this.removals.length;
  }

  private readonly dying = new Set<Pipe>();
  private readonly removals: Removal[] = [];
  private timer: NodeJS.Immediate | undefined;

  private schedule(): void {
    if (this.timer || this.removals.length === 0) return;
    this.timer = setImmediate(() => {
      this.timer = undefined;
      this.removeSome(this.perTurn);
      this.schedule();
    });
  }

  /** One turn's slice of the oldest removal: up to `budget` nodes after its cursor. */
  private removeSome(budget: number): void {
    const job = this.removals[0];
    if (!job) return;
    const emptied: string[] = [];
    const reported: string[] = [];
    const emitEarlyBefore = (key: string | undefined) => {
      while (job.early.length > 0 && (key === undefined || job.early[0].key < key)) {
        const e = job.early.shift()!;
        if (e.report) reported.push(e.key);
      }
    };
    const finished = visitAfter(this.root, job.after, budget, (node, key) => {
      job.after = key;
      emitEarlyBefore(key);
      if (!removePipe(node, job.pipe)) return;
      if (!job.onlyLast || node.pipes === undefined) reported.push(key);
      if (node.pipes === undefined) emptied.push(key);
    });
    // Pruned after the walk, each from a fresh path: the walk never sees a trie it is changing.
    for (let i = emptied.length - 1; i >= 0; i--) {
      const p = path(this.root, Buffer.from(emptied[i], 'latin1'));
      if (p && !hasValue(p.nodes[p.nodes.length - 1])) prune(p);
    }
    if (finished) {
      emitEarlyBefore(undefined);
      this.removals.shift();
      this.dying.delete(job.pipe);
    }
    for (const key of reported) job.onRemoved(Buffer.from(key, 'latin1'));
    if (reported.length > 0 || finished) job.afterTurn();
  }

  /**
   * Before `node` changes, takes off it the pipes still being removed, deciding each one's report as
   * libzmq did when that pipe left (no pipe has come or gone at this node since, or it would have
   * been settled then). The report waits in its removal's queue so that notices keep libzmq's order.
   */
  private settle(node: Node, key: () => string): void {
    if (this.dying.size === 0 || node.pipes === undefined) return;
    for (const job of this.removals) {
      if (!removePipe(node, job.pipe)) continue;
      const k = key();
      const report = !job.onlyLast || node.pipes === undefined;
      let lo = 0;
      let hi = job.early.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (job.early[mid].key < k) lo = mid + 1;
        else hi = mid;
      }
      job.early.splice(lo, 0, { key: k, report });
      if (node.pipes === undefined) break;
    }
  }

  /** Calls `fn` once for each pipe subscribed to some prefix of `data`. */
  match(data: Uint8Array, fnAll: (pipe: Pipe) => void): void {
    // A pipe whose subscriptions are still being removed has left: it matches nothing.
    const dying = this.dying;
    const fn =
      dying.size === 0
        ? fnAll
        : (p: Pipe) => {
            if (!dying.has(p)) fnAll(p);
          };
    // Most messages match one node: the set that keeps a pipe from being called twice is made only
    // when a second node with pipes is met.
    let first: Pipes;
    let seen: Set<Pipe> | undefined;
    eachPrefixNode(this.root, data, (node) => {
      const pipes = node.pipes;
      if (pipes === undefined) return false;
      if (first === undefined) {
        first = pipes;
        if (pipes instanceof Set) for (const p of pipes) fn(p);
        else fn(pipes);
        return false;
      }
      if (!seen) seen = first instanceof Set ? new Set(first) : new Set([first]);
      for (const p of pipes instanceof Set ? pipes : [pipes]) {
        if (!seen.has(p)) {
          seen.add(p);
          fn(p);
        }
      }
      return false;
    });
  }
}

/** Nodes of a departed pipe visited per loop turn: at 4,096 the longest turn of a 100,000-topic removal
 *  measured 87-185 ms on this loaded 2-core machine, and in `npm run bench subscriptions` an XPUB
 *  stalled 38-46 ms at 1,024 and 13-23 ms at 512 (about 230 turns; libzmq 81-197 ms). */
export const REMOVALS_PER_TURN = 512;

/** A departed pipe's subscriptions being removed: the key of the last node visited, and the reports
 *  of nodes settled early (sorted by key), to be made when the walk passes them. */
interface Removal {
  pipe: Pipe;
  onlyLast: boolean;
  onRemoved: (prefix: Buffer) => void;
  afterTurn: () => void;
  after: string | undefined;
  early: Array<{ key: string; report: boolean }>;
}

/**
 * Visits, in key order (a node before its descendants, children by byte), up to `budget` nodes
 * whose keys come after `after` (all nodes when undefined); true when no node is left after the
 * last one visited. Starting from the root each time makes it safe across changes to the trie
 * between calls: latin1 strings compare as their bytes do.
 */
function visitAfter(root: Node, after: string | undefined, budget: number, visit: (node: Node, key: string) => void): boolean {
  const stack: Array<[Node, string]> = [[root, '']];
  let visited = 0;
  while (stack.length > 0) {
    const [node, key] = stack.pop()!;
    if (after === undefined || key > after) {
      if (visited === budget) return false;
      visit(node, key);
      visited++;
    }
    const kids = node.kids;
    if (!kids) continue;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = key + kids[i].edge;
      // A subtree entirely at or before `after` is skipped: its key is not a prefix of `after`.
      if (after !== undefined && k <= after && !after.startsWith(k)) continue;
      stack.push([kids[i], k]);
    }
  }
  return true;
}

/** Takes `pipe` off `node`; false when it was not there. */
function removePipe(node: Node, pipe: Pipe): boolean {
  const pipes = node.pipes;
  if (pipes === undefined) return false;
  if (pipes instanceof Set) {
    if (!pipes.delete(pipe)) return false;
    if (pipes.size === 1) node.pipes = pipes.values().next().value;
    return true;
  }
  if (pipes !== pipe) return false;
  node.pipes = undefined;
  return true;
}
