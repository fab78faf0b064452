// pcapng reader (draft-ietf-opsawg-pcapng): Section Header (either byte order, any number of
// sections), Interface Description (link type, if_tsresol incl. power-of-2, if_tsoffset),
// Enhanced Packet, Simple Packet and the obsolete Packet block. Other blocks are skipped without
// being buffered. Structural corruption (bad block length, mismatched trailer) is reported as a
// warning and stops reading, since nothing after it can be trusted.
// One parser (`blocks`) hands packets to a PacketSink, reading each block in place in its chunk (one
// Buffer view per packet, its data); readPcapngBatches collects them as Packet objects (packet-batches.ts),
// the capture thread takes them as they come (readPcapngInto).
import { ChunkReader, type ByteSource } from './chunk-reader.js';
import { CaptureError } from './errors.js';
import { MAX_BLOCK_LENGTH, MAX_CAPLEN } from './limits.js';
import type { CaptureWarningCode } from './diagnostics.js';
import { packetBatches } from './packet-batches.js';
import { uint32 } from './uint32.js';
import type { PacketSink } from './pcap.js';
import { captureWarning, type CaptureWarning, type Packet } from './types.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002; // obsolete Packet Block
export const BT_SPB = 0x00000003;
export const BT_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second, as a BigInt (10^n or 2^n). */
  unitsPerSecond: bigint;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSec: bigint;
  /** unitsPerSecond as a number when timestamps can be worked out without BigInt, else 0 (set on first use). */
  plainUnits?: number;
}

/** True when the 4 bytes are a pcapng Section Header Block type. */
export function isPcapngMagic(magic: Buffer): boolean {
  return magic.length >= 4 && magic.readUInt32BE(0) === BT_SHB;
}

const NS = 1_000_000_000n;

export async function* readPcapng(source: ByteSource | ChunkReader): AsyncGenerator<Packet | CaptureWarning> {
  for await (const batch of readPcapngBatches(source)) yield* batch;
}

/** readPcapng, a batch at a time: every packet already read, in order (fewer awaits for fast consumers). */
export async function* readPcapngBatches(source: ByteSource | ChunkReader): AsyncGenerator<(Packet | CaptureWarning)[]> {
  const reader = source instanceof ChunkReader ? source : new ChunkReader(source);
  try {
    yield* packetBatches((sink) => readPcapngInto(reader, sink));
  } finally {
    await reader.close();
  }
}

/** Reads a pcapng file into `sink`, yielding once the packets of each read have been handed over. */
export async function* readPcapngInto(reader: ChunkReader, sink: PacketSink): AsyncGenerator<void> {
  if (!(await reader.fill(4))) {
    if (reader.buffered === 0) throw new CaptureError('EEMPTY', 'capture is empty (0 bytes)');
    throw new CaptureError('EBADMAGIC', `capture is too short to be a pcapng file (${reader.buffered} bytes)`);
  }
  if (!isPcapngMagic(reader.peek(4))) {
    throw new CaptureError('EBADMAGIC', `not a pcapng file: first block type 0x${reader.peek(4).toString('hex')} is not a Section Header`);
  }
  yield* blocks(reader, sink);
}

function u16(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt16LE(o) : b.readUInt16BE(o);
}

/** A packet's time, worked out by `timestamp`: one object per reader, not one per packet. */
interface Timestamp {
  sec: number;
  nsec: number;
}

async function* blocks(reader: ChunkReader, sink: PacketSink): AsyncGenerator<void> {
  // Every block already buffered is decoded without awaiting; the sink's consumer gets a turn before each read.
  let le = true;
  let interfaces: Interface[] = [];
  let index = 0;
  let section = 0;
  const ts: Timestamp = { sec: 0, nsec: 0 };
  const warn = (code: CaptureWarningCode, message: string, at?: number) => sink.warning(captureWarning(code, message, at));

  blocks: for (;;) {
    const blockStart = reader.position;
    if (!reader.has(12)) {
      yield;
      await reader.fill(12);
    }
    if (!reader.has(12)) {
      if (reader.buffered > 0)
        warn(
          'CAPTURE_TRUNCATED',
          `capture is truncated: block at offset ${blockStart} has ${reader.buffered} of at least 12 bytes; packets before it were read`,
          index + 1,
        );
      break blocks;
    }
    // The block's first 12 bytes, in place (a copy only when they are split between chunks).
    const contiguousHead = reader.contiguous(12);
    const head = contiguousHead ? reader.head : reader.peek(12);
    const h = contiguousHead ? reader.headOffset : 0;
    let type = uint32(head, h, le);
    if (type === BT_SHB) {
      if (head.readUInt32LE(h + 8) === BYTE_ORDER_MAGIC) le = true;
      else if (head.readUInt32BE(h + 8) === BYTE_ORDER_MAGIC) le = false;
      else {
        warn(
          'CAPTURE_CORRUPT',
          `section header at offset ${blockStart} has an invalid byte-order magic 0x${head.toString('hex', h + 8, h + 12)}; reading stopped`,
        );
        break blocks;
      }
      type = BT_SHB;
    }
    const length = uint32(head, h + 4, le);
    if (length < 12 || length % 4 !== 0) {
      warn(
        'CAPTURE_CORRUPT',
        `block at offset ${blockStart} (type 0x${type.toString(16)}) has an invalid length ${length}; file is corrupt, reading stopped`,
        index + 1,
      );
      break blocks;
    }
    const known = type === BT_SHB || type === BT_IDB || type === BT_EPB || type === BT_SPB || type === BT_PB;
    if (!known) {
      // Unknown or uninteresting block (statistics, name resolution, custom, ...): dropped when already
      // buffered, else skipped by streaming (never buffered whole), after a turn for the sink's consumer.
      if (reader.has(length)) {
        reader.drop(length);
        continue;
      }
      yield;
      const skipped = await reader.skip(length);
      if (skipped < length) {
        warn(
          'CAPTURE_TRUNCATED',
          `capture is truncated: block at offset ${blockStart} (type 0x${type.toString(16)}) has ${skipped} of ${length} bytes`,
          index + 1,
        );
        break blocks;
      }
      continue;
    }
    if (length > MAX_BLOCK_LENGTH || (type !== BT_SHB && type !== BT_IDB && length > MAX_CAPLEN + 4096)) {
      warn(
        'CAPTURE_CORRUPT',
        `block at offset ${blockStart} (type 0x${type.toString(16)}) claims ${length} bytes, over the limit; file is corrupt, reading stopped`,
        index + 1,
      );
      break blocks;
    }
    if (!reader.has(length)) {
      yield;
      await reader.fill(length);
    }
    if (!reader.has(length)) {
      const isPacket = type === BT_EPB || type === BT_SPB || type === BT_PB;
      warn(
        'CAPTURE_TRUNCATED',
        `capture is truncated: ${isPacket ? `packet ${index + 1}` : `block at offset ${blockStart}`} has ${reader.buffered} of ${length} bytes; packets before it were read`,
        isPacket ? index + 1 : undefined,
      );
      break blocks;
    }
    // The whole block, in place (a copy only when it is split between chunks): block[b .. b + length).
    let block: Buffer;
    let b: number;
    if (reader.contiguous(length)) {
      block = reader.head;
      b = reader.headOffset;
      reader.drop(length);
    } else {
      block = reader.read(length);
      b = 0;
    }
    const trailer = uint32(block, b + length - 4, le);
    if (trailer !== length) {
      warn(
        'CAPTURE_CORRUPT',
        `block at offset ${blockStart}: trailing length ${trailer} differs from leading length ${length}; file is corrupt, reading stopped`,
        index + 1,
      );
      break blocks;
    }
    const bodyLength = length - 12;

    switch (type) {
      case BT_SHB: {
        section++;
        interfaces = [];
        if (bodyLength < 16) {
          warn('CAPTURE_CORRUPT', `section header at offset ${blockStart} is too short (${length} bytes); reading stopped`);
          break blocks;
        }
        const major = u16(block, b + 12, le);
        if (major !== 1) {
          warn(
            'CAPTURE_UNSUPPORTED',
            `section ${section} has unsupported pcapng version ${major}.${u16(block, b + 14, le)}; reading stopped`,
          );
          break blocks;
        }
        break;
      }
      case BT_IDB: {
        if (bodyLength < 8) {
          warn('CAPTURE_BAD_RECORD', `interface description at offset ${blockStart} is too short; interface ${interfaces.length} ignored`);
          interfaces.push({ linkType: -1, snapLen: 0, unitsPerSecond: 1_000_000n, offsetSec: 0n });
          break;
        }
        const iface: Interface = {
          linkType: u16(block, b + 8, le),
          snapLen: uint32(block, b + 12, le),
          unitsPerSecond: 1_000_000n,
          offsetSec: 0n,
        };
        const problem = parseIdbOptions(block.subarray(b + 16, b + length - 4), le, iface);
        if (problem) warn('CAPTURE_BAD_RECORD', `interface ${interfaces.length} in section ${section}: ${problem}`);
        interfaces.push(iface);
        break;
      }
      case BT_EPB:
      case BT_PB: {
        index++;
        const fixed = 20;
        if (bodyLength < fixed) {
          warn(
            'CAPTURE_BAD_RECORD',
            `packet ${index}: ${type === BT_EPB ? 'enhanced' : 'obsolete'} packet block is too short (${length} bytes); skipped`,
            index,
          );
          break;
        }
        const ifId = type === BT_EPB ? uint32(block, b + 8, le) : u16(block, b + 8, le);
        const caplen = uint32(block, b + 20, le);
        const iface = interfaces[ifId];
        if (!iface || iface.linkType < 0) {
          warn(
            'CAPTURE_BAD_RECORD',
            `packet ${index}: refers to interface ${ifId}, but section ${section} describes ${interfaces.length}; skipped`,
            index,
          );
          break;
        }
        if (caplen > bodyLength - fixed) {
          warn(
            'CAPTURE_BAD_RECORD',
            `packet ${index}: captured length ${caplen} exceeds its block (${bodyLength - fixed} bytes); skipped`,
            index,
          );
          break;
        }
        timestamp(iface, uint32(block, b + 12, le), uint32(block, b + 16, le), ts);
        const data = block.subarray(b + 28, b + 28 + caplen);
        sink.packet(iface.linkType, data, ts.sec, ts.nsec, uint32(block, b + 24, le), index, ifId);
        break;
      }
      case BT_SPB: {
        index++;
        const iface = interfaces[0];
        if (bodyLength < 4 || !iface || iface.linkType < 0) {
          warn(
            'CAPTURE_BAD_RECORD',
            `packet ${index}: simple packet block ${bodyLength < 4 ? 'is too short' : 'without an interface 0'}; skipped`,
            index,
          );
          break;
        }
        const origLen = uint32(block, b + 8, le);
        // A simple packet block's captured length is implied: min(original length, snap length, room in block).
        let caplen = Math.min(origLen, bodyLength - 4);
        if (iface.snapLen > 0) caplen = Math.min(caplen, iface.snapLen);
        const data = block.subarray(b + 12, b + 12 + caplen);
        sink.packet(iface.linkType, data, 0, 0, origLen, index, 0); // a simple packet block has no timestamp
        break;
      }
    }
  }
  yield;
}

/** Works out a packet's time from its timestamp units into `out`. */
function timestamp(iface: Interface, tsHigh: number, tsLow: number, out: Timestamp): void {
  // Usual case (microsecond or coarser, no offset, a timestamp below 2^53 units): exact in plain numbers,
  // much cheaper than BigInt.
  iface.plainUnits ??= iface.offsetSec === 0n && iface.unitsPerSecond <= 1_000_000n ? Number(iface.unitsPerSecond) : 0;
  const ups1 = iface.plainUnits;
  if (ups1 > 0 && tsHigh < 0x200000) {
    const all = tsHigh * 0x100000000 + tsLow;
    let sec = Math.floor(all / ups1);
    let rem = all - sec * ups1;
    if (rem < 0) {
      sec--;
      rem += ups1;
    } else if (rem >= ups1) {
      sec++;
      rem -= ups1;
    }
    out.sec = sec;
    out.nsec = Math.floor((rem * 1e9) / ups1);
    return;
  }
  const units = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
  const ups = iface.unitsPerSecond;
  out.sec = Number(units / ups + iface.offsetSec);
  out.nsec = Number(((units % ups) * NS) / ups);
}

/** Reads the IDB options this reader needs; returns a description of the first problem, if any. */
function parseIdbOptions(opts: Buffer, le: boolean, iface: Interface): string | undefined {
  let o = 0;
  while (o + 4 <= opts.length) {
    const code = le ? opts.readUInt16LE(o) : opts.readUInt16BE(o);
    const len = le ? opts.readUInt16LE(o + 2) : opts.readUInt16BE(o + 2);
    if (code === OPT_END) return undefined;
    const start = o + 4;
    if (start + len > opts.length) return `option ${code} length ${len} runs past the block`;
    if (code === IF_TSRESOL) {
      if (len !== 1) return `if_tsresol has length ${len}, expected 1`;
      const v = opts[start];
      const exp = v & 0x7f;
      if (v & 0x80) {
        if (exp > 63) return `if_tsresol 2^-${exp} is out of range`;
        iface.unitsPerSecond = 1n << BigInt(exp);
      } else {
        if (exp > 19) return `if_tsresol 10^-${exp} is out of range`;
        iface.unitsPerSecond = 10n ** BigInt(exp);
      }
      if (iface.unitsPerSecond === 0n) iface.unitsPerSecond = 1n;
    } else if (code === IF_TSOFFSET) {
      if (len !== 8) return `if_tsoffset has length ${len}, expected 8`;
      iface.offsetSec = le ? opts.readBigInt64LE(start) : opts.readBigInt64BE(start);
    }
    o = start + ((len + 3) & ~3);
  }
  return undefined;
}
