// Bytes as lowercase hex, for the many small frames a capture has: Node's Buffer method under
// toString('hex'), called without the argument handling that costs more than the encoding itself.

const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Buffer, start: number, end: number) => string }).hexSlice;

/** b[start, end) as lowercase hex, as toString('hex', start, end) gives it (which is used where a runtime
 *  lacks hexSlice). */
export function hexOf(b: Buffer, start: number, end: number): string {
  if (end === start) return ''; // REQ/REP's delimiter: in nearly every message there
  return hexSlice !== undefined ? hexSlice.call(b, start, end) : b.toString('hex', start, end);
}
