// RADIO/DISH over udp:// (libzmq 4.3.5's draft UDP engine through zeromq.js) captured by tcpdump: every
// datagram is a message (group length, group, body) recognised by its shape on a port nothing names,
// decoded with its group and body byte for byte; other UDP (text datagrams) is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startCapture, tempDir } from '../../helpers/capture.js';
import { freedPort } from '../../helpers/port.js';
import type { MessageRecord } from '../../../core/inspect/records.js';
import { decodeFile, hexOf } from './helpers.js';
import { radioGroup } from '../../../core/inspect/radio-dish.js';

test('libzmq RADIO -> DISH over udp (tcpdump): every datagram decoded as a message with its group and body', async () => {
  const draft = await import('zeromq/draft.js');
  const port = await freedPort();
  const dish = new draft.Dish({ linger: 0 });
  await dish.bind(`udp://127.0.0.1:${port}`);
  const groups = ['weather', 'news', 'g', 'a-group-name-of-forty-characters-long!!!'];
  for (const g of groups) dish.join(g);
  const radio = new draft.Radio({ linger: 0 });
  radio.connect(`udp://127.0.0.1:${port}`);
  const t = tempDir();
  const cap = await startCapture({ tool: 'tcpdump', filter: `udp port ${port}` }, t.dir, 'radio.pcap');
  const sent: { group: string; body: string }[] = [];
  const other = createSocket('udp4');
  try {
    // Text datagrams to the same DISH port first: a printable first byte is not taken for a group length.
    await new Promise<void>((r) => other.send('<34>Dec  2 12:00:00 host app: not zeromq', port, '127.0.0.1', () => r()));
    for (let i = 0; i < 40; i++) {
      // The long group only after the flow was recognised by short ones.
      const group = groups[i < 4 ? i % 3 : i % 4];
      const body = i % 5 === 3 ? Buffer.alloc(1000 + i, i) : Buffer.from(`${group} update ${i}`);
      await radio.send(body, { group });
      const [got] = await dish.receive();
      assert.ok(Buffer.from(got).equals(body));
      sent.push({ group, body: hexOf(body) });
    }
    await cap.stopAfter(Buffer.from(`${groups[3]} update 39`));
  } finally {
    cap.kill();
    other.close();
    radio.close();
    dish.close();
  }
  const { records, summary } = await decodeFile(cap.file);
  t.cleanup();
  const msgs = records.filter((r): r is MessageRecord => r.type === 'message');
  assert.deepEqual(
    msgs.map((m) => ({ group: m.group!, body: m.frames[0] })),
    sent,
  );
  assert.ok(msgs.every((m) => m.dst === `127.0.0.1:${port}` && m.frames.length === 1));
  const [flow, ...more] = summary.connections.filter((c) => c.transport === 'udp');
  assert.deepEqual(more, []);
  assert.deepEqual(flow.socketTypes, { c2s: 'RADIO', s2c: 'DISH' });
  assert.equal(flow.counts.c2s.messages, 40);
  assert.deepEqual([...flow.subscriptions].sort(), [...groups].sort());
  assert.equal(records.filter((r) => r.type === 'error').length, 0);
});

test('the shape: a group length that fits, printable group bytes; printable length bytes only on a known flow', () => {
  assert.equal(radioGroup(Buffer.from('\x07weatherhello', 'latin1'), false), 'weather');
  assert.equal(radioGroup(Buffer.from('\x02ab', 'latin1'), false), 'ab'); // empty body
  assert.equal(radioGroup(Buffer.from('\x09short', 'latin1'), false), undefined); // runs past the datagram
  assert.equal(radioGroup(Buffer.from([3, 0x61, 0x00, 0x62, 0x63]), false), undefined); // NUL in the group
  assert.equal(radioGroup(Buffer.alloc(0), false), undefined);
  assert.equal(radioGroup(Buffer.from([0, 1, 2]), false), undefined);
  const text = Buffer.from('<34>Dec  2 12:00:00 host app: a syslog line of text, long enough', 'latin1');
  assert.equal(radioGroup(text, false), undefined);
  assert.equal(radioGroup(text, true), text.toString('latin1', 1, 1 + 0x3c));
});
