// Subscription tries. `Trie` (SUB side, libzmq's trie_t) counts how many times each prefix was
// subscribed, and says whether a message matches any prefix. `MultiTrie` (XPUB side, libzmq's
// mtrie_t) records which pipes subscribed each prefix and finds the pipes a message must go to.
// One node per byte; empty branches are pruned on removal so memory follows the live subscriptions.
import type { Pipe } from '../pipe.js';

class Node {
  count = 0;
  pipes?: Set<Pipe>;
  children?: Map<number, Node>;

  get empty(): boolean {
    return this.count === 0 && (this.pipes === undefined || this.pipes.size === 0) && (this.children === undefined || this.children.size === 0);
  }
}

/** Walks to the node for `prefix`, creating nodes on the way. */
function descendCreate(root: Node, prefix: Uint8Array): Node {
  let node = root;
  for (let i = 0; i < prefix.length; i++) {
    const byte = prefix[i];
    node.children ??= new Map();
    let next = node.children.get(byte);
    if (!next) {
      next = new Node();
      node.children.set(byte, next);
    }
    node = next;
  }
  return node;
}

/** The path of nodes from root to `prefix`, or undefined when it does not exist. */
function path(root: Node, prefix: Uint8Array): Node[] | undefined {
  const nodes = [root];
  let node = root;
  for (let i = 0; i < prefix.length; i++) {
    const next = node.children?.get(prefix[i]);
    if (!next) return undefined;
    nodes.push(next);
    node = next;
  }
  return nodes;
}

function prune(nodes: Node[], prefix: Uint8Array): void {
  for (let i = nodes.length - 1; i > 0; i--) {
    if (!nodes[i].empty) return;
    nodes[i - 1].children!.delete(prefix[i - 1]);
  }
}

function walk(node: Node, prefix: number[], visit: (node: Node, prefix: Buffer) => void): void {
  visit(node, Buffer.from(prefix));
  if (!node.children) return;
  for (const [byte, child] of node.children) {
    prefix.push(byte);
    walk(child, prefix, visit);
    prefix.pop();
  }
}

export class Trie {
  private readonly root = new Node();
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
    const nodes = path(this.root, prefix);
    if (!nodes) return false;
    const node = nodes[nodes.length - 1];
    if (node.count === 0) return false;
    node.count--;
    if (node.count > 0) return false;
    this.total--;
    prune(nodes, prefix);
    return true;
  }

  /** True when some subscribed prefix is a prefix of `data`. */
  check(data: Uint8Array): boolean {
    let node: Node | undefined = this.root;
    for (let i = 0; ; i++) {
      if (node.count > 0) return true;
      if (i >= data.length) return false;
      node = node.children?.get(data[i]);
      if (!node) return false;
    }
  }

  /** Calls `fn` once per subscribed prefix (used to re-send subscriptions to a new pipe). */
  forEach(fn: (prefix: Buffer) => void): void {
    walk(this.root, [], (node, prefix) => {
      if (node.count > 0) fn(prefix);
    });
  }
}

export type RemoveResult = 'not_found' | 'last_value_removed' | 'values_remain';

export class MultiTrie {
  private readonly root = new Node();

  /** Records that `pipe` subscribed `prefix`; true when no pipe had subscribed it before. */
  add(prefix: Uint8Array, pipe: Pipe): boolean {
    const node = descendCreate(this.root, prefix);
    node.pipes ??= new Set();
    const first = node.pipes.size === 0;
    node.pipes.add(pipe);
    return first;
  }

  rm(prefix: Uint8Array, pipe: Pipe): RemoveResult {
    const nodes = path(this.root, prefix);
    const node = nodes?.[nodes.length - 1];
    if (!nodes || !node?.pipes?.delete(pipe)) return 'not_found';
    if (node.pipes.size > 0) return 'values_remain';
    prune(nodes, prefix);
    return 'last_value_removed';
  }

  /**
   * Removes every subscription of `pipe`. `onRemoved(prefix)` is called for each prefix the pipe
   * had; with `onlyLast` only for prefixes no other pipe still holds.
   */
  rmPipe(pipe: Pipe, onRemoved: (prefix: Buffer) => void, onlyLast: boolean): void {
    const removed: Buffer[] = [];
    walk(this.root, [], (node, prefix) => {
      if (node.pipes?.delete(pipe)) {
        if (!onlyLast || node.pipes.size === 0) removed.push(prefix);
      }
    });
    this.compact(this.root);
    for (const prefix of removed) onRemoved(prefix);
  }

  /** Calls `fn` once for each pipe subscribed to some prefix of `data`. */
  match(data: Uint8Array, fn: (pipe: Pipe) => void): void {
    let node: Node | undefined = this.root;
    const seen = new Set<Pipe>();
    for (let i = 0; ; i++) {
      if (node.pipes) {
        for (const pipe of node.pipes) {
          if (!seen.has(pipe)) {
            seen.add(pipe);
            fn(pipe);
          }
        }
      }
      if (i >= data.length) return;
      node = node.children?.get(data[i]);
      if (!node) return;
    }
  }

  private compact(node: Node): void {
    if (!node.children) return;
    for (const [byte, child] of node.children) {
      this.compact(child);
      if (child.empty) node.children.delete(byte);
    }
  }
}
