// The engine as a drop-in for zeromq.js: compatSuite() runs the same tests against zeromq.js (the
// `zeromq` devDependency, libzmq 4.3.5; zeromq-compat-zeromq.test.ts) and against the engine
// (zeromq-compat-engine.test.ts), so the public API cannot drift apart: constructors and sealed
// objects, error messages/codes/errno, events, EBUSY rules, frame coercion, ROUTER connect routing
// ids, Proxy checks. One process each: zeromq.js's native teardown at exit must not fail the other.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as zeromq from 'zeromq';
import type * as zeromqDraft from 'zeromq/draft.js';
import type * as engine from '../../../core/index.js';
import { freedPort } from '../../helpers/port.js';

/** What both modules are used through here (zeromq.js's names; the engine has the same). */
export type Zmq = typeof zeromq;
/** The draft sockets (zeromq.js's 'zeromq/draft'; the engine exports them from its index). */
export type ZmqDraft = typeof zeromqDraft;

/** A tcp endpoint on a port the OS just gave out (a fixed range collides with other tests' ephemeral ports). */
const tcp = async () => `tcp://127.0.0.1:${await freedPort()}`;
let nextName = 0;
const inproc = () => `inproc://compat-${process.pid}-${nextName++}`;

/** The error thrown synchronously by fn, or the rejection of the Promise it returns. */
async function failure(fn: () => unknown): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  assert.fail('expected an error');
}

/** Whether fn throws synchronously (zeromq.js throws some errors at once, rejects others). */
function throwsAtOnce(fn: () => unknown): unknown {
  try {
    const r = fn();
    (r as Promise<unknown> | undefined)?.catch?.(() => {});
    return undefined;
  } catch (e) {
    return e;
  }
}

export function compatSuite(name: string, zmq: Zmq, draft: ZmqDraft): void {
  // As zeromq.js's own tests do: sockets left with queued messages must not hold the process at exit.
  zmq.context.blocky = false;
  describe(`zeromq.js API: ${name}`, () => {
    test('exports version and capability', () => {
      assert.match(zmq.version, /^\d+\.\d+\.\d+$/);
      assert.equal(zmq.capability.curve, true);
      assert.equal(zmq.capability.draft, true);
      assert.ok(Object.values(zmq.capability).every((v) => typeof v === 'boolean'));
    });

    test('sockets are sealed; options are assigned as properties with TypeErrors for unknown, read-only and ill-typed ones', () => {
      const s = new zmq.Dealer({ linger: 0 });
      try {
        assert.throws(
          () => {
            (s as unknown as Record<string, number>).noSuchThing = 1;
          },
          { name: 'TypeError', message: 'Cannot add property noSuchThing, object is not extensible' },
        );
        // A constructor that throws leaves zeromq.js's native socket open, which then holds the process
        // at exit; so these three run against the engine only (socket-construction-test in zeromq.js's
        // own suite checks the same texts against zeromq.js).
        if (name !== 'zeromq.js') {
          assert.throws(() => new zmq.Dealer({ linger: 0, doesNotExist: 1 } as never), {
            name: 'TypeError',
            message: 'Cannot add property doesNotExist, object is not extensible',
          });
          assert.throws(() => new zmq.Dealer({ linger: 0, securityMechanism: 1 } as never), {
            name: 'TypeError',
            message: 'Cannot set property securityMechanism of #<Socket> which has only a getter',
          });
          assert.throws(() => new zmq.Dealer({ linger: 0, recoveryInterval: 'x' } as never), {
            name: 'TypeError',
            message: 'Option value must be a number',
          });
        }
        assert.throws(
          () => {
            (s as unknown as Record<string, number>).immediate = 1;
          },
          { name: 'TypeError', message: 'Option value must be a boolean' },
        );
        assert.throws(
          () => {
            (s as unknown as Record<string, number>).routingId = 5;
          },
          { name: 'TypeError', message: 'Option value must be a string or buffer' },
        );
        assert.throws(
          () => {
            s.linger = -5;
          },
          { code: 'EINVAL', message: 'Invalid argument' },
        );
        assert.throws(() => new zmq.Dealer(null as never), { name: 'TypeError', message: 'Options must be an object' });
        const truncated = new zmq.Dealer({ linger: 1.9 });
        assert.equal(truncated.linger, 1, 'numbers are truncated');
        truncated.close();
      } finally {
        s.close();
      }
    });

    test('the generic Socket takes a numeric type and (type, options) only', () => {
      const Generic = zmq.Socket as unknown as new (...args: unknown[]) => engine.Socket;
      const ctx = new zmq.Context();
      const push = new Generic(8, { context: ctx, linger: 0 });
      assert.equal(push.type, 8);
      assert.equal(push.context, ctx);
      push.close();
      assert.throws(() => new Generic(), { name: 'TypeError', message: 'Socket type must be a number' });
      assert.throws(() => new Generic('foo'), { name: 'TypeError', message: 'Socket type must be a number' });
      assert.throws(() => new Generic(1, {}, 2), { name: 'TypeError', message: 'Expected 2 arguments but received 3' });
      assert.throws(() => new Generic(3, 1), { name: 'TypeError', message: 'Options must be an object' });
      const bad = throwsAtOnce(() => new Generic(37)) as Record<string, unknown>;
      assert.equal(bad.message, 'Invalid argument');
      assert.equal(bad.code, 'EINVAL');
      assert.equal(typeof bad.errno, 'number');
      class MyPair extends (zmq.Socket as unknown as new (type: number, options?: object) => engine.Socket) {
        constructor() {
          super(0);
        }
      }
      const mine = new MyPair();
      assert.equal(mine.context, zmq.context);
      mine.close();
    });

    test("called without new: Socket, Context and Proxy give the native classes' TypeError, Dealer V8's", () => {
      const asFunction = (cls: unknown) => () => (cls as (...args: unknown[]) => unknown)();
      const native = { name: 'TypeError', message: "Class constructors cannot be invoked without 'new'" };
      assert.throws(asFunction(zmq.Socket), native);
      assert.throws(asFunction(zmq.Context), native);
      assert.throws(asFunction(zmq.Proxy), native);
      assert.throws(asFunction(zmq.Dealer), { name: 'TypeError', message: "Class constructor Dealer cannot be invoked without 'new'" });
      // Still the same classes otherwise: subclasses and instanceof.
      const dealer = new zmq.Dealer({ linger: 0 });
      assert.ok(dealer instanceof zmq.Socket);
      assert.equal(zmq.Socket.name, 'Socket');
      dealer.close();
    });

    test('Context: sealed, maxSocketsLimit read-only, Expected 1 argument', () => {
      const ctx = new zmq.Context({ ioThreads: 3 });
      assert.equal(ctx.ioThreads, 3);
      assert.equal(typeof ctx.maxSocketsLimit, 'number');
      assert.throws(
        () => {
          (ctx as unknown as Record<string, number>).maxSocketsLimit = 1;
        },
        { name: 'TypeError', message: 'Cannot set property maxSocketsLimit of #<Context> which has only a getter' },
      );
      assert.throws(
        () => {
          (ctx as unknown as Record<string, number>).doesNotExist = 1;
        },
        { name: 'TypeError', message: 'Cannot add property doesNotExist, object is not extensible' },
      );
      const C = zmq.Context as unknown as new (...args: unknown[]) => unknown;
      assert.throws(() => new C({}, 2), { name: 'TypeError', message: 'Expected 1 argument but received 2' });
      assert.throws(() => new C(1), { name: 'TypeError', message: 'Options must be an object' });
      // (Not `new Context({ ioThreads: 'x' })`: zeromq.js crashes at exit after a Context constructor that threw.)
      assert.throws(
        () => {
          (ctx as unknown as Record<string, string>).ioThreads = 'x';
        },
        { name: 'TypeError', message: 'Option value must be a number' },
      );
    });

    test("errors carry libzmq's texts, code and errno", async () => {
      const s = new zmq.Router({ linger: 0, mandatory: true, sendTimeout: 0 });
      try {
        const address = await tcp();
        const notBound = await failure(() => s.unbind(address));
        assert.deepEqual(
          [notBound.message, notBound.code, typeof notBound.errno, notBound.address],
          ['No such endpoint', 'ENOENT', 'number', address],
        );
        const proto = await failure(() => s.connect('foo://bar'));
        assert.deepEqual([proto.message, proto.code, typeof proto.errno], ['Protocol not supported', 'EPROTONOSUPPORT', 'number']);
        const invalid = await failure(() => s.connect('tcp://127.0.0.1'));
        assert.deepEqual([invalid.message, invalid.code], ['Invalid argument', 'EINVAL']);
        const unreachable = await failure(() => s.send(['nobody', 'x']));
        assert.deepEqual([unreachable.message, unreachable.code, typeof unreachable.errno], ['Host unreachable', 'EHOSTUNREACH', 'number']);
        const push = new zmq.Push({ sendTimeout: 0 });
        const again = await failure(() => push.send('x'));
        assert.deepEqual([again.message, again.code, typeof again.errno], ['Operation was not possible or timed out', 'EAGAIN', 'number']);
        push.close();
        const closed = throwsAtOnce(() => push.send('x')) as Record<string, unknown>;
        assert.deepEqual([closed.message, closed.code], ['Socket is closed', 'EBADF'], 'send on a closed socket throws at once');
        assert.throws(() => s.connect(42 as never), { name: 'TypeError', message: 'Address must be a string' });
        assert.throws(() => (s as unknown as { send(): void }).send(), { name: 'TypeError', message: 'Message must be present' });
        const req = new zmq.Request({ linger: 0, receiveTimeout: 0 });
        const fsm = await failure(() => req.receive());
        assert.deepEqual([fsm.message, fsm.code], ['Operation cannot be accomplished in current state', 'EFSM']);
        req.close();
      } finally {
        s.close();
      }
    });

    test('a second send or receive while one waits throws EBUSY at once', async () => {
      const push = new zmq.Push({ linger: 0 });
      const pull = new zmq.Pull({ linger: 0 });
      const lonely = new zmq.Push({ linger: 0 });
      try {
        const address = await tcp();
        await pull.bind(address);
        push.connect(address);
        const stuck = lonely.send('nobody takes this');
        stuck.catch(() => {});
        const busySend = throwsAtOnce(() => lonely.send('b')) as Record<string, unknown>;
        assert.deepEqual(
          [busySend.code, busySend.message],
          ['EBUSY', 'Socket is busy writing; only one send operation may be in progress at any time'],
        );
        const receiving = pull.receive();
        const busyReceive = throwsAtOnce(() => pull.receive()) as Record<string, unknown>;
        assert.deepEqual(
          [busyReceive.code, busyReceive.message],
          ['EBUSY', 'Socket is busy reading; only one receive operation may be in progress at any time'],
        );
        await push.send('a');
        assert.equal((await receiving)[0].toString(), 'a');
        lonely.close();
        const cancelled = await failure(() => stuck);
        assert.equal(cancelled.code, 'EAGAIN', 'close cancels the waiting send');
      } finally {
        push.close();
        pull.close();
        lonely.close();
      }
    });

    test('a bind blocks the socket: EBUSY for bind/unbind meanwhile, and close() waits for it', async () => {
      const s = new zmq.Dealer({ linger: 0 });
      const [address, other] = [await tcp(), await tcp()];
      const binding = s.bind(address);
      const busy = await failure(() => s.bind(other));
      assert.deepEqual([busy.code, busy.message], ['EBUSY', 'Socket is blocked by a bind or unbind operation']);
      await binding;
      const unbinding = s.unbind(address);
      s.close();
      assert.equal(s.closed, false, 'close waits for the unbind');
      await unbinding;
      assert.equal(s.closed, true);
    });

    test('frames that are not bytes or strings are sent as String(x); null is an empty frame', async () => {
      const push = new zmq.Push({ linger: 0 });
      const pull = new zmq.Pull({ linger: 0 });
      try {
        const address = await tcp();
        await pull.bind(address);
        push.connect(address);
        await push.send([13, true, { toString: () => 'obj' }, null, new Uint8Array([0x41, 0x42])] as never);
        const got = await pull.receive();
        assert.deepEqual(
          got.map((f) => f.toString()),
          ['13', 'true', 'obj', '', 'AB'],
        );
      } finally {
        push.close();
        pull.close();
      }
    });

    test("events: 'bind' with the endpoint, bind:error's address without the transport, 'end' after close, emitter mode", async () => {
      const a = new zmq.Dealer({ linger: 0 });
      const b = new zmq.Dealer({ linger: 0 });
      const address = await tcp();
      const events = a.events;
      await a.bind(address);
      assert.deepEqual(await events.receive(), { type: 'bind', address });
      const bFailed = new Promise<{ type: string; address?: string; error?: { code?: string } }>((resolve) =>
        b.events.on('bind:error', resolve),
      );
      await b.bind(address).catch(() => {});
      const failed = await bFailed;
      assert.equal(failed.address, address.slice('tcp://'.length));
      assert.equal(failed.error?.code, 'EADDRINUSE');
      assert.throws(() => b.events.receive(), /event emitter mode/);
      a.close();
      assert.deepEqual(await events.receive(), { type: 'close', address });
      assert.deepEqual(await events.receive(), { type: 'end' });
      const after = await failure(() => events.receive());
      assert.deepEqual([after.code, after.message], ['EBADF', 'Socket is closed']);
      assert.equal(events.closed, true);
      const bEnded = new Promise((resolve) => b.events.on('end', resolve));
      b.close();
      await bEnded;
    });

    test('ROUTER connect(address, { routingId }) can send to that id at once', async () => {
      for (const address of [await tcp(), inproc()]) {
        const router = new zmq.Router({ mandatory: true, linger: 0 });
        router.connect(address, { routingId: 'remote' });
        await router.send(['remote', 'queued before the peer is there']);
        await assert.rejects(router.send(['other', 'x']), { code: 'EHOSTUNREACH' });
        router.close();
      }
    });

    test('Dish join/leave: a group name ends at its first NUL byte (libzmq takes a C string)', async () => {
      const radio = new draft.Radio({ linger: 0 });
      const dish = new draft.Dish({ linger: 0 });
      try {
        dish.join(Buffer.from('fo\x00ba'), 'ba\x00fo');
        dish.leave('fo'); // joined as "fo", so leaving "fo" is allowed
        assert.throws(() => dish.join('ba\x00other'), { code: 'EINVAL' }, '"ba" is already joined');
        const address = inproc();
        await dish.bind(address);
        radio.connect(address);
        const received: string[] = [];
        const receiving = (async () => {
          while (received.length < 2) {
            const [body, { group }] = await dish.receive();
            received.push(`${group.toString()}:${body.toString()}`);
          }
        })();
        for (const msg of ['foo', 'bar', 'qux', 'baz']) await radio.send(msg, { group: msg.slice(0, 2) });
        await receiving;
        assert.deepEqual(received, ['ba:bar', 'ba:baz']);
      } finally {
        radio.close();
        dish.close();
      }
    });

    test('async iteration ends quietly on close, but a Request closed meanwhile still reports its EFSM', async () => {
      const pull = new zmq.Pull({ linger: 0 });
      setTimeout(() => pull.close(), 20);
      for await (const msg of pull) assert.fail(`nothing was sent, got ${String(msg)}`);
      // Started from a macrotask, as in zeromq.js's own test: the nextTick close() runs before the
      // iterator sees receive()'s EFSM, so it sees a closed socket and must still throw.
      const fsm = await new Promise<Record<string, unknown>>((resolve) =>
        setImmediate(() => {
          const req = new zmq.Request({ linger: 0 });
          process.nextTick(() => req.close());
          (async () => {
            for await (const msg of req) assert.fail(`nothing was sent, got ${String(msg)}`);
          })().then(() => resolve({ message: 'the loop ended without an error' }), resolve);
        }),
      );
      assert.deepEqual([fsm.message, fsm.code, typeof fsm.errno], ['Operation cannot be accomplished in current state', 'EFSM', 'number']);
    });

    test('Proxy: both ends must be bound or connected; terminate before run is EBADF', async () => {
      const front = new zmq.Router({ linger: 0 });
      const back = new zmq.Dealer({ linger: 0 });
      try {
        const proxy = new zmq.Proxy(front, back);
        const terminated = throwsAtOnce(() => proxy.terminate()) as Record<string, unknown>;
        assert.deepEqual([terminated.code, terminated.message], ['EBADF', 'Socket is closed']);
        await back.bind(inproc());
        const noFront = await failure(() => proxy.run());
        assert.deepEqual([noFront.code, noFront.message], ['EINVAL', 'Front-end socket must be bound or connected']);
        const P = zmq.Proxy as unknown as new (...args: unknown[]) => unknown;
        assert.throws(() => new P(), { name: 'TypeError', message: 'Front-end must be a socket object' });
        assert.throws(() => new P(front, back, new zmq.Dealer({ linger: 0 })), {
          name: 'TypeError',
          message: 'Expected 2 arguments but received 3',
        });
      } finally {
        front.close();
        back.close();
      }
    });
  });
}
