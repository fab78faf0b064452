// Errors that stop a capture from being read at all (as opposed to CaptureWarning, which is
// reported in-stream while reading goes on).

export type CaptureErrorCode =
  | 'ENOENT' // file or capture tool not found
  | 'EACCES' // file not readable
  | 'EPERM' // capture tool lacks permission to capture
  | 'EEMPTY' // empty input
  | 'EBADMAGIC' // not a pcap/pcapng file
  | 'ENODEV' // no such capture interface
  | 'EFILTER' // capture filter rejected by the tool
  | 'ETOOL' // capture tool failed for another reason
  | 'EIO' // reading failed
  | 'EWORKER' // the capture thread (capture-worker.ts) failed or died
  | 'EINVAL'; // a setting is not valid (ZMTP_CAPTURE_THREAD)

export class CaptureError extends Error {
  readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaptureError';
    this.code = code;
  }
}

export function isCaptureWarning(x: unknown): x is import('./types.js').CaptureWarning {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'warning';
}
