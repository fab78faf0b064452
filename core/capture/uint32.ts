// The readers' 32-bit field reads, for the few reads of every record of every packet.

/** The unsigned 32-bit integer at `o` in `b`, little- or big-endian, from its bytes: cheaper than Buffer's
 *  readUInt32LE/BE, which check bounds again; the caller has checked that the 4 bytes are there. */
export function uint32(b: Buffer, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000
    : b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}
