// ZMTP 3.x commands (RFC 23, RFC 37): a command frame's body is name-length(1) name data.
import { decodeMetadata, encodeMetadata, type Properties } from './metadata.js';

export interface RawCommand {
  name: string;
  data: Buffer;
}

export type ParsedCommand =
  | { name: 'READY'; properties: Properties; raw: Record<string, Buffer>; error?: string }
  | { name: 'ERROR'; reason: string; error?: string }
  | { name: 'SUBSCRIBE' | 'CANCEL'; topic: Buffer }
  | { name: 'PING'; ttl: number; context: Buffer; error?: string }
  | { name: 'PONG'; context: Buffer; error?: string }
  | { name: string; data: Buffer; error?: string };

export function encodeCommand(name: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  if (name.length === 0 || name.length > 255) throw new RangeError(`command name must be 1..255 characters: ${name}`);
  const out = Buffer.allocUnsafe(1 + name.length + data.length);
  out[0] = name.length;
  out.write(name, 1, 'latin1');
  out.set(data, 1 + name.length);
  return out;
}

/** Splits a command frame body into name and data; undefined when the name runs past the body. */
export function splitCommand(body: Buffer): RawCommand | undefined {
  if (body.length < 1) return undefined;
  const nameLength = body[0];
  if (nameLength === 0 || 1 + nameLength > body.length) return undefined;
  return { name: body.toString('latin1', 1, 1 + nameLength), data: body.subarray(1 + nameLength) };
}

export function parseCommand(body: Buffer): ParsedCommand | { name: ''; data: Buffer; error: string } {
  const raw = splitCommand(body);
  if (!raw) return { name: '', data: body, error: 'command name length runs past the frame' };
  const { name, data } = raw;
  switch (name) {
    case 'READY': {
      const md = decodeMetadata(data);
      return { name, properties: md.properties, raw: md.raw, error: md.error };
    }
    case 'ERROR': {
      if (data.length < 1 || 1 + data[0] > data.length) {
        return { name, reason: data.subarray(1).toString('latin1'), error: 'ERROR reason length runs past the frame' };
      }
      return { name, reason: data.toString('latin1', 1, 1 + data[0]) };
    }
    case 'SUBSCRIBE':
    case 'CANCEL':
      return { name, topic: data };
    case 'PING': {
      if (data.length < 2) return { name, ttl: 0, context: Buffer.alloc(0), error: 'PING shorter than its 2-byte TTL' };
      const context = data.subarray(2);
      return { name, ttl: data.readUInt16BE(0), context, error: context.length > 16 ? 'PING context longer than 16 bytes' : undefined };
    }
    case 'PONG':
      return { name, context: data, error: data.length > 16 ? 'PONG context longer than 16 bytes' : undefined };
    default:
      return { name, data };
  }
}

export function readyCommand(props: Record<string, string | Uint8Array>): Buffer {
  return encodeCommand('READY', encodeMetadata(props));
}

export function errorCommand(reason: string): Buffer {
  const r = Buffer.from(reason.slice(0, 255), 'latin1');
  return encodeCommand('ERROR', Buffer.concat([Buffer.from([r.length]), r]));
}

export function subscribeCommand(topic: Uint8Array): Buffer {
  return encodeCommand('SUBSCRIBE', topic);
}

export function cancelCommand(topic: Uint8Array): Buffer {
  return encodeCommand('CANCEL', topic);
}

/** RFC 48 (RADIO/DISH): a DISH joins or leaves a group with these commands. */
export function joinCommand(group: Uint8Array): Buffer {
  return encodeCommand('JOIN', group);
}

export function leaveCommand(group: Uint8Array): Buffer {
  return encodeCommand('LEAVE', group);
}

/** PING with a TTL in deciseconds (RFC 37) and up to 16 bytes of context. */
export function pingCommand(ttlDeciseconds: number, context: Uint8Array = Buffer.alloc(0)): Buffer {
  const data = Buffer.allocUnsafe(2 + context.length);
  data.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.round(ttlDeciseconds))), 0);
  data.set(context, 2);
  return encodeCommand('PING', data);
}

export function pongCommand(context: Uint8Array): Buffer {
  return encodeCommand('PONG', context);
}

/**
 * ZMTP 3.0 and older carry subscriptions as ordinary messages: first byte 1 (subscribe) or 0 (cancel),
 * then the topic. Returns undefined for a message that is not one.
 */
export function parseLegacySubscription(frame: Buffer): { subscribe: boolean; topic: Buffer } | undefined {
  if (frame.length < 1 || frame[0] > 1) return undefined;
  return { subscribe: frame[0] === 1, topic: frame.subarray(1) };
}

export function legacySubscription(subscribe: boolean, topic: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + topic.length);
  out[0] = subscribe ? 1 : 0;
  out.set(topic, 1);
  return out;
}
