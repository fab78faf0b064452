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
          // The table says which options zeromq.js has no property for (copy-as-code then writes its numbered accessor).
          if (isZeromqJs) assert.equal(option in sock, !('zeromqJs' in OPTIONS[option]), `option-table.ts's zeromqJs flag of ${option}`);
          if (!(option in sock)) {
            // zeromq.js lacks some options the engine has (wss*, multicastLoop); the engine has every one.
            assert.ok(isZeromqJs, `the engine's ${SOCKET_TYPE_TABLE[type].className} has ${option}`);
            t.skip(`zeromq.js has no ${option}`);
            return;
          }
          // zeromq.js's write-only options (probeRouter, conflate, ...) have no getter; the engine reads them all.
          // libzmq cannot read some back either (ROUTER_MANDATORY, CURVE keys: EINVAL).
          const readable = isZeromqJs
            ? typeof descriptorOf(sock, option)?.get === 'function' && outcome(() => sock[option]) === 'ok'
            : true;
          for (const sample of samplesFor(option)) {
            if (isZeromqJs && sample.notZeromqJs) continue;
            const what = `${option} = ${shown(sample.value)}`;
            assert.equal(
              outcome(() => {
                sock[option] = sample.value;
              }),
              sample.expect,
              what,
            );
            if (sample.expect === 'ok' && readable && 'reads' in sample) assert.deepEqual(sock[option], sample.reads, `${what} reads back`);
          }
        } finally {
          sock.close();
        }
      });
    }
  });
}

type Numbered = Record<string, (...args: unknown[]) => unknown>;

/** The process warnings emitted while `fn` runs (and one tick after), with other listeners set aside. */
async function warningsDuring(fn: () => Promise<void> | void): Promise<string[]> {
  const saved = process.listeners('warning');
  process.removeAllListeners('warning');
  const seen: string[] = [];
  // zeromq/draft's import warns once, at a moment of its own; it is not about options.
  const listener = (w: Error) => {
    if (!w.message.startsWith('ZeroMQ draft features')) seen.push(w.message);
  };
  process.on('warning', listener);
  try {
    await fn();
    await new Promise(process.nextTick);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.removeListener('warning', listener);
    for (const l of saved) process.on('warning', l);
  }
  return seen;
}

const LATE = 'Socket option will not take effect until next connect/bind.';

/**
 * zeromq.js's accessors by libzmq option number (getInt32Option(ZMQ_BACKLOG), ...) and its warnings for an
 * option set too late to take effect, or a uint64 beyond Number.MAX_SAFE_INTEGER. Same code against both.
 */
export function numberedOptionSuite(name: string, zmq: Zmq): void {
  describe(`options by libzmq number, and option warnings: ${name}`, () => {
    test('each accessor reads and writes the named option with that number', () => {
      const sock = new zmq.Dealer({ linger: 0 }) as unknown as Numbered & Record<string, unknown>;
      try {
        assert.equal(sock.getBoolOption(39), false); // ZMQ_IMMEDIATE
        sock.setBoolOption(39, true);
        assert.equal(sock.immediate, true);
        assert.equal(sock.getInt32Option(19), 100); // ZMQ_BACKLOG
        sock.setInt32Option(19, 75);
        assert.equal(sock.backlog, 75);
        assert.equal(sock.getInt64Option(22), -1); // ZMQ_MAXMSGSIZE
        sock.setInt64Option(22, 2 ** 40);
        assert.equal(sock.maxMessageSize, 2 ** 40);
        assert.equal(sock.getStringOption(5), null); // ZMQ_ROUTING_ID
        sock.setStringOption(5, Buffer.from('åbç'));
        assert.equal(sock.getStringOption(5), 'åbç');
        assert.equal(sock.getUint64Option(4), 0); // ZMQ_AFFINITY
        sock.setUint64Option(4, 12345);
        assert.equal(sock.getUint64Option(4), 12345);
        // A number that is no option, and a known option read as the wrong kind: libzmq's EINVAL.
        assert.throws(() => sock.getInt32Option(9999), { code: 'EINVAL' });
        assert.throws(() => sock.getStringOption(19), { code: 'EINVAL' });
      } finally {
        sock.close();
      }
    });

    test('a uint64 above MAX_SAFE_INTEGER is stored and warns that it may be rounded', async () => {
      const sock = new zmq.Dealer({ linger: 0 }) as unknown as Numbered;
      try {
        const seen = await warningsDuring(() => {
          sock.setUint64Option(4, 2 ** 63);
        });
        assert.equal(sock.getUint64Option(4), 2 ** 63);
        assert.deepEqual(seen, ['Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.']);
      } finally {
        sock.close();
      }
    });

    test('an option set after connect, during or after bind warns; linger, HWMs and timeouts do not', async () => {
      const n = Math.floor(Math.random() * 1e9);
      const connected = new zmq.Dealer({ linger: 0 }) as unknown as Record<string, unknown> & { connect(a: string): void; close(): void };
      const bound = new zmq.Dealer({ linger: 0 }) as unknown as Record<string, unknown> & { bind(a: string): Promise<void>; close(): void };
      const fresh = new zmq.Dealer({ linger: 0 }) as unknown as Record<string, unknown> & { close(): void };
      try {
        assert.deepEqual(
          await warningsDuring(() => {
            fresh.routingId = 'a';
            fresh.backlog = 5;
          }),
          [],
        );
        assert.deepEqual(
          await warningsDuring(() => {
            connected.connect(`inproc://late-option-${n}-c`);
            connected.routingId = 'b';
          }),
          [LATE],
        );
        assert.deepEqual(
          await warningsDuring(async () => {
            const binding = bound.bind(`inproc://late-option-${n}-b`);
            bound.routingId = 'c';
            await binding;
            bound.backlog = 7;
          }),
          [LATE, LATE],
        );
        assert.deepEqual(
          await warningsDuring(() => {
            bound.linger = 10;
            bound.sendHighWaterMark = 5;
            bound.receiveHighWaterMark = 5;
            bound.sendTimeout = 1;
            bound.receiveTimeout = 1;
          }),
          [],
        );
      } finally {
        connected.close();
        bound.close();
        fresh.close();
      }
    });
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
