// Write batching: many small frames gathered into one socket write, as libzmq's encoder fills its
// out_batch_size buffer. A socket write costs far more than copying a small body, so small frames are
// copied into a scratch buffer behind their headers; a large body is not worth copying and goes to the
// socket by reference, behind its header. The connection writes the parts in one corked burst.
import type { Msg } from '../pipe.js';
import type { VersionEncoder } from './encoder.js';

/** Frames up to this size are copied into the batch buffer; larger ones are written by reference. */
export const COPY_LIMIT = 16 * 1024;
/** Bytes gathered per socket write before yielding to the event loop. */
export const FLUSH_BUDGET = 1024 * 1024;
/**
 * The same when the peer is this process's other end of the connection (see same-thread.ts): about the
 * core's L2 cache (512 KiB here), so what one end writes is mostly still cached when the other reads it,
 * and a few 64 KiB messages share each event-loop turn. Measured on a loaded 2-core machine (64 KiB
 * PUSH/PULL in one process, CPU time per message, variants alternating in one run, since turns end
 * without a setImmediate): 128 KiB 50.6 us, 256 KiB 46.8, 512 KiB 42.3, 1 MiB 38.8, zeromq.js 63.4.
 * Under load fewer turns win; an earlier calm measurement favoured small writes (see same-thread.ts),
 * so this stays below the 1 MiB of other connections.
 */
export const SAME_THREAD_FLUSH_BUDGET = 512 * 1024;
/** Bytes handed to the socket but not yet taken by the kernel before we wait for drain. */
export const MAX_UNSENT = 4 * 1024 * 1024;
/** The most header bytes a frame takes (a 1.0 long header: 0xFF, 8-byte length, flags). */
const MAX_HEADER = 10;

export class WriteBatch {
  /** What the socket is given, in order: filled stretches of scratch buffers and large bodies. */
  readonly parts: Buffer[] = [];
  private scratch: Buffer;
  /** Where the stretch of `scratch` not yet in `parts` starts, and where the next header goes. */
  private start = 0;
  private pos = 0;

  /**
   * `first`: the first message of this flush; `readable`: messages queued; `budget`: bytes this flush
   * may write. The first buffer has room for as many messages like the first as the budget lets
   * through, so a batch of large messages does not allocate 64 KiB for a few headers.
   */
  constructor(
    private readonly encoder: VersionEncoder,
    first: Msg,
    readable: number,
    budget: number,
  ) {
    let est = 0;
    let wire = 0;
    // Only small bodies are copied into the batch; large ones go by reference and need just a header.
    for (const f of first) {
      est += (f.length <= COPY_LIMIT ? f.length : 0) + 9;
      wire += f.length + 9;
    }
    const count = Math.min(readable, Math.ceil(budget / wire) + 1);
    this.scratch = Buffer.allocUnsafe(Math.min(65536, Math.max(256, est * count)));
  }

  /** Appends one frame: its header, and its body when small. */
  add(body: Buffer, more: boolean, command: boolean): void {
    const copy = body.length <= COPY_LIMIT;
    const need = MAX_HEADER + (copy ? body.length : 0);
    if (this.scratch.length - this.pos < need) {
      if (this.pos > this.start) this.parts.push(this.scratch.subarray(this.start, this.pos));
      this.scratch = Buffer.allocUnsafe(Math.max(65536, need));
      this.start = 0;
      this.pos = 0;
    }
    this.pos = this.encoder.writeHeader(this.scratch, this.pos, more, command, body.length);
    if (copy) {
      body.copy(this.scratch, this.pos);
      this.pos += body.length;
    } else {
      this.parts.push(this.scratch.subarray(this.start, this.pos));
      this.parts.push(body);
      this.start = this.pos;
    }
  }

  /** The parts to write, the last stretch of scratch included. */
  finish(): Buffer[] {
    if (this.pos > this.start) {
      this.parts.push(this.scratch.subarray(this.start, this.pos));
      this.start = this.pos;
    }
    return this.parts;
  }
}

/**
 * Whether every frame of `msg` is small enough to be copied. A lone message (nothing queued behind it:
 * a request, a reply, a paced publisher's message) of such frames is written as one buffer of its own
 * (VersionEncoder.message): the common request/reply write skips the batch's sizing, part list and
 * scratch stretches.
 */
export function allFramesSmall(msg: Msg): boolean {
  for (let i = 0; i < msg.length; i++) if (msg[i].length > COPY_LIMIT) return false;
  return true;
}
