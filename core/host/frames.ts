// Frame input from the UI (text, hex, base64, JSON or a file's bytes) to bytes, with errors that say
// which frame is wrong and why. Also the reverse helpers the host uses when it reports frames.

import type { FrameKind } from './protocol.js';

export type { FrameKind };

export interface FrameInput {
  kind: FrameKind;
  data: string;
  /** File name, for 'file' frames (data is the file's bytes in base64). */
  name?: string;
}

import { HostError } from './errors.js';

export class FrameError extends HostError {}

const HEX_DIGIT = /^[0-9a-fA-F]$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function hexToBytes(text: string, what = 'hex'): Buffer {
  // Spaces, newlines, colons and an optional 0x prefix are accepted so pasted dumps work.
  const cleaned = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  for (let i = 0; i < cleaned.length; i++) {
    if (!HEX_DIGIT.test(cleaned[i])) {
      throw new FrameError(`${what}: '${cleaned[i]}' at position ${i + 1} is not a hex digit (use 0-9 and a-f)`);
    }
  }
  if (cleaned.length % 2 !== 0) {
    throw new FrameError(`${what}: odd number of hex digits (${cleaned.length}); each byte needs two digits`);
  }
  return Buffer.from(cleaned, 'hex');
}

export function base64ToBytes(text: string, what = 'base64'): Buffer {
  const cleaned = text.replace(/\s/g, '');
  if (!BASE64.test(cleaned) || cleaned.length % 4 === 1) {
    throw new FrameError(`${what}: not valid base64`);
  }
  return Buffer.from(cleaned, 'base64');
}

export function frameToBytes(frame: FrameInput, index: number): Buffer {
  const what = `frame ${index + 1}`;
  switch (frame.kind) {
    case 'text':
      return Buffer.from(frame.data, 'utf8');
    case 'hex':
      return hexToBytes(frame.data, `${what} (hex)`);
    case 'base64':
    case 'file':
      return base64ToBytes(frame.data, `${what} (${frame.kind === 'file' ? `file ${frame.name ?? ''}`.trim() : 'base64'})`);
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(frame.data);
      } catch (err) {
        throw new FrameError(`${what} (JSON): ${(err as Error).message}`);
      }
      return Buffer.from(JSON.stringify(value), 'utf8');
    }
    default:
      throw new FrameError(`${what}: unknown frame kind '${String(frame.kind)}'`);
  }
}

export function framesToBytes(frames: FrameInput[]): Buffer[] {
  return frames.map((f, i) => frameToBytes(f, i));
}
