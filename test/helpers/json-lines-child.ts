// A child process that reports to the test in JSON lines on stdout: every line parsed and kept, and
// waitFor() to await the first line a predicate accepts (failing clearly if the child ends first or
// stays silent too long). Used by the engine's memory tests that run their server in a child.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type JsonLine = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface JsonLinesChild {
  child: ChildProcess;
  lines: JsonLine[];
  waitFor(what: string, pred: (l: JsonLine) => boolean, ms?: number): Promise<JsonLine>;
}

export function jsonLinesChild(child: ChildProcess): JsonLinesChild {
  const lines: JsonLine[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(JSON.parse(l));
    for (const w of waiters.splice(0)) w();
  });
  child.on('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    lines,
    async waitFor(what, pred, ms = 60_000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = lines.find(pred);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `child ended (${child.exitCode ?? child.signalCode}) before ${what}; it printed ${JSON.stringify(lines).slice(-2000)}`,
          );
        if (Date.now() > end) throw new Error(`no ${what} from the child; it printed ${JSON.stringify(lines).slice(-2000)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}
