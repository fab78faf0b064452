// Kuznetzov's modified pcap (magic 0xa1b2cd34, 24-byte record headers: the usual 16 bytes, then ifindex,
// protocol, packet type and a pad byte), which no writer here makes: the capture tests build it by hand.
// Ethernet link type, snap length 65535; each record's ifindex 2, protocol 0x0800, packet type 0.

export interface ModifiedPcapRecord {
  sec: number;
  /** The microseconds field as written (a test may put one out of range). */
  usec: number;
  data: Buffer;
  /** The original length; the captured one by default. */
  origLen?: number;
}

export function modifiedPcap(records: readonly ModifiedPcapRecord[], bigEndian: boolean): Buffer {
  const u16 = (b: Buffer, v: number, at: number) => (bigEndian ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const u32 = (b: Buffer, v: number, at: number) => (bigEndian ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const head = Buffer.alloc(24);
  u32(head, 0xa1b2cd34, 0);
  u16(head, 2, 4);
  u16(head, 4, 6);
  u32(head, 65535, 16);
  u32(head, 1, 20);
  const bodies = records.map(({ sec, usec, data, origLen }) => {
    const h = Buffer.alloc(24);
    u32(h, sec, 0);
    u32(h, usec, 4);
    u32(h, data.length, 8);
    u32(h, origLen ?? data.length, 12);
    u32(h, 2, 16); // ifindex
    u16(h, 0x0800, 20); // protocol; then packet type 0 and a pad byte
    return Buffer.concat([h, data]);
  });
  return Buffer.concat([head, ...bodies]);
}
