// A Python child process (Debian's python3 with python3-zmq, libzmq 4.3.4) that talks to the test in
// lines on stdout: the one reader behind the engine suites' pyzmq peers. Lines can be taken in order
// (line()) or looked up by content (find(), which also sees lines already taken or found).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PythonChild {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Every line printed so far. */
  readonly lines: readonly string[];
  /** The next line not taken yet, in order; rejects if the process exits first. */
  line(): Promise<string>;
  /** The first line (printed already or to come) that `match` accepts; rejects if the process exits first. */
  find(match: (line: string) => boolean): Promise<string>;
  /** Writes one line to its stdin. */
  send(line: string): void;
  readonly stderr: string;
}

/**
 * `env` for peers that load a C library writing to the same stdout from its own thread (OpenPGM's "Warn: ..."
 * lines): Python's stdout buffered, so each `print(..., flush=True)` is one write that no such line can split.
 * PYTHONUNBUFFERED (set in this environment) makes print write its text and its newline separately: "ready"
 * and an OpenPGM warning once arrived as the one line "readyWarn: ...", and the test waited for "ready" in vain.
 * Every print of such a peer must flush.
 */
export const ONE_WRITE_PER_LINE: Record<string, string> = { PYTHONUNBUFFERED: '' };

/** `netns`: run it inside that network namespace (ip netns exec; needs root). `env`: variables added to ours. */
export function startPython(args: string[], name = 'python', netns?: string, env?: Record<string, string>): PythonChild {
  const options = { stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : undefined };
  const child = netns
    ? spawn('ip', ['netns', 'exec', netns, '/usr/bin/python3', ...args], options)
    : spawn('/usr/bin/python3', args, options);
  const lines: string[] = [];
  let taken = 0;
  let stderr = '';
  let exitCode: number | null | undefined;
  const waiters: { match?: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const exitError = () => new Error(`${name} exited (${exitCode}) before the expected line; stderr: ${stderr}`);
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) {
      if (w.match ? w.match(l) : taken < lines.length) {
        if (!w.match) taken++;
        w.resolve(l);
      } else {
        waiters.push(w);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exitCode = code;
      for (const w of waiters.splice(0)) w.reject(exitError());
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    lines,
    line() {
      if (taken < lines.length) return Promise.resolve(lines[taken++]);
      if (exitCode !== undefined) return Promise.reject(exitError());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    find(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      if (exitCode !== undefined) return Promise.reject(exitError());
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
    send(line) {
      child.stdin.write(line + '\n');
    },
    get stderr() {
      return stderr;
    },
  };
}

const PLAIN_REQ = `
import zmq, sys
s = zmq.Context().socket(zmq.REQ)
s.linger = 0
s.plain_username = sys.argv[2].encode()
s.plain_password = sys.argv[3].encode()
s.connect(sys.argv[1])
s.send(sys.argv[4].encode())
print(s.recv().decode(), flush=True)
`;

/** A pyzmq PLAIN REQ that connects, sends `text` once and prints the reply (the PLAIN client of the ZAP tests). */
export function startPlainReq(
  endpoint: string,
  username: string,
  password: string,
  text: string,
  name = 'pyzmq PLAIN client',
): PythonChild {
  return startPython(['-c', PLAIN_REQ, endpoint, username, password, text], name);
}
