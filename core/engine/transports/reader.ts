// Reads a tcp/ipc socket into memory we choose (Node's `onread` user buffers) instead of a fresh 64 KiB
// Buffer per read: a read lands directly in the body of a large frame whose header is known (no copy,
// like libzmq's zero-copy decoding), and otherwise in a slab that frames are sliced from. Fewer, larger
// allocations mean far less garbage collection at high data rates.
//
// Node keeps the memory of the next read in two places: its C++ side reads into the buffer that the
// read callback's return value last gave it, while its JS side hands the callback the buffer it last
// got from us. When an exception escapes the JS run after a read (a process.nextTick callback of the
// application throwing, swallowed by an 'uncaughtException' handler), the C++ side never takes the new
// buffer: it reads into the old one, whose bytes were already handed out as frames, and the callback
// is told about the new one. One read would be lost, handed-out frames overwritten and the ZMTP stream
// desynchronised. So the reader trusts only its own record of where the read goes, and after any
// uncaught exception it gives the C++ side that record again (see resyncAfterThrow).
import net from 'node:net';

export interface ReadSink {
  /** Memory the next read should fill (the rest of a large frame body), or undefined. */
  directTarget(): Buffer | undefined;
  /** `n` bytes were read into the last direct target. */
  onDirect(n: number, data: Buffer): void;
  /** `chunk` was read (a slice of a slab, never reused). */
  onChunk(chunk: Buffer): void;
}

/** Read sizes adapt: a read that fills its buffer doubles the next one (fast peer), a small one halves it. */
const MIN_READ = 16 * 1024;
const START_READ = 64 * 1024;
const MAX_READ = 1024 * 1024;
/** Room kept after reads for frames up to this size to grow in place; larger ones are gathered on their own. */
const MAX_ROOM = 256 * 1024;
/** Direct reads only for remainders at least this big; smaller ones are cheaper to copy. */
const MIN_DIRECT = 4096;

export class SlabReader {
  private sink?: ReadSink;
  /** The socket whose reads this is (for resyncAfterThrow), once known. */
  socket?: net.Socket;
  /** Where the next read goes: the buffer next() last returned. */
  private current?: Buffer;
  private held: Buffer[] = [];
  private readSize = START_READ;
  private slab: Buffer = Buffer.allocUnsafeSlow(START_READ);
  private used = 0;
  private direct = false;
  private offered = 0;
  /** Where the last chunk read into the slab ends (before alignment padding). */
  private chunkEnd = 0;
  /** Free bytes kept after each slab read: the size of the large frames recently seen (capped). */
  private room = 0;
  private grewSinceSlab = false;

  /**
   * Connects the consumer; bytes read before it existed are handed over first, in a microtask: the
   * consumer attaches from its constructor and must be complete before it sees them (after a SOCKS
   * exchange the peer's greeting is already here). No read can come in between (reads are I/O callbacks).
   */
  attach(sink: ReadSink): void {
    this.sink = sink;
    if (!this.held.length) return;
    queueMicrotask(() => {
      const held = this.held;
      this.held = [];
      for (const c of held) this.sink?.onChunk(c);
    });
  }

  /**
   * Stops handing reads to the consumer (a SOCKS exchange done with the socket); what it read but did not
   * use (`rest`) and anything read meanwhile go to the next one attach() connects.
   */
  detach(rest?: Buffer): void {
    this.sink = undefined;
    if (rest?.length) this.held.unshift(rest);
  }

  /** Node's onread.buffer: where the next read goes. */
  readonly next = (): Buffer => {
    this.current = this.target();
    return this.current;
  };

  private target(): Buffer {
    const target = this.sink?.directTarget();
    if (target && target.length >= MIN_DIRECT) {
      this.direct = true;
      return target.length > MAX_READ ? target.subarray(0, MAX_READ) : target;
    }
    this.direct = false;
    // The rest of the slab is offered while it is a worthwhile read (a quarter of the read size or more):
    // leaving every tail shorter than a full read unused wasted up to a third of each slab, and every
    // slab byte is memory to allocate, fault in and collect.
    // Each read leaves `room` free after it, so a large frame that starts in it can grow in place.
    const room = this.room;
    if (this.slab.length - this.used - room < Math.max(MIN_READ, this.readSize / 4)) {
      // Frames already handed out keep the old slab alive as long as they are referenced.
      this.slab = Buffer.allocUnsafeSlow(Math.max(this.readSize * 2, START_READ) + room);
      this.used = 0;
      // Large frames stopped coming (none asked to grow since the last slab): stop keeping room.
      if (!this.grewSinceSlab) this.room = 0;
      this.grewSinceSlab = false;
    }
    this.offered = Math.min(this.readSize, this.slab.length - this.used - room);
    return this.slab.subarray(this.used, this.used + this.offered);
  }

  /**
   * Node's onread.callback. The bytes are where next() last pointed, whatever buffer Node's JS side
   * names (see the top of this file); `_buf` is that name.
   */
  readonly onread = (n: number, _buf: Uint8Array): void => {
    lastRead = this;
    const b = this.current ?? (_buf as Buffer);
    if (this.direct) {
      this.sink!.onDirect(n, b.subarray(0, n));
      return;
    }
    const chunk = b.subarray(0, n);
    if (n >= this.readSize && this.readSize < MAX_READ) this.readSize *= 2;
    else if (n < this.readSize / 4 && n < this.offered && this.readSize > MIN_READ) this.readSize /= 2;
    this.chunkEnd = this.used + n;
    // Keep slices 8-byte aligned so Float64Array views over received frames stay possible.
    this.used += (n + 7) & ~7;
    if (this.sink) this.sink.onChunk(chunk);
    else this.held.push(chunk);
  };

  /**
   * The decoder's BodyInPlace: a large frame whose start ends the last chunk read into the slab grows
   * right there when the slab has room for the rest, which the next reads then fill directly. Without
   * this, that start (on average half a frame per read when reads end mid-frame, as they mostly do)
   * was copied into a buffer of its own.
   */
  readonly bodyInPlace = (head: Buffer, size: number): Buffer | undefined => {
    const slab = this.slab;
    if (size <= MAX_ROOM) {
      this.room = Math.max(this.room, size);
      this.grewSinceSlab = true;
    }
    if (head.buffer !== slab.buffer) return undefined;
    const start = head.byteOffset - slab.byteOffset;
    if (start < 0 || start + head.length !== this.chunkEnd || start + size > slab.length) return undefined;
    this.used = Math.min(slab.length, (start + size + 7) & ~7);
    this.chunkEnd = start + size;
    return slab.subarray(start, start + size);
  };

  get onreadOption(): { buffer: () => Buffer; callback: (n: number, buf: Uint8Array) => void } {
    return { buffer: this.next, callback: this.onread };
  }

  /**
   * After an uncaught exception: the socket's C++ side may still point at the memory of the last read
   * (already handed out), so it is given a fresh next() target as libuv's read buffer, which is also
   * where onread looks. Harmless when nothing was lost: the target is then where it pointed anyway.
   */
  resyncAfterThrow(): void {
    const handle = (this.socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } } | undefined)?._handle;
    if (typeof handle?.useUserBuffer !== 'function' || this.socket!.destroyed) return;
    handle.useUserBuffer(this.next());
  }

  /**
   * The socket closed: nothing more is read. The reader stops being the one that read last (that
   * module-level record would otherwise keep it, its slab, socket and consumer alive until another
   * socket read) and lets go of its memory, even while a closed connection still refers to it.
   */
  release(): void {
    if (lastRead === this) lastRead = undefined;
    this.slab = NO_SLAB;
    this.used = 0;
    this.chunkEnd = 0;
    this.current = undefined;
    this.held = [];
    this.sink = undefined;
  }
}

/** A released reader's slab: empty, so no frame can grow in place in it. */
const NO_SLAB = Buffer.alloc(0);

/**
 * The reader whose read callback ran last. An exception can only leave Node's JS run after a read of
 * the reader that read last (one read is handled at a time, and its ticks and microtasks run before
 * anything else is read), so only that one can be out of step.
 */
let lastRead: SlabReader | undefined;
let watching = false;

/** Starts watching for uncaught exceptions (a monitor: it changes nothing about how they are handled). */
function watchThrows(): void {
  if (watching) return;
  watching = true;
  process.on('uncaughtExceptionMonitor', () => {
    try {
      lastRead?.resyncAfterThrow();
    } catch {
      // The exception being reported matters more; a reader that cannot resync reads as it did.
    }
  });
}

const readers = new WeakMap<net.Socket, SlabReader>();

/** The reader a transport set up for this socket, if any. */
export function readerOf(socket: net.Socket): SlabReader | undefined {
  return readers.get(socket);
}

/** Makes `reader` the one of `socket` (found by readerOf) until the socket closes, when it is released. */
function readThrough(socket: net.Socket, reader: SlabReader): void {
  reader.socket = socket;
  watchThrows();
  readers.set(socket, reader);
  socket.once('close', () => reader.release());
  socket.unref();
}

/** A client socket reading through a SlabReader. */
export function connectWithReader(options: net.NetConnectOpts): net.Socket {
  const reader = new SlabReader();
  const socket = net.connect({ ...options, onread: reader.onreadOption } as unknown as net.NetConnectOpts);
  readThrough(socket, reader);
  return socket;
}

/**
 * Takes over an accepted socket's handle into a socket that reads through a SlabReader. Node offers
 * `onread` only to sockets it constructs from options, so a server created with pauseOnConnect hands
 * us a not-yet-reading socket whose handle we adopt. Falls back to the socket as it is (no reader).
 */
export function adoptAccepted(sock: net.Socket): { socket: net.Socket; reader?: SlabReader } {
  const handle = (sock as unknown as { _handle?: unknown })._handle;
  if (!handle) {
    sock.resume();
    sock.unref();
    return { socket: sock };
  }
  const reader = new SlabReader();
  let adopted: net.Socket;
  try {
    adopted = new net.Socket({
      handle: handle as never,
      readable: true,
      writable: true,
      onread: reader.onreadOption,
    } as net.SocketConstructorOpts);
  } catch {
    sock.resume();
    sock.unref();
    return { socket: sock };
  }
  // The original wrapper no longer owns the handle; destroying it only settles the server's count.
  (sock as unknown as { _handle: unknown })._handle = null;
  sock.destroy();
  readThrough(adopted, reader);
  return { socket: adopted, reader };
}
