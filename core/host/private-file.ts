// Settings files that hold secrets (zmtp serve's token, the ZAP policy's PLAIN passwords): readable by
// their owner only, like ~/.ssh keys or ~/.pgpass. Written atomically (a temp file created with mode 0600,
// then renamed over the old one) so no moment exists where the secret sits in a file others can read, and
// a crash leaves the old file or the new one, never half of one. A file found with looser permissions
// (copied around, restored from a backup) is tightened when read.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostError } from './errors.js';

const OWNER_ONLY = 0o600;

/** The file's text, or undefined when it does not exist; its mode is made 0600 if others could read it. */
export function readPrivateFile(path: string, what: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostError(`cannot read the ${what} file ${path}: ${(err as Error).message}`, 'EIO');
  }
  try {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, OWNER_ONLY);
  } catch {
    // Not ours to change (another owner): it is still read; writing it back makes a 0600 file.
  }
  return text;
}

export function writePrivateFile(path: string, text: string, what: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // The settings folder too is the owner's only when we make it (an existing one is left as it is).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(temp, text, { mode: OWNER_ONLY });
    // mode applies only when the file is created: a temp file left by a crash keeps its old mode.
    chmodSync(temp, OWNER_ONLY);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* not created */
    }
    throw new HostError(`cannot save the ${what} file ${path}: ${(err as Error).message}`, 'EIO');
  }
}
