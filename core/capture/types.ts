// Shared shapes of the capture layer: what packet sources yield and what TCP reassembly emits.
import { DIAGNOSTICS, type CaptureWarningCode, type DiagnosticCode, type Severity } from './diagnostics.js';

/** One captured link-layer packet, as read from a pcap/pcapng file or a live capture. */
export interface Packet {
  /** Capture time in seconds since the epoch (fractional; nanosecond sources keep ~0.2 µs here). */
  ts: number;
  /** Whole seconds and nanoseconds, exact, for sources that carry nanosecond resolution. */
  tsSec: number;
  tsNsec: number;
  /** LINKTYPE_* value (1 Ethernet, 0 BSD loopback/NULL, 113 SLL, 276 SLL2, 101/228/229 raw IP, ...). */
  linkType: number;
  /** Captured bytes (may be shorter than origLen when the snap length cut it). */
  data: Buffer;
  origLen: number;
  /** pcapng interface index; 0 for classic pcap. */
  interfaceId: number;
  /** 1-based position of the packet in its source, for error messages and cross-checking with tshark. */
  index: number;
}

/** A packet's `ts` from its exact time: one formula for every reader, so every path times a packet alike. */
export function packetTime(tsSec: number, tsNsec: number): number {
  return tsSec + tsNsec / 1e9;
}

/** A problem in the input that did not stop reading: reported, never thrown. */
export interface CaptureWarning {
  kind: 'warning';
  /** Packet index (1-based) where it happened, when known. */
  index?: number;
  /** Complete text, naming the packet itself when there is one ("packet 966: ..."): print it as is. */
  message: string;
  /** Its code and severity in the sniffer's table of problems (diagnostics.ts). */
  code: DiagnosticCode;
  severity: Severity;
}

/** A capture warning of `code` (diagnostics.ts) whose text the site that found it wrote. */
export function captureWarning(code: CaptureWarningCode, message: string, index?: number): CaptureWarning {
  const severity = DIAGNOSTICS[code].severity;
  return index === undefined ? { kind: 'warning', message, code, severity } : { kind: 'warning', index, message, code, severity };
}

export interface Endpoint {
  /** Dotted IPv4 or canonical IPv6 text (no brackets). */
  ip: string;
  port: number;
}

/** A TCP connection as reassembly sees it. `client` sent the SYN; for connections seen mid-stream,
 *  `client` is the source of the first packet seen and `midstream` is true. */
export interface TcpConnection {
  id: number;
  client: Endpoint;
  server: Endpoint;
  midstream: boolean;
}

export type Direction = 'c2s' | 's2c';

export type TcpStreamEvent =
  | { kind: 'open'; conn: TcpConnection; ts: number }
  | { kind: 'data'; conn: TcpConnection; dir: Direction; ts: number; data: Buffer }
  /** Bytes that never arrived (lost or not captured); data after it is resynchronised. */
  | { kind: 'gap'; conn: TcpConnection; dir: Direction; ts: number; bytes: number }
  | { kind: 'close'; conn: TcpConnection; ts: number; reason: 'fin' | 'rst' | 'end-of-capture' | 'evicted' };

/** Formats an endpoint as "ip:port", IPv6 as "[addr]:port". */
export function formatEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}
