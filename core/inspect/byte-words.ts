// Short constant byte strings (the fixed parts of a JSON line) written four bytes at a time through a
// DataView: for strings up to a few dozen bytes, a handful of stores cost less than a call to
// TypedArray.prototype.set, which the JSON writer made six or seven times a message. Longer ones (a
// route's addresses) are still copied by that call, which then costs less than the stores.

export class ByteWords {
  /** The bytes as little-endian 32-bit words, the last one padded with zeros. */
  readonly words: Uint32Array;
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.length;
    this.words = new Uint32Array(Math.ceil(bytes.length / 4));
    const dv = new DataView(this.words.buffer);
    for (let i = 0; i < bytes.length; i++) dv.setUint8(i, bytes[i]);
    // Uint32Array reads in the platform's byte order; the words are written little-endian below.
    for (let k = 0; k < this.words.length; k++) this.words[k] = dv.getUint32(4 * k, true);
  }

  static latin1(text: string): ByteWords {
    return new ByteWords(Buffer.from(text, 'latin1'));
  }
}

/** Up to this many bytes past a string's end may be written by putWords (the last word's padding). */
export const WORD_SLACK = 3;

/** Strings longer than this many words are copied with one TypedArray.set call (measured: ~8 stores). */
const MOST_WORDS = 8;

/**
 * Writes `w` at b[p] (`dv` a DataView of b's memory, from b's start) and returns p + w.length. The last
 * word may write up to WORD_SLACK bytes past that: the caller keeps that room, and the bytes that follow
 * overwrite them.
 */
export function putWords(b: Uint8Array, dv: DataView, p: number, w: ByteWords): number {
  const words = w.words;
  if (words.length > MOST_WORDS) b.set(w.bytes, p);
  else for (let k = 0; k < words.length; k++) dv.setUint32(p + 4 * k, words[k], true);
  return p + w.length;
}
