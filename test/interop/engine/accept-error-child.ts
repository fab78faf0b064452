// Child process of accept-error.test.ts, started with a low open-files limit: an engine PULL that prints
// its monitor events and the messages it receives as JSON lines.
import { Pull } from '../../../core/internal.js';

const pull = new Pull({ linger: 0 });
await pull.bind('tcp://127.0.0.1:*');
process.stdout.write(`${JSON.stringify({ bound: pull.lastEndpoint })}\n`);
void (async () => {
  for await (const ev of pull.events) {
    const error = (ev as { error?: { code?: string; errno?: number; message?: string } }).error;
    process.stdout.write(`${JSON.stringify({ event: ev.type, code: error?.code, errno: error?.errno, message: error?.message })}\n`);
  }
})();
for await (const [msg] of pull) process.stdout.write(`${JSON.stringify({ received: msg.toString() })}\n`);
