// Network-layer addresses (NLAs) in PGM packets and options: a 16-bit address family indicator (1 IPv4,
// 2 IPv6), 16 reserved bits, then 4 or 16 address bytes. Shown and given as address text.
import { AFI_IP, AFI_IP6 } from './constants.js';
import { malformed, type PgmMalformed } from './errors.js';

export interface NlaRead {
  address: string;
  /** Offset just past the address. */
  end: number;
}

/** Reads AFI, reserved and address at `pos`; `what` names the field in error messages. */
export function readNla(b: Buffer, pos: number, end: number, what: string): NlaRead | PgmMalformed {
  if (pos + 4 > end) return malformed('PGM_TRUNCATED', `${what}: address family needs 4 bytes at offset ${pos}, packet ends at ${end}`);
  const afi = b.readUInt16BE(pos);
  return readAddress(b, pos + 4, end, afi, what);
}

/** Reads a bare address of family `afi` at `pos`. */
export function readAddress(b: Buffer, pos: number, end: number, afi: number, what: string): NlaRead | PgmMalformed {
  const size = afi === AFI_IP ? 4 : afi === AFI_IP6 ? 16 : 0;
  if (size === 0) return malformed('PGM_BAD_AFI', `${what}: address family ${afi} is neither IPv4 (1) nor IPv6 (2)`);
  if (pos + size > end) return malformed('PGM_TRUNCATED', `${what}: ${size}-byte address at offset ${pos}, packet ends at ${end}`);
  return {
    address: size === 4 ? `${b[pos]}.${b[pos + 1]}.${b[pos + 2]}.${b[pos + 3]}` : ipv6Text(b.subarray(pos, pos + 16)),
    end: pos + size,
  };
}

/** RFC 5952 text of 16 address bytes. */
function ipv6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  return best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The bytes of an IPv4 or IPv6 address text, with its AFI; throws RangeError on text that is neither. */
export function addressBytes(text: string): { afi: number; bytes: Buffer } {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.every((p) => p <= 255)) return { afi: AFI_IP, bytes: Buffer.from(parts) };
  } else if (/^[0-9a-fA-F:]+$/.test(text) && text.split('::').length <= 2) {
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const fill = tail === undefined ? 0 : 8 - h.length - t.length;
    const groups = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t];
    if (groups.length === 8 && (tail === undefined || fill >= 1) && groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) {
      const bytes = Buffer.alloc(16);
      groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
      return { afi: AFI_IP6, bytes };
    }
  }
  throw new RangeError(`PGM: "${text}" is not an IPv4 or IPv6 address`);
}

/** Size of AFI + reserved + address for `text`. */
export function nlaSize(text: string): number {
  return 4 + addressBytes(text).bytes.length;
}

/** Writes AFI, reserved (0) and address at `pos`; returns the offset after it. */
export function writeNla(b: Buffer, pos: number, text: string): number {
  const { afi, bytes } = addressBytes(text);
  b.writeUInt16BE(afi, pos);
  b.writeUInt16BE(0, pos + 2);
  bytes.copy(b, pos + 4);
  return pos + 4 + bytes.length;
}
