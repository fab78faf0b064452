// ZMTP metadata (RFC 23 section "The READY command"): a sequence of
// name-length(1) name value-length(4, big-endian) value. Used by READY, INITIATE and ZAP.

export type Properties = Record<string, string>;

const NAME_PATTERN = /^[A-Za-z0-9\-_.+]+$/;

export function encodeMetadata(props: Record<string, string | Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(props)) {
    if (name.length === 0 || name.length > 255 || !NAME_PATTERN.test(name)) {
      throw new RangeError(`invalid metadata property name '${name}'`);
    }
    const valueBytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    const head = Buffer.allocUnsafe(1 + name.length + 4);
    head[0] = name.length;
    head.write(name, 1, 'latin1');
    head.writeUInt32BE(valueBytes.length, 1 + name.length);
    parts.push(head, valueBytes);
  }
  return Buffer.concat(parts);
}

export interface MetadataResult {
  /** Property values as text (UTF-8). Names are kept as sent; look them up case-insensitively. */
  properties: Properties;
  /** Raw values, for binary properties (Identity may be binary). */
  raw: Record<string, Buffer>;
  /** Set when the metadata is malformed; `properties` then holds what was read before the problem. */
  error?: string;
}

export function decodeMetadata(data: Buffer): MetadataResult {
  const properties: Properties = {};
  const raw: Record<string, Buffer> = {};
  let pos = 0;
  while (pos < data.length) {
    const nameLength = data[pos];
    if (nameLength === 0) return { properties, raw, error: `empty property name at byte ${pos}` };
    if (pos + 1 + nameLength + 4 > data.length) {
      return { properties, raw, error: `property name at byte ${pos} runs past the end of the metadata` };
    }
    const name = data.toString('latin1', pos + 1, pos + 1 + nameLength);
    if (!NAME_PATTERN.test(name)) return { properties, raw, error: `invalid property name '${name}'` };
    pos += 1 + nameLength;
    const valueLength = data.readUInt32BE(pos);
    pos += 4;
    if (pos + valueLength > data.length) {
      return { properties, raw, error: `value of '${name}' claims ${valueLength} bytes, only ${data.length - pos} left` };
    }
    const value = data.subarray(pos, pos + valueLength);
    raw[name] = value;
    properties[name] = value.toString('utf8');
    pos += valueLength;
  }
  return { properties, raw };
}

/** Case-insensitive lookup, since RFC 23 says property names are case-insensitive. */
export function getProperty(props: Properties, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of Object.keys(props)) if (key.toLowerCase() === lower) return props[key];
  return undefined;
}
