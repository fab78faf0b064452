// Socket options against libzmq: optionSuite() sets sample values of every option in
// core/engine/option-table.ts (test/helpers/option-samples.ts, derived from the table) on a real socket
// and checks what the table predicts: accepted and read back the same, EINVAL, or TypeError. Run against
// zeromq.js (libzmq 4.3.5, zeromq-compat-zeromq.test.ts) it holds the table to libzmq; run against the
// engine (zeromq-compat-engine.test.ts) it holds the engine to the table, with the same code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS, OPTION_NAMES, type OptionName } from '../../../core/engine/option-table.js';
import { SOCKET_TYPE_TABLE, type SocketTypeName } from '../../../core/engine/socket-type-table.js';
import { samplesFor, type Outcome } from '../../helpers/option-samples.js';
import type { Zmq, ZmqDraft } from './zeromq-compat.js';

type AnyClass = new (options?: object) => { close(): void } & Record<string, unknown>;

/** The class to try option `name` on: a type that has it (the first listed; DEALER for common ones). */
function typeFor(name: OptionName): SocketTypeName {
  const types = OPTIONS[name].types;
  return types === 'all' ? 'DEALER' : types[0];
}

function outcome(fn: () => void): Outcome | string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    if (err.name === 'TypeError') return 'TypeError';
    return err.code ?? String(err.message);
  }
}

export function optionSuite(name: string, zmq: Zmq, draft: ZmqDraft): void {
  const isZeromqJs = name === 'zeromq.js';
  describe(`socket options as option-table.ts declares them: ${name}`, () => {
    for (const option of OPTION_NAMES) {
      if ('property' in OPTIONS[option]) continue; // set through setOption() or a method only, not a property
      test(`${option} (${OPTIONS[option].id ?? 'engine only'})`, (t) => {
        const type = typeFor(option);
        const Cls = ((zmq as unknown as Record<string, unknown>)[SOCKET_TYPE_TABLE[type].className] ??
          (draft as unknown as Record<string, unknown>)[SOCKET_TYPE_TABLE[type].className]) as AnyClass;
        const sock = new Cls({ linger: 0 });
        try {
          if (!(option in sock)) {
            // zeromq.js lacks some options the engine has (wss*, multicastLoop); the engine has every one.
            assert.ok(isZeromqJs, `the engine's ${SOCKET_TYPE_TABLE[type].className} has ${option}`);
            t.skip(`zeromq.js has no ${option}`);
            return;
          }
          // zeromq.js's write-only options (probeRouter, conflate, ...) have no getter; the engine reads them all.
          // libzmq cannot read some back either (ROUTER_MANDATORY, CURVE keys: EINVAL).
          const readable = isZeromqJs ? typeof descriptorOf(sock, option)?.get === 'function' && outcome(() => sock[option]) === 'ok' : true;
          for (const sample of samplesFor(option)) {
            if (isZeromqJs && sample.notZeromqJs) continue;
            const what = `${option} = ${shown(sample.value)}`;
            assert.equal(outcome(() => { sock[option] = sample.value; }), sample.expect, what);
            if (sample.expect === 'ok' && readable && 'reads' in sample) assert.deepEqual(sock[option], sample.reads, `${what} reads back`);
          }
        } finally {
          sock.close();
        }
      });
    }
  });
}

function descriptorOf(target: object, name: string): PropertyDescriptor | undefined {
  for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}

function shown(value: unknown): string {
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 30 ? `${s.slice(0, 30)}...` : s;
}
