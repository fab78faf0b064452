// An engine socket whose process runs out of file descriptors. libzmq reports each failed accept as an
// accept:error event (EMFILE). Node's libuv instead accepts and at once closes connections it has no
// descriptor for (its "EMFILE trick"), so no error reaches the engine: the peers beyond the limit see
// their connection closed. Either way the listener must survive and serve a libzmq peer once
// descriptors are free again. The engine runs in a child with `ulimit -n` lowered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';

test(
  'out of descriptors: connections beyond the limit are closed, the listener survives, a libzmq PUSH gets through afterwards',
  { timeout: 60_000 },
  async () => {
    const script = fileURLToPath(new URL('./accept-error-child.ts', import.meta.url));
    const child = spawn('bash', ['-c', `ulimit -n 96 && exec "${process.execPath}" --import tsx "${script}"`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(JSON.parse(l));
      for (const w of waiters.splice(0)) w();
    });
    const waitFor = async (what: string, pred: (l: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 400; i++) {
        const found = lines.find(pred);
        if (found) return found;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      throw new Error(`no ${what} from the child; it printed ${JSON.stringify(lines)}`);
    };
    const flood: Socket[] = [];
    const push = new zmq.Push({ linger: 0 });
    try {
      const { bound } = await waitFor('bound endpoint', (l) => typeof l.bound === 'string');
      const port = Number(String(bound).split(':').pop());
      // More connections than the child may hold: each accepted one costs it a descriptor until the rest fail.
      let closedByChild = 0;
      for (let i = 0; i < 150; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.on('close', () => closedByChild++);
        flood.push(s);
      }
      for (let i = 0; i < 400 && closedByChild < 20; i++) await new Promise((r) => setTimeout(r, 50));
      const accepted = lines.filter((l) => l.event === 'accept').length;
      assert.ok(accepted > 10 && accepted < 150, `accepted ${accepted} of 150 before descriptors ran out`);
      assert.ok(closedByChild >= 20, `${closedByChild} connections beyond the limit were closed`);
      assert.equal(child.exitCode, null, 'the engine process is still running');

      // Free the descriptors: the flood connections go away, and the same listener accepts a real peer.
      for (const s of flood) s.destroy();
      push.connect(String(bound));
      for (let i = 0; i < 100 && !lines.some((l) => l.received === 'after EMFILE'); i++) {
        await push.send('after EMFILE');
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor('the message sent after the failures', (l) => l.received === 'after EMFILE');
    } finally {
      push.close();
      for (const s of flood) s.destroy();
      child.kill();
    }
  },
);
