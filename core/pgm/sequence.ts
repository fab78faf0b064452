// PGM sequence numbers are 32-bit and wrap (RFC 3208 uses serial-number arithmetic, like TCP).

/** a - b as a signed 32-bit distance: negative when a comes before b. */
export function sqnDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function sqnAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** True when a comes strictly before b (within half the sequence space). */
export function sqnBefore(a: number, b: number): boolean {
  return sqnDiff(a, b) < 0;
}
