// The PGM checksum (RFC 3208 8): the Internet checksum (one's complement of the one's complement sum of
// 16-bit words) over the whole PGM packet, header and data, with no pseudo-header. OpenPGM folds a sum
// of 0xFFFF to 0xFFFF rather than to its complement 0, because 0 in the field means "no checksum sent"
// (allowed for every type but ODATA and RDATA). The sum does not depend on byte order, so computing it
// on big-endian words gives the bytes OpenPGM writes on a little-endian host.

const CHECKSUM_OFFSET = 6;

/** One's complement sum of `b[start..end)` as 16-bit big-endian words, unfolded (fits a double). */
function sumWords(b: Uint8Array, start: number, end: number, acc: number): number {
  let i = start;
  // Four bytes at a time: two words added at once; the carries are folded at the end.
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (; i + 4 <= end; i += 4) {
    const w = view.getUint32(i);
    acc += (w >>> 16) + (w & 0xffff);
  }
  if (i + 2 <= end) {
    acc += (b[i] << 8) | b[i + 1];
    i += 2;
  }
  if (i < end) acc += b[i] << 8;
  return acc;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum === 0xffff ? 0xffff : ~sum & 0xffff;
}

/** The checksum OpenPGM would write for `packet` (its checksum field counted as zero). */
export function pgmChecksum(packet: Uint8Array): number {
  const len = packet.length;
  if (len < CHECKSUM_OFFSET + 2) return fold(sumWords(packet, 0, len, 0));
  let acc = sumWords(packet, 0, CHECKSUM_OFFSET, 0);
  acc = sumWords(packet, CHECKSUM_OFFSET + 2, len, acc);
  return fold(acc);
}

/** Writes the checksum into bytes 6-7 of `packet` (whatever they held) and returns it. */
export function writePgmChecksum(packet: Uint8Array): number {
  const sum = pgmChecksum(packet);
  packet[CHECKSUM_OFFSET] = sum >> 8;
  packet[CHECKSUM_OFFSET + 1] = sum & 0xff;
  return sum;
}
