// Z85 (RFC 32): printable encoding of binary data in 4-byte blocks, used for CURVE keys.

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError(`Z85 needs a multiple of 4 bytes, got ${data.length}`);
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    let value = ((data[i] << 24) >>> 0) + (data[i + 1] << 16) + (data[i + 2] << 8) + data[i + 3];
    const block = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      block[j] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    out += block.join('');
  }
  return out;
}

export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new RangeError(`Z85 text length must be a multiple of 5, got ${text.length}`);
  const out = Buffer.allocUnsafe((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DECODE[code] : -1;
      if (digit < 0) throw new RangeError(`invalid Z85 character '${text[i + j]}' at ${i + j}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new RangeError(`Z85 block at ${i} overflows 32 bits`);
    out.writeUInt32BE(value, o);
  }
  return out;
}

/** A 32-byte CURVE key given as 40 Z85 characters, 32 raw bytes or 64 hex characters. */
export function curveKeyFrom(key: string | Uint8Array, what = 'key'): Buffer {
  if (typeof key === 'string') {
    if (key.length === 40) return z85Decode(key);
    if (key.length === 64 && /^[0-9a-fA-F]+$/.test(key)) return Buffer.from(key, 'hex');
    throw new RangeError(`${what} must be 40 Z85 characters or 64 hex digits, got ${key.length} characters`);
  }
  if (key.length !== 32) throw new RangeError(`${what} must be 32 bytes, got ${key.length}`);
  return Buffer.from(key);
}
