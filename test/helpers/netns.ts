// A network namespace joined to this one by a veth pair, for multicast tests between processes that cannot
// share a UDP port on one host (OpenPGM binds its port with SO_REUSEPORT, which Node's dgram cannot set).
// Multicast crosses the veth link like a real Ethernet segment. Needs root (CI runs as root); names and the
// /24 subnet are derived from the process id so parallel test files do not collide.
import { execFileSync } from 'node:child_process';

export interface NetnsLink {
  /** The namespace's name, for `ip netns exec`. */
  ns: string;
  /** This namespace's end of the link and its address. */
  hostIf: string;
  hostAddr: string;
  /** The other namespace's end and its address. */
  nsIf: string;
  nsAddr: string;
  close(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why a namespace cannot be made here (not root, no `ip`), or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 (ip)';
  }
  return undefined;
}

export function createNetnsLink(tag: string): NetnsLink {
  const id = process.pid % 250;
  const ns = `zi-${tag}-${process.pid}`;
  const hostIf = `zi${tag.slice(0, 4)}${process.pid % 100000}a`.slice(0, 15);
  const nsIf = `zi${tag.slice(0, 4)}${process.pid % 100000}b`.slice(0, 15);
  const subnet = `10.${200 + (tag.charCodeAt(0) % 50)}.${id}`;
  const hostAddr = `${subnet}.1`;
  const nsAddr = `${subnet}.2`;
  const close = () => {
    try {
      ip('netns', 'del', ns);
    } catch {
      /* already gone */
    }
    try {
      ip('link', 'del', hostIf);
    } catch {
      /* went with the namespace */
    }
  };
  close();
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/24`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    close();
    throw e;
  }
  return { ns, hostIf, hostAddr, nsIf, nsAddr, close };
}
