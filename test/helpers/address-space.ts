// For children run under `ulimit -v`: their own address-space size (so a parent can set a limit just
// above it) and whether a 2 GiB allocation fails there, which shows that the limit bites.
import { readFileSync } from 'node:fs';

/** This process's address-space size (VmSize) in KiB. */
export function vmSizeKiB(): number {
  return Number(/VmSize:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

/** 'succeeded', or 'failed: <reason>' when a 2^31-1-byte allocation is refused; the process goes on. */
export function tryHugeAllocation(): string {
  try {
    Buffer.allocUnsafe(2 ** 31 - 1);
    return 'succeeded';
  } catch (e) {
    return `failed: ${(e as Error).message}`;
  }
}
