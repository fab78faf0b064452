// `zmtp decode FILE [--json]`: every ZeroMQ connection in a pcap/pcapng file, one line per greeting,
// command, message or problem. Exit codes: 0 done, 1 unreadable input, 2 usage error.
import { CaptureError } from '../capture/errors.js';
import { decodeCapture } from '../inspect/decode-capture.js';
import { RecordWriter, summaryLine, WarningPrinter } from '../inspect/output.js';

const USAGE = `usage: zmtp decode FILE [--json]

Decodes ZMTP (ZeroMQ) traffic in a pcap or pcapng capture, on any port. FILE - reads standard input.
  --json        one JSON object per line instead of readable lines
  -h, --help    this help
`;

export interface DecodeArgs {
  file: string;
  json: boolean;
}

export function parseDecodeArgs(args: string[]): DecodeArgs | { help: true } | { error: string } {
  let file: string | undefined;
  let json = false;
  let onlyFiles = false;
  for (const a of args) {
    if (!onlyFiles && a === '--') onlyFiles = true;
    else if (!onlyFiles && a === '--json') json = true;
    else if (!onlyFiles && (a === '-h' || a === '--help')) return { help: true };
    else if (!onlyFiles && a.startsWith('-') && a !== '-') return { error: `unknown option '${a}'` };
    else if (file !== undefined) return { error: `only one capture file can be decoded at a time (got '${file}' and '${a}')` };
    else file = a;
  }
  if (file === undefined) return { error: 'missing the capture FILE to decode' };
  return { file, json };
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseDecodeArgs(args);
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`zmtp decode: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const out = new RecordWriter(process.stdout, parsed.json);
  const warnings = new WarningPrinter('zmtp decode');
  const tty = process.stderr.isTTY === true;
  const abort = new AbortController();
  let lastPercent = -1;
  try {
    const summary = await decodeCapture(parsed.file === '-' ? process.stdin : parsed.file, {
      onRecord: (r) => out.write(r),
      // JSON messages straight from their frame buffers (RecordWriter.writeView), without a record each.
      onMessage: parsed.json ? (m) => out.writeView(m) : undefined,
      onWarning: (w) => warnings.print(w),
      syncReads: true, // nothing else runs in this process meanwhile
      signal: abort.signal,
      pace: () => {
        if (out.closed) abort.abort();
        return out.pace();
      },
      onProgress: tty
        ? (p) => {
            if (!p.totalBytes) return;
            const percent = Math.floor((p.bytesRead / p.totalBytes) * 100);
            if (percent === lastPercent) return;
            lastPercent = percent;
            process.stderr.write(
              `\rdecoding ${parsed.file}: ${percent}% (${(p.bytesRead / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB)`,
            );
          }
        : undefined,
    });
    await out.end();
    if (out.failure) {
      process.stderr.write(`zmtp decode: cannot write the output: ${out.failure.message}\n`);
      return 1;
    }
    if (tty && lastPercent >= 0) process.stderr.write('\r\x1b[K');
    warnings.finish();
    if (!parsed.json && !out.closed) process.stderr.write(summaryLine(summary));
    return 0;
  } catch (e) {
    await out.end().catch(() => undefined);
    if (tty && lastPercent >= 0) process.stderr.write('\n');
    if (e instanceof CaptureError) {
      process.stderr.write(`zmtp decode: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
