// The engine as a drop-in for zeromq.js, lifecycle part: what keeps a process or worker thread alive,
// what happens to queued messages when a program ends, what a send()/close() lets go of, and a STREAM
// socket's pipe at connect. lifecycleSuite() runs the same tests against zeromq.js
// (zeromq-compat-lifecycle-zeromq.test.ts) and against the engine (-engine.test.ts); scripts that must
// end on their own run in a child process or a worker thread loading the same module.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import type * as zeromq from 'zeromq';
import { freedPort } from '../../helpers/port.js';
import { collectGarbage } from '../../helpers/gc.js';

type Zmq = typeof zeromq;

/** How a child process or worker loads the module under test. */
export interface Loader {
  /** Node arguments for a child (and a worker's execArgv), e.g. ['--import', 'tsx'] for TypeScript. */
  nodeArgs: string[];
  /** What `await import(...)` takes in the child: a file URL. */
  specifier: string;
  /** Code a worker thread runs before that import (workers do not inherit --import hooks on Node 20). */
  workerPrelude?: string;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const root = new URL('../../../', import.meta.url);

/**
 * Runs `body` (ES module code with `zmq` in scope) in a child process. `watch` sees stderr as it comes
 * (e.g. to act once a warning appears); the result comes when the child has exited by itself.
 */
function runChild(loader: Loader, body: string, watch?: (stderrSoFar: string) => void, args: string[] = []): Promise<Ran> {
  const script = `const zmq = await import(${JSON.stringify(loader.specifier)});\n${body}`;
  const child = spawn(process.execPath, [...loader.nodeArgs, '--input-type=module', '-e', script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    watch?.(stderr);
  });
  // A child that never ends is killed by the test's timeout (the promise below then never settles).
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const WARNING =
  /^\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\.( Set 'context\.blocky = false' to change this behaviour\.)?\n/m;

export function lifecycleSuite(name: string, zmq: Zmq, loader: Loader): void {
  describe(`zeromq.js lifecycle: ${name}`, { timeout: 120_000 }, () => {
    test('open sockets with endpoints do not keep the process alive; a pending receive() does, until it resolves', async () => {
      const port = await freedPort();
      // The child binds and connects and leaves both open; it waits in receive() on a third socket
      // until we send to it, prints what it got, and then must end by itself.
      const body = `
        const pull = new zmq.Pull({ linger: 0 });
        await pull.bind('tcp://127.0.0.1:' + process.argv[1]);
        const idle = new zmq.Router({ linger: 0 });
        await idle.bind('tcp://127.0.0.1:0');
        const dialer = new zmq.Dealer({ linger: 0 });
        dialer.connect(idle.lastEndpoint);
        console.log('ready');
        const [msg] = await pull.receive();
        console.log('got ' + msg.toString());
      `;
      const push = new zmq.Push({ linger: 0 });
      try {
        const ran = runChild(loader, body, undefined, [String(port)]);
        push.connect(`tcp://127.0.0.1:${port}`);
        await push.send('hello');
        const { code, stdout, stderr } = await ran;
        assert.equal(code, 0, stderr);
        assert.deepEqual(stdout.trim().split('\n'), ['ready', 'got hello']);
      } finally {
        push.close();
      }
    });

    for (const blocky of [true, false]) {
      test(`at exit, a queued message waits for its linger and the process says so after 500 ms (blocky ${blocky})`, async () => {
        const port = await freedPort();
        // Nothing listens at `port` yet: the message stays queued when the script ends.
        const body = `
          zmq.context.blocky = ${blocky};
          const dealer = new zmq.Dealer({ linger: 30000 });
          dealer.connect('tcp://127.0.0.1:' + process.argv[1]);
          await dealer.send('queued at exit');
        `;
        const router = new zmq.Router({ linger: 0 });
        try {
          let bound: Promise<void> | undefined;
          // Once the child says it is waiting, give its message somewhere to go.
          const ran = runChild(
            loader,
            body,
            (stderr) => {
              if (!bound && WARNING.test(stderr)) bound = router.bind(`tcp://127.0.0.1:${port}`);
            },
            [String(port)],
          );
          const { code, stderr } = await ran;
          assert.equal(code, 0, stderr);
          const warning = WARNING.exec(stderr);
          assert.ok(warning, `expected the warning on stderr, got ${JSON.stringify(stderr)}`);
          assert.equal(warning[1] !== undefined, blocky, 'the blocky hint only while the context is blocky');
          await bound;
          const [, msg] = await router.receive();
          assert.equal(msg.toString(), 'queued at exit');
        } finally {
          router.close();
        }
      });
    }

    test('a script whose sockets are closed or have nothing queued ends at once, without a warning', async () => {
      const body = `
        const a = new zmq.Dealer();
        const b = new zmq.Router();
        b.close();
        const c = new zmq.Push({ linger: 50 });
        c.connect('tcp://127.0.0.1:' + process.argv[1]);
        await c.send('dropped after 50 ms');
      `;
      const { code, stderr } = await runChild(loader, body, undefined, [String(await freedPort())]);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    });

    test('a worker thread whose tcp sockets stay open ends once its work is done', async () => {
      const port = await freedPort();
      const source = `
        const { parentPort, workerData } = await import('node:worker_threads');
        ${loader.workerPrelude ?? ''}
        const zmq = await import(workerData.specifier);
        const a = new zmq.Pair({ linger: 0 });
        const b = new zmq.Pair({ linger: 0 });
        await b.bind(workerData.address);
        a.connect(workerData.address);
        await a.send(['foo', 'bar']);
        const got = await b.receive();
        parentPort.postMessage(got.map(String));
      `;
      const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), {
        workerData: { specifier: loader.specifier, address: `tcp://127.0.0.1:${port}` },
      });
      const messages: unknown[] = [];
      worker.on('message', (m) => messages.push(m));
      const code = await new Promise<number>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('exit', resolve);
      });
      assert.equal(code, 0);
      assert.deepEqual(messages, [['foo', 'bar']]);
    });

    test("a closed socket's context can be collected at once, even with a connect still dialing", async () => {
      let weak: WeakRef<object> | undefined;
      const port = await freedPort();
      await (async () => {
        const context = new zmq.Context();
        const dealer = new zmq.Dealer({ context, linger: 0 });
        weak = new WeakRef(context);
        dealer.connect(`tcp://127.0.0.1:${port}`);
        await dealer.send('x');
        dealer.close();
      })();
      await collectGarbage();
      assert.equal(weak!.deref(), undefined);
    });

    test('send() copies frames of up to 128 bytes and keeps larger ones while the message is queued', async () => {
      const dealer = new zmq.Dealer({ linger: 0 });
      try {
        // Not connected: the messages wait in the queue made at connect().
        dealer.connect(`tcp://127.0.0.1:${await freedPort()}`);
        const refs: Record<number, WeakRef<Buffer>> = {};
        for (const size of [16, 128, 129, 1025]) {
          await (async () => {
            const frame = Buffer.alloc(size, 1);
            refs[size] = new WeakRef(frame);
            await dealer.send(frame);
          })();
        }
        await collectGarbage();
        assert.equal(refs[16].deref(), undefined, '16 B copied');
        assert.equal(refs[128].deref(), undefined, '128 B copied');
        assert.ok(refs[129].deref(), '129 B kept by reference');
        assert.ok(refs[1025].deref(), '1025 B kept by reference');
      } finally {
        dealer.close();
      }
    });

    test('a high-water mark set after connect applies to the existing pipe (inproc: own SNDHWM plus the peer RCVHWM)', async () => {
      const address = `inproc://lifecycle-hwm-${process.pid}-${name.replace(/\W/g, '')}`;
      const pull = new zmq.Pull({ linger: 0 });
      const push = new zmq.Push({ linger: 0, sendTimeout: 0 });
      try {
        await pull.bind(address);
        push.connect(address);
        push.sendHighWaterMark = 5000;
        let sent = 0;
        for (;;) {
          try {
            await push.send('x');
            sent++;
          } catch (e) {
            assert.equal((e as { code?: string }).code, 'EAGAIN');
            break;
          }
          if (sent > 20_000) assert.fail('no limit at all');
        }
        // libzmq: the connecting end's limit is its SNDHWM plus the binder's RCVHWM (1000) at connect.
        assert.equal(sent, 6000);
      } finally {
        push.close();
        pull.close();
      }
    });

    test('a connecting STREAM can send to the routing id given at connect() at once; the data waits for the connection', async () => {
      const server = net.createServer();
      const received = new Promise<string>((resolve) => {
        server.on('connection', (c) => {
          let text = '';
          c.on('data', (d) => {
            text += d;
            if (text.includes('\n')) {
              resolve(text);
              c.end('pong\n');
            }
          });
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      const stream = new zmq.Stream({ linger: 0 });
      try {
        stream.connect(`tcp://127.0.0.1:${port}`, { routingId: 'peer-1' });
        await stream.send(['peer-1', 'ping\n']);
        assert.equal(await received, 'ping\n');
        // notify (the default): [id, ''] when the connection starts, then the data, then [id, ''] at its end.
        const seen: string[][] = [];
        for await (const [id, data] of stream) {
          seen.push([id.toString(), data.toString()]);
          if (seen.length === 3) break;
        }
        assert.deepEqual(seen, [
          ['peer-1', ''],
          ['peer-1', 'pong\n'],
          ['peer-1', ''],
        ]);
      } finally {
        stream.close();
        server.close();
      }
    });
  });
}
