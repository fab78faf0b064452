// The ZMTP inspector: reassembled TCP streams in, decoded records out. Typical use:
//   const summary = await decodeCapture(path, { onRecord, onProgress, signal });
// or, for live capture and wiretaps, push TcpStreamEvents into an Inspector yourself.
export type * from './records.js';
export { DIAGNOSTICS, diagnose, type Diagnostic, type DiagnosticCode, type Severity } from '../capture/diagnostics.js';
export type { ConnectionInfo, ConnectionState, DirectionCounts, InspectorStats } from './connection.js';
export { Inspector, type InspectorOptions } from './inspector.js';
export {
  decodeCapture,
  inspectPackets,
  type DecodeCaptureOptions,
  type DecodeSummary,
  type InspectPacketsOptions,
} from './decode-capture.js';
export { formatRecord, formatTime, previewFrame, summarize } from './format.js';
export { RecordWriter, recordToJson, summaryLine } from './output.js';
export { findResync, probeFrames } from './resync.js';
export type { RateBucket } from './stats.js';
