// The zguide examples (hwclient/hwserver, rrclient/rrbroker/rrworker) as Herry Sitepu sniffed them with
// ngrep in 2013 and annotated them (zeromq/zmtp zmtp20/capture), rebuilt into pcaps from the ngrep hex
// (../shared/realcaps/SOURCES.md). libzmq master of that month sent revision byte 0x02, which RFC 23's
// backwards interoperability reads as a ZMTP 2.0 peer ("if the peer version number is 1 or 2"), followed by
// RFC 15's socket-type byte and identity frame. Checked against outside readings of the same bytes:
// tshark's TCP payloads (every decoded frame found in order; as many Hello/World as the bytes hold), the
// annotator's socket type per direction, and RFC 15's signature padding (identity length + 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { REALCAPS } from '../../helpers/pgm.js';
import { decodeCleanly } from '../../helpers/decode-cleanly.js';
import { assertFramesInPayloadOrder, countHex, tsharkPayloads } from '../../helpers/tshark-payloads.js';

const captures: Record<string, string> = {
  'transcribed_zmtp20_reqrep.pcap': 'zmtp20-capture-PROTOCOL-REQREP.txt',
  'transcribed_zmtp20_reqrep-identity.pcap': 'zmtp20-capture-PROTOCOL-REQREP-IDENTITY.txt',
  'transcribed_zmtp20_extreqrep.pcap': 'zmtp20-capture-PROTOCOL-EXTREQREP.txt',
};
const missing =
  !existsSync(`${REALCAPS}/transcribed_zmtp20_reqrep.pcap`) && `the transcribed captures are not at ${REALCAPS} (set REALCAPS_DIR)`;

/**
 * The socket type the annotator gave each direction: "socket-type (REQ, 0x03)" under its greeting, or
 * ">>> rrclient (REQ) connect to ..." above its first segment. "src -> dst" => "REQ".
 */
function annotatedSocketTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  let direction: string | undefined;
  let connecting: string | undefined;
  for (const line of text.split('\n')) {
    const c = /^>>> \w+ \((\w+)\) connect/.exec(line);
    if (c) connecting = c[1];
    const t = /^T (\S+) -> (\S+) /.exec(line);
    if (t) {
      direction = `${t[1]} -> ${t[2]}`;
      if (connecting && !types.has(direction)) types.set(direction, connecting);
      connecting = undefined;
    }
    const s = /socket-type \((\w+), 0x[0-9a-f]{2}\)/.exec(line);
    if (s && direction && !types.has(direction)) types.set(direction, s[1]);
  }
  return types;
}

const hex = (s: string) => Buffer.from(s).toString('hex');

for (const [name, source] of Object.entries(captures)) {
  test(
    `transcribed ZMTP revision-2 capture ${name}: 2.0 greetings, every frame of tshark's bytes, nothing malformed`,
    { skip: missing },
    async () => {
      const file = `${REALCAPS}/${name}`;
      const { records, messages } = await decodeCleanly(file);

      const payloads = tsharkPayloads(file);
      const annotated = annotatedSocketTypes(readFileSync(`${REALCAPS}/ngrep-src/${source}`, 'utf8'));
      const greetings = records.filter((r): r is Extract<InspectRecord, { type: 'greeting' }> => r.type === 'greeting');
      assert.equal(greetings.length, payloads.size, 'one greeting per direction that carried bytes');
      for (const g of greetings) {
        const key = `${g.src} -> ${g.dst}`;
        const wire = Buffer.from(payloads.get(key)!, 'hex');
        assert.equal(wire[10], 0x02, `${key}: the revision byte on the wire`);
        assert.equal(g.version, '2.0', key);
        assert.equal(g.socketType, annotated.get(key), `${key}: the annotated socket type`);
        // RFC 15: the signature's padding holds the identity's length + 1 (for ZMTP 1.0 peers).
        assert.equal(Buffer.from(g.identity as string, 'hex').length, wire[8] - 1, `${key}: identity length`);
      }

      assertFramesInPayloadOrder(messages, payloads);
      let counted = 0;
      for (const [key, stream] of payloads) {
        for (const word of ['Hello', 'World']) {
          const decoded = messages.filter(
            (m) => `${m.src} -> ${m.dst}` === key && Buffer.from(m.frames.at(-1)!, 'hex').toString() === word,
          );
          assert.equal(decoded.length, countHex(stream, new RegExp(hex(word), 'g')), `${key}: ${word}`);
          counted += decoded.length;
        }
      }
      assert.ok(counted > 0);
      assert.equal(counted, messages.length, 'every message is a Hello or a World');
    },
  );
}
