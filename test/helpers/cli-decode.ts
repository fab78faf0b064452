// What `zmtp decode --json` (the built CLI, as a user runs it) finds in a capture file: the reference the
// UI's counts are checked against.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Records, messages and distinct connections of `zmtp decode --json FILE`. */
export async function cliCounts(file: string): Promise<{ records: number; messages: number; connections: number }> {
  const child = spawn(process.execPath, [join(root, 'bin/zmtp.js'), 'decode', '--json', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let records = 0;
  let messages = 0;
  const conns = new Set<number>();
  for await (const line of createInterface({ input: child.stdout })) {
    const r = JSON.parse(line) as { type: string; conn: number };
    records++;
    if (r.type === 'message') messages++;
    conns.add(r.conn);
  }
  assert.equal(await exited, 0);
  return { records, messages, connections: conns.size };
}
