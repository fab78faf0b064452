// Types for the parts of the `pcap-parser` package (CommonJS, untyped) that pcap.ts uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  export interface PcapGlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }
  export interface PcapPacketHeader {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }
  export interface PcapParser extends EventEmitter {
    on(event: 'globalHeader', fn: (h: PcapGlobalHeader) => void): this;
    on(event: 'packetHeader', fn: (h: PcapPacketHeader) => void): this;
    on(event: 'packet', fn: (p: { header: PcapPacketHeader; data: Buffer }) => void): this;
    on(event: 'error', fn: (e: Error) => void): this;
    on(event: 'end', fn: () => void): this;
  }
  /** Accepts a path or anything with pause/resume/on('data'|'error'|'end'). */
  export function parse(
    input: string | { pause(): void; resume(): void; on(event: string, fn: (...a: unknown[]) => void): unknown },
  ): PcapParser;
  const _default: { parse: typeof parse };
  export default _default;
}
