// Bridges the capture layer (core/capture) and the inspector (core/inspect) into what a capture session
// consumes: records, packet counts, progress and warnings, pushed to a sink.
import { LiveCapture } from '../capture/live.js';
import type { CaptureWarning } from '../capture/types.js';
import type { ByteSource } from '../capture/chunk-reader.js';
import type { GrowingFile } from '../capture/growing-file.js';
import { decodeCapture, inspectPackets } from '../inspect/decode-capture.js';
import type { InspectRecord } from '../inspect/records.js';
import type { MessageView } from '../inspect/message-view.js';

export interface PipelineSink {
  record(r: InspectRecord): void;
  /** A TCP connection's message, as a view valid during the call (no record made for it): kept by copying. */
  message(m: MessageView): void;
  packet(): void;
  progress(bytesRead: number, totalBytes: number | undefined): void;
  /** A problem in the capture itself; its message already names its packet ("packet 966: ..."), once. */
  warning(w: CaptureWarning): void;
}

export const pipelineReady = true;

export interface DecodeFileOptions {
  /** Stops decoding (the capture was closed). */
  signal: AbortSignal;
  /** The name errors give the capture: the user's file name, where the bytes are an upload's stream or
   *  its temporary file (default: the path, or "stream"). */
  name?: string;
  /** An upload's size, when known: big ones decode in the capture thread (ZMTP_CAPTURE_THREAD auto). */
  uploadBytes?: number;
}

/**
 * Decodes a pcap/pcapng file, also as it is written (an upload of `uploadBytes`, when known), or a stream, to the
 * end (or until `signal` aborts): files and big uploads in the capture thread (ZMTP_CAPTURE_THREAD).
 * Rejects only if it cannot be read at all.
 */
export async function decodeFile(
  input: string | ByteSource | GrowingFile,
  sink: PipelineSink,
  { signal, name, uploadBytes }: DecodeFileOptions,
): Promise<void> {
  await decodeCapture(input, {
    signal,
    name,
    inputBytes: uploadBytes,
    onRecord: (r) => sink.record(r),
    onMessage: (m) => sink.message(m),
    onWarning: (w) => sink.warning(w),
    onProgress: (p) => sink.progress(p.bytesRead, p.totalBytes),
    progressStepBytes: 256 * 1024,
    pace: () => sink.packet(),
  });
}

export interface LiveSource {
  /** Resolves when the capture ended (after stop(), or when the tool failed). */
  done: Promise<void>;
  /** The raw capture the tool wrote, for saving. */
  file: string;
  stop(): Promise<void>;
}

export async function startLive(iface: string, filter: string, file: string, sink: PipelineSink): Promise<LiveSource> {
  const live = new LiveCapture({ interface: iface, filter: filter || undefined, teeFile: file });
  await live.start();
  const done = inspectPackets(live, {
    onRecord: (r) => sink.record(r),
    onMessage: (m) => sink.message(m),
    onWarning: (w) => sink.warning(w),
    pace: () => sink.packet(),
  }).then(() => undefined);
  return { done, file, stop: () => live.stop() };
}

export async function listInterfaces(): Promise<{ name: string; description?: string }[]> {
  const list = await LiveCapture.listInterfaces();
  return list.map((i) => ({ name: i.name, description: i.description ?? (i.flags?.length ? i.flags.join(', ') : undefined) }));
}
