// Sample values for every socket option, with the outcome its declaration in core/engine/option-table.ts
// predicts: accepted (and read back as `reads`), EINVAL (libzmq refuses it) or TypeError (wrong JavaScript
// type). Derived from the table, never written out by hand, so the tests that use them (the host's schema
// against the engine, the engine and zeromq.js against the table) check the table itself.
import { OPTIONS, type OptionName } from '../../core/engine/option-table.js';

export type Outcome = 'ok' | 'EINVAL' | 'TypeError';

export interface Sample {
  value: unknown;
  expect: Outcome;
  /** What reading the option back gives after an accepted set (absent: not compared). */
  reads?: unknown;
  /** Why zeromq.js cannot be held to this sample (absent: it can). */
  notZeromqJs?: string;
  /** JSON cannot carry this value (a Buffer): not for the host's schema. */
  notJson?: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** A valid CURVE public key (libzmq's test vector from zmq_curve(7)). */
const Z85_KEY = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';

export function samplesFor(name: OptionName): Sample[] {
  const kind = OPTIONS[name].kind;
  switch (kind.type) {
    case 'int': {
      const step = 'step' in kind ? kind.step : undefined;
      const norm = (n: number) => (step ? Math.trunc(n / step) * step + 0 : n);
      const out: Sample[] = [
        { value: kind.min, expect: 'ok', reads: norm(kind.min) },
        { value: kind.max, expect: 'ok', reads: norm(kind.max) },
        { value: 'x', expect: 'TypeError' },
        { value: true, expect: 'TypeError' },
        { value: null, expect: 'TypeError' },
      ];
      // zeromq.js truncates a fraction, as the engine does.
      if (kind.min + 1 <= kind.max) out.push({ value: kind.min + 1.5, expect: 'ok', reads: norm(Math.trunc(kind.min + 1.5)) });
      if (step) out.push({ value: 2 * step + 55, expect: 'ok', reads: norm(2 * step + 55) });
      // Out of range, where zeromq.js passes the number to libzmq unchanged (int32 options; 64-bit ones wrap in its conversion).
      const int32 = kind.min >= INT32_MIN && kind.max <= INT32_MAX;
      if (kind.min - 1 >= INT32_MIN)
        out.push({
          value: kind.min - 1,
          expect: 'EINVAL',
          ...(int32 ? {} : { notZeromqJs: 'a 64-bit option: zeromq.js converts a negative number to 0' }),
        });
      if (kind.max + 1 <= INT32_MAX + 1) out.push({ value: kind.max + 1, expect: 'EINVAL' });
      return out;
    }
    case 'bool':
      return [
        { value: true, expect: 'ok', reads: true },
        { value: false, expect: 'ok', reads: false },
        { value: 1, expect: 'TypeError' },
        { value: 'true', expect: 'TypeError' },
        { value: null, expect: 'TypeError' },
      ];
    case 'enum':
      return [
        ...kind.values.map((v): Sample => ({ value: v, expect: 'ok', reads: v })),
        { value: 'no-such-value', expect: 'EINVAL', notZeromqJs: 'zeromq.js ignores a verbosity it does not know' },
      ];
    case 'string':
    case 'bytes': {
      const readable = kind.type === 'string';
      const out: Sample[] = [
        { value: 'a', expect: 'ok', reads: 'a' },
        { value: 'é'.repeat(Math.min(kind.maxBytes, 255) >> 1), expect: 'ok', reads: 'é'.repeat(Math.min(kind.maxBytes, 255) >> 1) },
        { value: 5, expect: 'TypeError' },
        { value: true, expect: 'TypeError' },
        { value: Buffer.from('buf'), expect: 'ok', notJson: true, ...(readable ? { reads: 'buf' } : {}) },
        {
          value: null,
          expect: kind.nullable ? 'ok' : 'EINVAL',
          ...(kind.nullable ? { notZeromqJs: 'libzmq takes null as "unset" but reads the old text back; the engine reads null' } : {}),
        },
      ];
      if (kind.minBytes > 0) out.push({ value: '', expect: 'EINVAL' });
      else out.push({ value: '', expect: 'ok', reads: '' });
      if (kind.maxBytes <= 255) {
        out.push({ value: 'a'.repeat(kind.maxBytes), expect: 'ok', reads: 'a'.repeat(kind.maxBytes) });
        out.push({ value: 'a'.repeat(kind.maxBytes + 1), expect: 'EINVAL' });
        // 128 two-byte characters: 256 bytes although only 128 characters.
        out.push({ value: 'é'.repeat(128), expect: 'EINVAL' });
      }
      return out;
    }
    case 'curveKey': {
      // zeromq.js cannot read CURVE keys back (its getter asks libzmq with the wrong size: EINVAL), so no `reads`.
      return [
        { value: Z85_KEY, expect: 'ok' },
        { value: Buffer.alloc(32, 7), expect: 'ok', notJson: true },
        { value: Buffer.from(Z85_KEY), expect: 'ok', notJson: true },
        { value: Z85_KEY.slice(1), expect: 'EINVAL' },
        { value: Z85_KEY + '0', expect: 'EINVAL' },
        { value: '~'.repeat(40), expect: 'EINVAL' },
        // Valid characters, but the first block is above 32 bits.
        { value: '#'.repeat(40), expect: 'EINVAL' },
        { value: null, expect: 'EINVAL' },
        { value: 5, expect: 'TypeError' },
      ];
    }
    case 'pem':
      return [
        { value: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', expect: 'ok' },
        { value: null, expect: 'ok', reads: null },
        { value: 'not pem', expect: 'EINVAL' },
        { value: 5, expect: 'TypeError' },
      ];
  }
}
