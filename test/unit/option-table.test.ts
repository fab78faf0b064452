// The host's schema for each socket option (core/host/option-schema.ts) refuses exactly what the engine
// refuses, option by option from core/engine/option-table.ts: sample values (valid, boundaries, out of
// range, wrong type; test/helpers/option-samples.ts) and a few more are given to both, the engine through
// a real socket of a type that has the option. What zeromq.js/libzmq does with the same samples is
// checked in test/interop/engine/option-compat.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as engine from '../../core/internal.js';
import { OPTIONS, OPTION_NAMES, appliesTo, type OptionName } from '../../core/engine/option-table.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE } from '../../core/engine/socket-type-table.js';
import { optionSchema } from '../../core/host/protocol.js';
import { samplesFor } from '../helpers/option-samples.js';

type AnyClass = new (options?: object) => { close(): void; setOption(name: string, value: unknown): void };

/** Values beyond the samples: negative fractions, huge and non-finite numbers, objects, arrays. */
const EXTRA: unknown[] = [-0.5, -1.5, 1e300, -1e300, {}, [], '1', 2 ** 53];

function engineAccepts(type: string, name: OptionName, value: unknown): boolean {
  const Cls = (engine as unknown as Record<string, AnyClass>)[SOCKET_TYPE_TABLE[type as keyof typeof SOCKET_TYPE_TABLE].className];
  const sock = new Cls({ linger: 0 });
  try {
    sock.setOption(name, value);
    return true;
  } catch {
    return false;
  } finally {
    sock.close();
  }
}

for (const name of OPTION_NAMES) {
  if ('property' in OPTIONS[name]) continue; // not an option the host takes (subscriptions are their own request)
  test(`option ${name}: the host's schema and the engine refuse the same values`, () => {
    const types = SOCKET_TYPE_NAMES.filter((t) => appliesTo(name, t));
    assert.ok(types.length > 0, `${name} applies to some socket type`);
    const values = [
      ...samplesFor(name)
        .filter((s) => !s.notJson)
        .map((s) => s.value),
      ...EXTRA,
    ];
    for (const type of [types[0], types[types.length - 1]]) {
      for (const value of values) {
        const host = optionSchema(type).safeParse({ [name]: value }).success;
        assert.equal(
          host,
          engineAccepts(type, name, value),
          `${type} ${name} = ${JSON.stringify(value)}: host ${host ? 'accepts' : 'refuses'} it`,
        );
      }
    }
    // A type without the option: both refuse it (the host names it, the engine's class has no such property).
    const without = SOCKET_TYPE_NAMES.find((t) => !appliesTo(name, t));
    if (without)
      assert.equal(optionSchema(without).safeParse({ [name]: samplesFor(name)[0].value }).success, false, `${without} has no ${name}`);
  });
}

test('every sample the table predicts is what the engine does (accepted, EINVAL or TypeError)', () => {
  for (const name of OPTION_NAMES) {
    const type = SOCKET_TYPE_NAMES.find((t) => appliesTo(name, t))!;
    for (const sample of samplesFor(name)) {
      const Cls = (engine as unknown as Record<string, AnyClass>)[SOCKET_TYPE_TABLE[type].className];
      const sock = new Cls({ linger: 0 });
      try {
        sock.setOption(name, sample.value);
        assert.equal('ok', sample.expect, `${name} = ${String(sample.value)} was accepted`);
      } catch (e) {
        const err = e as { name: string; code?: string };
        assert.equal(err.name === 'TypeError' ? 'TypeError' : err.code, sample.expect, `${name} = ${String(sample.value)}`);
      } finally {
        sock.close();
      }
    }
  }
});
