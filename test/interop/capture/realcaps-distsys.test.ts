// Captures made by others: students of a distributed-systems course ran pyzmq (libzmq 4.3.x) REQ/REP on
// 5555 ("Hello"/"World"), PUB/SUB on 12345 ("WAKTU <date>") and PUSH/PULL on 9999 (pickled ints) in Docker
// and captured the bridge with tcpdump (../shared/realcaps/SOURCES.md). Some connections were already up
// when the capture began. Each decoded message is checked against tshark's own reading of the TCP
// payloads of the same file: its frames appear, in order, in the bytes tshark shows for that direction,
// and the message count equals the number of times the application's payload appears in those bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { REALCAPS } from '../../helpers/pgm.js';
import { decodeCleanly } from '../../helpers/decode-cleanly.js';
import { assertFramesInPayloadOrder, countHex, tsharkPayloads } from '../../helpers/tshark-payloads.js';

const files = [
  'distsys_abazh_zmq.pcap',
  'distsys_aryo_zmq.pcap',
  'distsys_aulia_zmq.pcap',
  'distsys_daptong_zmq.pcap',
  'distsys_nada_zmq.pcap',
  'distsys_sabrinaella_zmq_capture.pcap',
];
const missing = !existsSync(`${REALCAPS}/${files[0]}`) && `the real captures are not at ${REALCAPS} (set REALCAPS_DIR)`;

const hex = (s: string) => Buffer.from(s).toString('hex');

for (const name of files) {
  test(
    `real capture ${name}: every message tshark's bytes hold, in order, with nothing reported malformed`,
    { skip: missing },
    async () => {
      const file = `${REALCAPS}/${name}`;
      const { messages } = await decodeCleanly(file);

      const payloads = tsharkPayloads(file);
      assert.ok(messages.length > 0);
      assertFramesInPayloadOrder(messages, payloads);

      // Per direction, as many messages as the application's payload occurs in tshark's bytes.
      let counted = 0;
      for (const [key, stream] of payloads) {
        const decoded = messages.filter((m) => `${m.src} -> ${m.dst}` === key);
        const last = (m: (typeof decoded)[number]) => Buffer.from(m.frames.at(-1)!, 'hex');
        const [, sport, dport] = /:(\d+) -> .*:(\d+)$/.exec(key)!;
        if (sport === '12345') {
          assert.equal(decoded.length, countHex(stream, new RegExp(hex('WAKTU '), 'g')), key);
          for (const m of decoded) assert.match(last(m).toString(), /^WAKTU \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
        } else if (dport === '5555' || sport === '5555') {
          const word = dport === '5555' ? 'Hello' : 'World';
          assert.equal(decoded.length, countHex(stream, new RegExp(hex(word), 'g')), key);
          for (const m of decoded) assert.equal(last(m).toString(), word);
        } else if (sport === '9999' || dport === '9999') {
          // A ZMTP short frame of 5 bytes holding pickle protocol 4's BININT1 n, STOP.
          const pushes = countHex(stream, /00058004[0-9a-f]{2}[0-9a-f]{2}2e/g);
          assert.equal(decoded.length, pushes, key);
          for (const m of decoded)
            assert.deepEqual(
              [...last(m)].filter((_, i) => i !== 3),
              [0x80, 0x04, 0x4b, 0x2e],
            );
        } else continue;
        counted += decoded.length;
      }
      assert.equal(counted, messages.length, "every message is of the course's three applications");
    },
  );
}
