// Classic libpcap files: microsecond (magic 0xa1b2c3d4) and nanosecond (0xa1b23c4d) resolution, either
// byte order, and Kuznetzov's modified format (0xa1b2cd34, 24-byte record headers).
// Microsecond files go through the `pcap-parser` package (the project's chosen pcap reader), fed a chunk
// at a time; it knows neither the nanosecond nor the modified variant, so those are parsed here. Packet
// data are views of the chunk they were read in (pcap-parser never writes to a buffer it has handed out).
// Each variant has one parser, which hands packets to a PacketSink; readPcapBatches collects them as
// Packet objects (packet-batches.ts), the capture thread takes them as they come (readPcapInto).
import type PcapParser from 'pcap-parser';
import type { PcapGlobalHeader, PcapPacketHeader } from 'pcap-parser';
import { lazyPackage } from '../zmtp/lazy-package.js';
import { ChunkReader, type ByteSource } from './chunk-reader.js';
import { CaptureError } from './errors.js';
import { MAX_CAPLEN } from './limits.js';
import { uint32 } from './uint32.js';
import { packetBatches } from './packet-batches.js';
import { captureWarning, type CaptureWarning, type Packet } from './types.js';

/** Loaded on the first microsecond pcap file, not when the engine is imported (see lazy-package.ts). */
const pcapParser = lazyPackage<typeof PcapParser>('pcap-parser');

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

export type PcapVariant = { resolution: 'usec' | 'nsec'; bigEndian: boolean; modified: boolean };

/** Recognises the 4 magic bytes of a classic pcap file, or returns undefined. */
export function pcapVariant(magic: Buffer): PcapVariant | undefined {
  if (magic.length < 4) return undefined;
  for (const bigEndian of [true, false]) {
    const m = bigEndian ? magic.readUInt32BE(0) : magic.readUInt32LE(0);
    if (m === PCAP_MAGIC_USEC) return { resolution: 'usec', bigEndian, modified: false };
    if (m === PCAP_MAGIC_NSEC) return { resolution: 'nsec', bigEndian, modified: false };
    if (m === PCAP_MAGIC_MODIFIED) return { resolution: 'usec', bigEndian, modified: true };
  }
  return undefined;
}

/** What packets and warnings are handed to as they are read, when no Packet object is wanted for each
 *  (the capture thread: readPcapInto, CaptureSource.into). `data` is a view of the buffer the packet was
 *  read in, which no reader writes to again. */
export interface PacketSink {
  /** `interfaceId`: the pcapng interface; classic pcap leaves it out (0). */
  packet(linkType: number, data: Buffer, tsSec: number, tsNsec: number, origLen: number, index: number, interfaceId?: number): void;
  warning(w: CaptureWarning): void;
}

/** Reads a classic pcap file into `sink`, yielding once the packets of each read have been handed over. */
export async function* readPcapInto(source: ChunkReader, sink: PacketSink): AsyncGenerator<void> {
  const variant = await openPcap(source);
  if (variant.resolution === 'usec' && !variant.modified) yield* viaPcapParser(source, sink, variant.bigEndian);
  else yield* records(source, variant, sink);
}

/** Reads the magic; throws when there is none. */
async function openPcap(reader: ChunkReader): Promise<PcapVariant> {
  if (!(await reader.fill(4))) {
    if (reader.buffered === 0) throw new CaptureError('EEMPTY', 'capture is empty (0 bytes)');
    throw new CaptureError('EBADMAGIC', `capture is too short to be a pcap file (${reader.buffered} bytes)`);
  }
  const variant = pcapVariant(reader.peek(4));
  if (!variant) throw new CaptureError('EBADMAGIC', `not a pcap file: magic 0x${reader.peek(4).toString('hex')}`);
  return variant;
}

/** Reads a classic pcap file from a stream, yielding packets and in-stream warnings. */
export async function* readPcap(source: ByteSource | ChunkReader): AsyncGenerator<Packet | CaptureWarning> {
  for await (const batch of readPcapBatches(source)) yield* batch;
}

/** readPcap, a batch at a time: every packet already read, in order (fewer awaits for fast consumers). */
export async function* readPcapBatches(source: ByteSource | ChunkReader): AsyncGenerator<(Packet | CaptureWarning)[]> {
  const reader = source instanceof ChunkReader ? source : new ChunkReader(source);
  try {
    yield* packetBatches((sink) => readPcapInto(reader, sink));
  } finally {
    await reader.close();
  }
}

function absurdCaplen(index: number, caplen: number): CaptureWarning {
  return captureWarning(
    'CAPTURE_CORRUPT',
    `packet ${index}: captured length ${caplen} exceeds the ${MAX_CAPLEN}-byte limit; file is corrupt, reading stopped`,
    index,
  );
}

function fileHeaderTruncated(have: number): CaptureWarning {
  return captureWarning('CAPTURE_TRUNCATED', `capture is truncated: file header has ${have} of 24 bytes`);
}

function recordHeaderTruncated(index: number, have: number, size: number): CaptureWarning {
  return captureWarning(
    'CAPTURE_TRUNCATED',
    `capture is truncated: packet ${index} record header has ${have} of ${size} bytes; packets before it were read`,
    index,
  );
}

function truncated(index: number, have: number, need: number): CaptureWarning {
  return captureWarning(
    'CAPTURE_TRUNCATED',
    `capture is truncated: packet ${index} has ${have} of ${need} bytes; packets before it were read`,
    index,
  );
}

/** Microsecond pcap through pcap-parser into `sink`, yielding after each chunk fed; same warnings as `records`. */
async function* viaPcapParser(reader: ChunkReader, sink: PacketSink, bigEndian: boolean): AsyncGenerator<void> {
  // pcap-parser reads from a stream-like object; we hand it chunks ourselves, so reading stays pull-based.
  let feed: (chunk: Buffer) => void = () => undefined;
  const input = {
    pause() {},
    resume() {},
    on(event: string, fn: (...a: unknown[]) => void) {
      if (event === 'data') feed = fn;
      return input;
    },
  };
  const parser = pcapParser().parse(input);
  let linkType = -1;
  let index = 0;
  let stopped = false;
  let fed = 0;
  let consumed = 0; // bytes pcap-parser has turned into headers and packets
  let error: Error | undefined;

  // The record pcap-parser waits for the rest of (at `consumed`) has its header read from the chunks fed
  // since it began, after each feed: a 'packetHeader' listener would be called for every packet (~40 ns
  // each) to catch the rare absurd or cut-short record.
  const unparsed: Buffer[] = [];
  let unparsedStart = 0; // where unparsed[0] starts in the file
  /** The captured length in the header of the record at `consumed`; undefined while its 16 bytes are not all fed. */
  const pendingCaplen = (): number | undefined => {
    while (unparsed.length > 0 && unparsedStart + unparsed[0].length <= consumed) unparsedStart += unparsed.shift()!.length;
    if (linkType < 0 || fed - consumed < 16) return undefined;
    const bytes: number[] = [];
    let chunkStart = unparsedStart;
    for (const chunk of unparsed) {
      for (let at = Math.max(consumed + 8, chunkStart); at < chunkStart + chunk.length && bytes.length < 4; at++)
        bytes.push(chunk[at - chunkStart]);
      chunkStart += chunk.length;
    }
    if (!bigEndian) bytes.reverse();
    return bytes.reduce((v, b) => v * 256 + b, 0);
  };

  parser.on('globalHeader', (h: PcapGlobalHeader) => {
    linkType = h.linkLayerType & 0x0fffffff; // upper bits: FCS information
    consumed = 24;
  });
  parser.on('packet', (p: { header: PcapPacketHeader; data: Buffer }) => {
    if (stopped) return;
    const data = p.data;
    if (data.length > MAX_CAPLEN) {
      sink.warning(absurdCaplen(index + 1, data.length));
      stopped = true;
      return;
    }
    index++;
    consumed += 16 + data.length;
    const h = p.header;
    const usec = h.timestampMicroseconds;
    if (usec >= 1e6) {
      sink.warning(
        captureWarning('CAPTURE_BAD_RECORD', `packet ${index}: timestamp fraction ${usec} is out of range for usec resolution`, index),
      );
    }
    sink.packet(linkType, data, h.timestampSeconds, usec * 1000, h.originalLength, index);
  });
  parser.on('error', (e: Error) => {
    error = e;
  });
  parser.on('end', () => undefined);

  while (!stopped && !error && (await reader.fill(1))) {
    const chunk = reader.readRest();
    fed += chunk.length;
    unparsed.push(chunk);
    feed(chunk);
    const caplen = stopped || error ? undefined : pendingCaplen();
    if (caplen !== undefined && caplen > MAX_CAPLEN) {
      // Stop before pcap-parser buffers the rest of the file for it.
      sink.warning(absurdCaplen(index + 1, caplen));
      stopped = true;
    }
    yield;
  }
  if (error) throw new CaptureError('EBADMAGIC', `not a readable pcap file: ${error.message}`, { cause: error });
  if (stopped || fed === consumed) return;
  const caplen = pendingCaplen();
  if (linkType < 0) {
    sink.warning(fileHeaderTruncated(fed));
  } else if (caplen !== undefined) {
    sink.warning(truncated(index + 1, fed - consumed - 16, caplen));
  } else {
    sink.warning(recordHeaderTruncated(index + 1, fed - consumed, 16));
  }
  yield;
}

/** Nanosecond and modified pcap into `sink`, read in place in the chunk: one Buffer view per packet (its
 *  data; a copy when a record spans chunks), yielding before each read. */
async function* records(reader: ChunkReader, v: PcapVariant, sink: PacketSink): AsyncGenerator<void> {
  if (!(await reader.fill(24))) {
    sink.warning(fileHeaderTruncated(reader.buffered));
    yield;
    return;
  }
  const gh = reader.read(24);
  const be = v.bigEndian;
  const linkType = (be ? gh.readUInt32BE(20) : gh.readUInt32LE(20)) & 0x0fffffff; // upper bits: FCS information
  const recordHeader = v.modified ? 24 : 16;
  const nsec = v.resolution === 'nsec';
  const unitsPerSecond = nsec ? 1e9 : 1e6;
  let index = 0;
  for (;;) {
    // Every record already buffered, without awaiting; then one read for more.
    let need = recordHeader;
    while (reader.has(recordHeader)) {
      let rh: Buffer;
      let at: number;
      if (reader.contiguous(recordHeader)) {
        rh = reader.head;
        at = reader.headOffset;
      } else {
        rh = reader.peek(recordHeader); // a copy of a header split between chunks
        at = 0;
      }
      const caplen = uint32(rh, at + 8, !be);
      if (caplen > MAX_CAPLEN) {
        sink.warning(absurdCaplen(index + 1, caplen));
        yield;
        return;
      }
      if (!reader.has(recordHeader + caplen)) {
        need = recordHeader + caplen;
        break;
      }
      index++;
      const sec = uint32(rh, at, !be);
      const frac = uint32(rh, at + 4, !be);
      const origLen = uint32(rh, at + 12, !be);
      reader.drop(recordHeader);
      const data = reader.read(caplen);
      if (frac >= unitsPerSecond) {
        sink.warning(
          captureWarning(
            'CAPTURE_BAD_RECORD',
            `packet ${index}: timestamp fraction ${frac} is out of range for ${v.resolution} resolution`,
            index,
          ),
        );
      }
      sink.packet(linkType, data, sec, nsec ? frac : frac * 1000, origLen, index);
    }
    yield;
    if (!(await reader.fill(need))) {
      if (reader.buffered === 0) return;
      if (reader.buffered < recordHeader) {
        sink.warning(recordHeaderTruncated(index + 1, reader.buffered, recordHeader));
      } else {
        sink.warning(truncated(index + 1, reader.buffered - recordHeader, need - recordHeader));
      }
      yield;
      return;
    }
  }
}
