// Bridges the capture layer and the inspector into what a capture session consumes: an async stream
// of decoded records plus progress. Wired to core/capture and core/inspect as they land.
import type { InspectRecord } from '../inspect/records.js';
import { HostError } from './errors.js';

export type PipelineItem =
  | { kind: 'record'; record: InspectRecord }
  | { kind: 'packet'; bytes: number }
  | { kind: 'warning'; message: string };

export const pipelineReady = false;

export function decodeFile(_path: string): AsyncIterable<PipelineItem> {
  throw new HostError('the ZMTP inspector (core/inspect) is not available in this build yet', 'ENOTAVAIL');
}

export interface LiveSource {
  items: AsyncIterable<PipelineItem>;
  /** pcapng file the live capture writes, for saving. */
  file: string;
  stop(): Promise<void>;
}

export async function startLive(_iface: string, _filter: string, _file: string): Promise<LiveSource> {
  throw new HostError('live capture (core/capture) is not available in this build yet', 'ENOTAVAIL');
}

export async function listInterfaces(): Promise<{ name: string; description?: string }[]> {
  throw new HostError('live capture (core/capture) is not available in this build yet', 'ENOTAVAIL');
}
