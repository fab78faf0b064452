// Classic libpcap files. Microsecond files (magic 0xa1b2c3d4, either byte order) go through the
// `pcap-parser` package, fed chunk by chunk so it never holds more than one record plus one chunk.
// pcap-parser knows neither the nanosecond variant (0xa1b23c4d) nor Kuznetzov's modified format
// (0xa1b2cd34, 24-byte record headers), so those are parsed here directly.
import pcapParser from 'pcap-parser';
import type { PcapGlobalHeader, PcapPacketHeader } from 'pcap-parser';
import { ChunkReader, type ByteSource } from './chunk-reader.js';
import { CaptureError } from './errors.js';
import { MAX_CAPLEN } from './limits.js';
import type { CaptureWarning, Packet } from './types.js';

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

/** Reads a classic pcap file from a stream, yielding packets and in-stream warnings. */
export async function* readPcap(source: ByteSource | ChunkReader): AsyncGenerator<Packet | CaptureWarning> {
  const reader = source instanceof ChunkReader ? source : new ChunkReader(source);
  try {
    if (!(await reader.fill(4))) {
      if (reader.buffered === 0) throw new CaptureError('EEMPTY', 'capture is empty (0 bytes)');
      throw new CaptureError('EBADMAGIC', `capture is too short to be a pcap file (${reader.buffered} bytes)`);
    }
    const variant = pcapVariant(reader.peek(4));
    if (!variant) throw new CaptureError('EBADMAGIC', `not a pcap file: magic 0x${reader.peek(4).toString('hex')}`);
    if (variant.resolution === 'usec' && !variant.modified) yield* viaPcapParser(reader);
    else yield* directly(reader, variant);
  } finally {
    await reader.close();
  }
}

function packet(index: number, linkType: number, sec: number, nsec: number, data: Buffer, origLen: number): Packet {
  return { ts: sec + nsec / 1e9, tsSec: sec, tsNsec: nsec, linkType, data, origLen, interfaceId: 0, index };
}

function absurdCaplen(index: number, caplen: number): CaptureWarning {
  return {
    kind: 'warning',
    index,
    message: `packet ${index}: captured length ${caplen} exceeds the ${MAX_CAPLEN}-byte limit; file is corrupt, reading stopped`,
  };
}

function truncated(index: number, have: number, need: number): CaptureWarning {
  return {
    kind: 'warning',
    index,
    message: `capture is truncated: packet ${index} has ${have} of ${need} bytes; packets before it were read`,
  };
}

async function* viaPcapParser(reader: ChunkReader): AsyncGenerator<Packet | CaptureWarning> {
  const handlers: Record<string, (...a: any[]) => void> = {};
  const feeder = {
    pause() {},
    resume() {},
    on(event: string, fn: (...a: any[]) => void) {
      handlers[event] = fn;
      return feeder;
    },
  };
  const parser = pcapParser.parse(feeder);
  const out: (Packet | CaptureWarning)[] = [];
  let linkType = -1;
  let index = 0;
  let pendingHeader: PcapPacketHeader | undefined;
  let stopped = false;
  let consumed = 0; // bytes pcap-parser has fully turned into headers and packets
  let error: Error | undefined;
  parser.on('globalHeader', (h: PcapGlobalHeader) => {
    linkType = h.linkLayerType & 0x0fffffff; // upper bits carry FCS information
    consumed = 24;
  });
  parser.on('packetHeader', (h: PcapPacketHeader) => {
    if (stopped) return;
    pendingHeader = h;
    if (h.capturedLength > MAX_CAPLEN) {
      out.push(absurdCaplen(index + 1, h.capturedLength));
      stopped = true;
    }
  });
  parser.on('packet', (p: { header: PcapPacketHeader; data: Buffer }) => {
    if (stopped) return;
    pendingHeader = undefined;
    index++;
    consumed += 16 + p.data.length;
    const h = p.header;
    // Own the bytes: pcap-parser's buffer is shared with the rest of its input chunk.
    out.push(packet(index, linkType, h.timestampSeconds, h.timestampMicroseconds * 1000, Buffer.from(p.data), h.originalLength));
  });
  parser.on('error', (e: Error) => {
    error = e;
  });
  parser.on('end', () => {});

  let fed = 0;
  while (!stopped && !error && (await reader.fill(1))) {
    const chunk = reader.readRest();
    fed += chunk.length;
    handlers.data(chunk);
    if (out.length) {
      const batch = out.splice(0);
      yield* batch;
    }
  }
  if (error) throw new CaptureError('EBADMAGIC', `not a readable pcap file: ${error.message}`, { cause: error });
  if (stopped || fed === consumed) return;
  if (linkType < 0) {
    yield { kind: 'warning', message: `capture is truncated: file header has ${fed} of 24 bytes` };
  } else if (pendingHeader) {
    yield truncated(index + 1, fed - consumed - 16, pendingHeader.capturedLength);
  } else {
    yield { kind: 'warning', index: index + 1, message: `capture is truncated: packet ${index + 1} record header has ${fed - consumed} of 16 bytes; packets before it were read` };
  }
}

async function* directly(reader: ChunkReader, v: PcapVariant): AsyncGenerator<Packet | CaptureWarning> {
  if (!(await reader.fill(24))) {
    yield { kind: 'warning', message: `capture is truncated: file header has ${reader.buffered} of 24 bytes` };
    return;
  }
  const gh = reader.read(24);
  const u32 = (b: Buffer, o: number) => (v.bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o));
  const linkType = u32(gh, 20) & 0x0fffffff;
  const recordHeader = v.modified ? 24 : 16;
  const unitsPerSecond = v.resolution === 'nsec' ? 1e9 : 1e6;
  let index = 0;
  for (;;) {
    if (!(await reader.fill(recordHeader))) {
      if (reader.buffered > 0) {
        yield {
          kind: 'warning',
          index: index + 1,
          message: `capture is truncated: packet ${index + 1} record header has ${reader.buffered} of ${recordHeader} bytes; packets before it were read`,
        };
      }
      return;
    }
    const rh = reader.read(recordHeader);
    index++;
    const sec = u32(rh, 0);
    const frac = u32(rh, 4);
    const caplen = u32(rh, 8);
    const origLen = u32(rh, 12);
    if (caplen > MAX_CAPLEN) {
      yield absurdCaplen(index, caplen);
      return;
    }
    if (!(await reader.fill(caplen))) {
      yield truncated(index, reader.buffered, caplen);
      return;
    }
    const data = Buffer.from(reader.read(caplen));
    if (frac >= unitsPerSecond) {
      yield { kind: 'warning', index, message: `packet ${index}: timestamp fraction ${frac} is out of range for ${v.resolution} resolution` };
    }
    const nsec = v.resolution === 'nsec' ? frac : frac * 1000;
    yield packet(index, linkType, sec, nsec, data, origLen);
  }
}
