// `zmtp serve --captures DIR`: the one folder whose capture files the page may list and open in place
// (decoded from where they lie, as the desktop app opens a path: no upload, no copy). The page names a file
// by its plain name only; the resolved file must lie inside the folder (a symlink pointing out is refused),
// and the folder's path never reaches a client (serve.ts masks it in every reply).
import { realpathSync, statSync } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { HostError } from '../host/errors.js';
import type { ServerCaptureFile, ServerCaptureList } from './server-capture-list.js';

/** The extensions listed and opened: what the decoder reads (pcap and pcapng; it takes no compressed files). */
export const CAPTURE_EXTENSIONS = ['.pcap', '.pcapng', '.cap'];
/** The most files a list holds (the first by name); a folder of more says `truncated`. */
export const MAX_LISTED = 1000;
/** Directory entries looked at per list: a huge folder costs a bounded scan, not a stat per entry. */
const MAX_SCANNED = 100_000;

const isCaptureName = (name: string) => CAPTURE_EXTENSIONS.includes(extname(name).toLowerCase());

/** Checks a `--captures` value: an existing directory other than the file system root. Returns its absolute path, or why not. */
export function capturesFolderOption(value: string): { dir: string } | { problem: string } {
  const dir = resolve(value);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: `--captures '${value}': ${code === 'ENOENT' ? 'no such folder' : `cannot be read (${code ?? 'error'})`}` };
  }
  if (!isDir) return { problem: `--captures '${value}' is not a folder` };
  // Its path is masked in every reply as text: masking '/' would garble every reply.
  if (realpathSync(dir) === sep) {
    return { problem: `--captures '${value}' is the file system root: name the folder that holds the captures` };
  }
  return { dir };
}

export class ServedCaptures {
  /** The folder as given and as resolved: the strings serve.ts masks in replies. */
  readonly paths: string[];

  constructor(readonly dir: string) {
    this.paths = [...new Set([dir, realpathSync(dir)])];
  }

  async list(): Promise<ServerCaptureList> {
    const names: string[] = [];
    let scanned = 0;
    let folder;
    try {
      folder = await opendir(this.dir);
    } catch (err) {
      throw new HostError(`the captures folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'ENOENT');
    }
    try {
      for await (const entry of folder) {
        if (++scanned > MAX_SCANNED) break;
        if ((entry.isFile() || entry.isSymbolicLink()) && isCaptureName(entry.name)) names.push(entry.name);
      }
    } finally {
      await folder.close().catch(() => undefined);
    }
    names.sort();
    // The folder's real path once for the whole list, not once per file (gone meanwhile: nothing listed).
    const realFolder = await realpath(this.dir).catch(() => undefined);
    const files: ServerCaptureFile[] = [];
    let truncated = scanned > MAX_SCANNED;
    for (const name of names) {
      if (realFolder === undefined) break;
      if (files.length === MAX_LISTED) {
        truncated = true;
        break;
      }
      // The same rules as opening: a symlink out of the folder, or to a folder, is not listed.
      const file = await this.resolveIn(realFolder, name).catch(() => undefined);
      if (file) files.push({ name, size: file.size, modified: Math.round(file.modified) });
    }
    return { folder: basename(this.dir) || this.dir, files, truncated };
  }

  /**
   * The real path of the folder's file `name` (a plain file name the page got from list()), with its size
   * and modification time; a HostError (EINVAL, ENOENT, EPERM) saying why it may not be opened otherwise.
   */
  async resolve(name: unknown): Promise<{ path: string; size: number; modified: number }> {
    const plain = plainCaptureName(name);
    let folder: string;
    try {
      folder = await realpath(this.dir);
    } catch (err) {
      throw notOpened(plain, err);
    }
    return this.resolveIn(folder, plain);
  }

  /** resolve() with the folder's real path already had. */
  private async resolveIn(folder: string, name: string): Promise<{ path: string; size: number; modified: number }> {
    plainCaptureName(name); // names from the directory too: one may hold a backslash
    let real: string;
    try {
      real = await realpath(join(this.dir, name));
    } catch (err) {
      throw notOpened(name, err);
    }
    if (!real.startsWith(folder + sep)) throw new HostError(`${name} leads out of the captures folder (a link): not opened`, 'EPERM');
    const st = await stat(real);
    if (!st.isFile()) throw new HostError(`${name} is not a regular file`, 'EINVAL');
    return { path: real, size: st.size, modified: st.mtimeMs };
  }
}

/** `name` if it is a plain capture file name (no path, a capture extension); a HostError (EINVAL) otherwise. */
function plainCaptureName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new HostError('name the capture file to open (?name=FILE)', 'EINVAL');
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new HostError(`'${name}' is not a plain file name: the captures folder is opened by file name only`, 'EINVAL');
  }
  if (!isCaptureName(name)) throw new HostError(`'${name}' is not a capture file (${CAPTURE_EXTENSIONS.join(', ')})`, 'EINVAL');
  return name;
}

/** Why the folder or a file in it could not be resolved, as a HostError naming the file. */
function notOpened(name: string, err: unknown): HostError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new HostError(`${name} is not in the captures folder`, 'ENOENT');
  return new HostError(`${name} cannot be opened (${code ?? 'error'})`, code === 'EACCES' ? 'EPERM' : 'EINVAL');
}
