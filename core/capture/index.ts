// The capture layer: packet sources (pcap/pcapng files and streams, live dumpcap/tcpdump), link/IP/TCP
// decoding and TCP reassembly. Typical use:
//   const r = new TcpReassembler({ onWarning });
//   for await (const p of openCapture(path)) { if ('kind' in p) warn(p); else for (const e of r.push(p)) handle(e); }
//   for (const e of r.end()) handle(e);
// or simply: for await (const e of reassemble(openCapture(path))) ...
export * from './types.js';
export { DIAGNOSTICS, diagnose, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
export { CaptureError, isCaptureWarning, type CaptureErrorCode } from './errors.js';
export { MAX_CAPLEN, MAX_BLOCK_LENGTH } from './limits.js';
export {
  openCapture,
  detectFormat,
  type CaptureSource,
  type CaptureFormat,
  type CaptureProgress,
  type OpenCaptureOptions,
} from './open.js';
export { readPcap, readPcapBatches, pcapVariant, type PcapVariant } from './pcap.js';
export { readPcapng, readPcapngBatches, isPcapngMagic } from './pcapng.js';
export type { ByteSource } from './chunk-reader.js';
export {
  LiveCapture,
  classifyToolError,
  parseInterfaceList,
  type LiveCaptureOptions,
  type CaptureInterface,
  type CaptureTool,
} from './live.js';
export * from './decode.js';
export { TcpReassembler, reassemble, seqDiff, type TcpReassemblerOptions } from './reassembly.js';
export {
  PcapWriter,
  PcapngWriter,
  buildTcpPacket,
  checksum,
  fragmentIpPacket,
  type PcapWriterOptions,
  type PcapngInterface,
  type TcpPacketSpec,
  type WritablePacket,
} from './pcap-writer.js';
export { IpDefragmenter } from './defrag.js';
export { readUdp, IPPROTO_UDP, type IpDatagram, type DatagramSink, type UdpDatagram } from './datagram.js';
