// TCP's own probes in real libzmq traffic captured by tcpdump: keep-alives (libzmq's ZMQ_TCP_KEEPALIVE*
// options, sent by the kernel on an idle connection) and zero-window probes (a PULL that stops reading,
// so its receive window closes while PUSH still has data). tshark confirms the capture holds them; the
// decoder must add nothing for them and still recover every message byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import * as zmq from 'zeromq';
import { portOf } from '../../helpers/capture.js';
import { captured, errors, framesOf, messages, sentHex, zmtpConns, type Decoded } from './helpers.js';

/** How many packets of `file` tshark's TCP analysis marks with `flag` (e.g. tcp.analysis.keep_alive). */
function tsharkCount(file: string, flag: string): number {
  const out = execFileSync('tshark', ['-r', file, '-Y', flag, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).length;
}

/** The capture's one ZMTP connection carried exactly `sent` from client to server, with no gap, error or warning. */
function assertEverySent({ records, summary }: Decoded, sent: (string | Buffer)[][]): void {
  const [conn] = zmtpConns(records);
  assert.deepEqual(framesOf(messages(records, conn, 'c2s')), sentHex(sent));
  assert.deepEqual(errors(records), []);
  assert.equal(summary.warnings, 0);
}

test('keep-alives on an idle libzmq connection add nothing: every message byte for byte, no gap or error', async () => {
  const keepalive = { tcpKeepalive: 1, tcpKeepaliveIdle: 1, tcpKeepaliveInterval: 1 };
  const pull = new zmq.Pull({ linger: 0, ...keepalive });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0, ...keepalive });
  const sent = [['before the idle time', Buffer.alloc(300, 1)], ['after it'], ['KEEPALIVE-END']];
  const d = await captured(
    { tool: 'tcpdump' },
    port,
    'keepalive.pcap',
    async () => {
      push.connect(`tcp://127.0.0.1:${port}`);
      await push.send(sent[0]);
      await pull.receive();
      // Idle: the kernel probes each side after 1 s, then every second.
      await sleep(3500);
      for (const m of sent.slice(1)) {
        await push.send(m);
        await pull.receive();
      }
      return Buffer.from('KEEPALIVE-END');
    },
    (file) => assert.ok(tsharkCount(file, 'tcp.analysis.keep_alive') >= 2, 'the capture holds keep-alives'),
  ).finally(() => {
    push.close();
    pull.close();
  });
  assertEverySent(d, sent);
});

test('zero-window probes while a PULL stops reading add nothing: every message byte for byte, no gap or error', async () => {
  // A PULL that takes one message into its queue and a small socket buffer: once both are full its
  // receive window is zero, and PUSH's kernel probes it until the reader drains.
  const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 1, receiveBufferSize: 4096 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 10_000 });
  const sent: (string | Buffer)[][] = [];
  for (let i = 0; i < 120; i++) sent.push([`message ${i}`, Buffer.alloc(2000 + i * 13, i)]);
  sent.push(['ZERO-WINDOW-END']);
  const d = await captured(
    { tool: 'tcpdump' },
    port,
    'zero-window.pcap',
    async () => {
      push.connect(`tcp://127.0.0.1:${port}`);
      for (const m of sent) await push.send(m);
      // Nobody reads for a while: the window stays shut and the sender probes (from ~200 ms, backing off).
      await sleep(2500);
      for (let i = 0; i < sent.length; i++) await pull.receive();
      return Buffer.from('ZERO-WINDOW-END');
    },
    (file) => {
      assert.ok(tsharkCount(file, 'tcp.analysis.zero_window') >= 1, 'the window closed');
      assert.ok(tsharkCount(file, 'tcp.analysis.zero_window_probe || tcp.analysis.keep_alive') >= 1, 'the sender probed it');
    },
  ).finally(() => {
    push.close();
    pull.close();
  });
  assertEverySent(d, sent);
});
