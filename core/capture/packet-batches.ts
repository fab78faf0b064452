// The iterating output of a reader that hands packets to a PacketSink: the same packets and warnings as
// Packet objects, a batch per read. Each format has one parser (into a sink); this turns it into the
// readPcapBatches / readPcapngBatches form that the thread-off path, live capture and tests iterate.
import type { PacketSink } from './pcap.js';
import { packetTime, type CaptureWarning, type Packet } from './types.js';

/** Runs `parse` into a sink that collects Packets, yielding what each of its turns handed over (if anything). */
export async function* packetBatches(parse: (sink: PacketSink) => AsyncIterable<void>): AsyncGenerator<(Packet | CaptureWarning)[]> {
  let batch: (Packet | CaptureWarning)[] = [];
  const sink: PacketSink = {
    packet(linkType, data, tsSec, tsNsec, origLen, index, interfaceId = 0) {
      batch.push({ ts: packetTime(tsSec, tsNsec), tsSec, tsNsec, linkType, data, origLen, interfaceId, index });
    },
    warning(w) {
      batch.push(w);
    },
  };
  for await (const _ of parse(sink)) {
    if (batch.length === 0) continue;
    yield batch;
    batch = [];
  }
  if (batch.length > 0) yield batch;
}
