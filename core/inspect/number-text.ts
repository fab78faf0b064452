// Capture times as JSON text without the general number-to-text conversion, which was the costliest
// single step of writing a packet-heavy capture (String(1796214121.502729) once per record).
//
// A capture time is whole seconds plus a fraction in microseconds. Its text, as String() and JSON.stringify
// write it, is those digits (trailing zeros dropped) whenever the double is the one nearest to that decimal
// and neighbouring microseconds are further apart than the double's spacing: then no shorter decimal rounds
// to it, and String() prints the shortest that does. Both are checked exactly here, with integer arithmetic
// that is exact in doubles for values in [2^20, 2^32) (ulp 2^-32 to 2^-21, below a microsecond); anything
// else (nanosecond fractions, small or huge values) goes through String() as before.
import { ByteWords, putWords } from './byte-words.js';

const LOW = 2 ** 20;
const HIGH = 2 ** 32;

/** Digits of the last whole second seen: times come in order, so this is nearly always a hit. */
let lastSecond = -Infinity; // no time is in [lastSecond, lastSecond + 1) before the first
let lastSecondDigits = new Uint8Array(0);
let lastSecondWords = new ByteWords(lastSecondDigits);
let lastSecondScale = 1;

/** "00" to "99" as character codes, two per number: a fraction is written two digits at a time. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/**
 * Writes the JSON text of `x` at b[p] and returns the position after it, or -1 (nothing written) when
 * `x` is not a whole-microsecond value in [0, 2^32) or not exactly representable as one. The caller
 * keeps 18 bytes of room. With `dv` (a DataView of b's memory, from b's start) the seconds' digits go in
 * as words (putWords), which may write within those 18 bytes past the text.
 */
export function writeMicroTime(b: Uint8Array, p: number, x: number, dv?: DataView): number {
  // Times come in order: nearly every one is in the second of the one before.
  let sec = lastSecond;
  if (!(x >= sec && x < sec + 1)) {
    if (x < LOW && x >= 0) return writeSmallMicro(b, p, x);
    if (!(x >= LOW && x < HIGH)) return -1;
    sec = Math.floor(x);
    newSecond(sec);
  }
  const f = x - sec; // exact
  const usec = Math.round(f * 1e6);
  if (usec >= 1e6) return -1;
  // Is x the double nearest to sec + usec/1e6? |f - usec/1e6| < ulp/2, scaled by 1e6/ulp: exact integers.
  const scale = lastSecondScale;
  const diff = f * scale * 1e6 - usec * scale;
  if (!(diff < 500000 && diff > -500000)) return -1;
  if (dv !== undefined) putWords(b, dv, p, lastSecondWords);
  else b.set(lastSecondDigits, p);
  return writeFraction(b, p + lastSecondDigits.length, usec);
}

/** Once per second of capture time, out of writeMicroTime's line so that its rare path does not weigh on it. */
function newSecond(sec: number): void {
  lastSecond = sec;
  lastSecondDigits = Uint8Array.from(String(sec), (c) => c.charCodeAt(0));
  lastSecondWords = new ByteWords(lastSecondDigits);
  lastSecondScale = 2 ** (52 - (31 - Math.clz32(sec))); // 1 / ulp(x)
}

/**
 * Below 2^20 (latencies, times from 0): sec + usec/1e6 has at most 13 significant digits, so it is the
 * text of the double nearest to it, which is (sec * 1e6 + usec) / 1e6 computed in one rounding.
 */
function writeSmallMicro(b: Uint8Array, p: number, x: number): number {
  const n = Math.round(x * 1e6);
  if (n / 1e6 !== x) return -1;
  const sec = Math.floor(n / 1e6); // exact: n is an integer below 2^40
  const usec = n - sec * 1e6;
  p = writeInteger(b, p, sec);
  return writeFraction(b, p, usec);
}

/** ".dddddd" of a microsecond count, trailing zeros dropped; nothing for 0. */
function writeFraction(b: Uint8Array, p: number, usec: number): number {
  if (usec === 0) return p;
  b[p] = 0x2e; // .
  const high = (usec / 10000) | 0;
  const rest = usec - high * 10000;
  const mid = (rest / 100) | 0;
  const low = rest - mid * 100;
  b[p + 1] = DIGIT_PAIRS[2 * high];
  b[p + 2] = DIGIT_PAIRS[2 * high + 1];
  b[p + 3] = DIGIT_PAIRS[2 * mid];
  b[p + 4] = DIGIT_PAIRS[2 * mid + 1];
  b[p + 5] = DIGIT_PAIRS[2 * low];
  b[p + 6] = DIGIT_PAIRS[2 * low + 1];
  // Trailing zeros go (the digits are not all zeros, so this stops before the point).
  let end = p + 7;
  while (b[end - 1] === 0x30) end--;
  return end;
}

/** Writes a non-negative integer below 1e15 in decimal at b[p]; returns the position after it. */
export function writeInteger(b: Uint8Array, p: number, n: number): number {
  if (n < 100) {
    // Frame sizes and connection ids, mostly: one or two digits from the table.
    if (n < 10) {
      b[p] = 0x30 + n;
      return p + 1;
    }
    b[p] = DIGIT_PAIRS[2 * n];
    b[p + 1] = DIGIT_PAIRS[2 * n + 1];
    return p + 2;
  }
  if (n < 2 ** 31) {
    // Small integer arithmetic (a double's % is a library call).
    let digits = 3;
    for (let x = (n / 1000) | 0; x > 0; x = (x / 10) | 0) digits++;
    for (let k = p + digits - 1, x = n | 0; k >= p; k--) {
      const q = (x / 10) | 0;
      b[k] = 0x30 + x - q * 10;
      x = q;
    }
    return p + digits;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = p + digits - 1, x = n; k >= p; k--, x = Math.floor(x / 10)) b[k] = 0x30 + (x % 10);
  return p + digits;
}
