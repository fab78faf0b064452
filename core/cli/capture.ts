// `zmtp capture -i IFACE [-f FILTER] [--json] [-w FILE]`: captures live (dumpcap or tcpdump does the
// privileged part) and decodes as packets arrive; Ctrl-C stops cleanly. Exit codes: 0 stopped,
// 1 capture failed (no permission, no such interface, bad filter, tool missing), 2 usage error.
import { CaptureError } from '../capture/errors.js';
import { LiveCapture } from '../capture/live.js';
import { inspectPackets } from '../inspect/decode-capture.js';
import { RecordWriter, summaryLine, WarningPrinter } from '../inspect/output.js';

const USAGE = `usage: zmtp capture -i IFACE [-f FILTER] [--json] [-w FILE]

Captures live traffic and decodes ZMTP (ZeroMQ) on any port until Ctrl-C.
  -i IFACE      interface to capture on (e.g. lo, eth0, any)
  -f FILTER     capture filter in BPF syntax (e.g. "tcp port 5555")
  -w FILE       also save the raw capture to FILE
  --json        one JSON object per line instead of readable lines
  -h, --help    this help
`;

export interface CaptureArgs {
  iface: string;
  filter?: string;
  json: boolean;
  write?: string;
}

export function parseCaptureArgs(args: string[]): CaptureArgs | { help: true } | { error: string } {
  let iface: string | undefined;
  let filter: string | undefined;
  let write: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-i' || a === '-f' || a === '-w') {
      const v = args[++i];
      if (v === undefined || v === '') return { error: `${a} needs a value` };
      if (a === '-i') iface = v;
      else if (a === '-f') filter = v;
      else write = v;
    } else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') return { help: true };
    else if (a.startsWith('-')) return { error: `unknown option '${a}'` };
    else return { error: `unexpected argument '${a}' (put a capture filter after -f, quoted)` };
  }
  if (!iface) return { error: 'missing -i IFACE (the interface to capture on)' };
  return { iface, filter, json, write };
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCaptureArgs(args);
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`zmtp capture: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const out = new RecordWriter(process.stdout, parsed.json);
  const warnings = new WarningPrinter('zmtp capture');
  const live = new LiveCapture({ interface: parsed.iface, filter: parsed.filter, teeFile: parsed.write });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void live.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await live.start();
    process.stderr.write(
      `zmtp capture: capturing on ${parsed.iface}${parsed.filter ? ` (${parsed.filter})` : ''} with ${live.tool}; Ctrl-C to stop\n`,
    );
    const summary = await inspectPackets(live, {
      onRecord: (r) => {
        out.write(r);
        // Live output should appear as it happens, not in 64 KiB batches.
        out.flush();
      },
      // JSON messages straight from their frame buffers (RecordWriter.writeView), without a record each.
      onMessage: parsed.json
        ? (m) => {
            out.writeView(m);
            out.flush();
          }
        : undefined,
      onWarning: (w) => warnings.print(w),
      pace: () => {
        if (out.closed) stop();
        return out.pace();
      },
    });
    await out.end();
    if (out.failure) {
      process.stderr.write(`zmtp capture: cannot write the output: ${out.failure.message}\n`);
      return 1;
    }
    warnings.finish();
    if (!out.closed) process.stderr.write(summaryLine(summary));
    return 0;
  } catch (e) {
    await out.end().catch(() => undefined);
    if (e instanceof CaptureError) {
      process.stderr.write(`zmtp capture: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await live.stop().catch(() => undefined);
  }
}
