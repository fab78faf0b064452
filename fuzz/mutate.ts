// Seeded byte mutations for the fuzzer: flips, interesting values (0, 0xff, length-field edges),
// truncation, duplication and insertion of runs, and splices of two inputs. One seed and one
// iteration number give the same mutant every time, so any finding reproduces.
import { prng } from '../test/helpers/random.js';

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff];

export function mutate(input: Buffer, other: Buffer, seed: number): Buffer {
  const rand = prng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  let b = Buffer.from(input);
  const rounds = 1 + pick(8);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    const at = pick(b.length);
    switch (pick(7)) {
      case 0:
        b[at] ^= 1 << pick(8);
        break;
      case 1:
        b[at] = INTERESTING[pick(INTERESTING.length)];
        break;
      case 2: // an 8-byte big-endian length of an extreme value (ZMTP long frames, pcap lengths)
        if (at + 8 <= b.length) b.writeBigUInt64BE([2n ** 31n - 1n, 2n ** 63n - 1n, 2n ** 64n - 1n, 0n][pick(4)], at);
        break;
      case 3:
        b = b.subarray(0, at);
        break;
      case 4: {
        // duplicate a run in place
        const len = 1 + pick(Math.min(256, b.length - at));
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      case 5: {
        // insert random bytes
        const ins = Buffer.from(Array.from({ length: 1 + pick(32) }, () => pick(256)));
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      default: {
        // splice with the other input
        const from = pick(Math.max(1, other.length));
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + pick(512))]);
      }
    }
  }
  return b;
}
