// LiveCapture: dumpcap and tcpdump run as children, their stdout parsed while ZeroMQ traffic flows;
// tee to a file; interface listing; and specific errors for a missing tool, an unknown interface,
// a bad filter and missing permission (the tool really run as user nobody).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import {
  LiveCapture,
  TcpReassembler,
  CaptureError,
  openCapture,
  parseInterfaceList,
  type TcpStreamEvent,
  type CaptureTool,
} from '../../../core/capture/index.js';

const liveCases: { tool: CaptureTool; iface: string; linkType?: string; expectLinkType: number }[] = [
  { tool: 'dumpcap', iface: 'lo', expectLinkType: 1 },
  { tool: 'tcpdump', iface: 'lo', expectLinkType: 1 },
  { tool: 'tcpdump', iface: 'any', linkType: 'LINUX_SLL2', expectLinkType: 276 },
  { tool: 'dumpcap', iface: 'any', linkType: 'LINUX_SLL', expectLinkType: 113 },
];

for (const { tool, iface, linkType, expectLinkType } of liveCases) {
  test(`live capture with ${tool} on ${iface}${linkType ? ` as ${linkType}` : ''}: ZeroMQ messages appear in the reassembled stream while it runs; tee file matches`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cap-live-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pull = new zmq.Pull({ linger: 0 });
    const push = new zmq.Push({ linger: 1000 });
    t.after(() => {
      pull.close();
      push.close();
    });
    await pull.bind('tcp://127.0.0.1:*');
    const port = Number(pull.lastEndpoint!.split(':').at(-1));
    const tee = join(dir, 'tee.cap');
    const cap = new LiveCapture({ interface: iface, filter: `tcp port ${port}`, tool, teeFile: tee, nanosecond: true, linkType });
    t.after(() => cap.stop());
    await cap.start();
    assert.equal(cap.tool, tool);

    const r = new TcpReassembler();
    const events: TcpStreamEvent[] = [];
    let packets = 0;
    let sawLastMessage: () => void = () => {};
    const lastSeen = new Promise<void>((res) => (sawLastMessage = res));
    const consumer = (async () => {
      for await (const p of cap) {
        assert.ok(!('kind' in p), `no warnings: ${JSON.stringify(p)}`);
        assert.equal(p.linkType, expectLinkType);
        packets++;
        events.push(...r.push(p));
        const c2s = Buffer.concat(events.filter((e) => e.kind === 'data' && e.dir === 'c2s').map((e) => (e as { data: Buffer }).data));
        if (c2s.includes(Buffer.from('live message 19'))) sawLastMessage();
      }
      events.push(...r.end());
    })();

    push.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < 20; i++) {
      await push.send([`live message ${i}`, Buffer.alloc(i * 100, i)]);
      assert.equal((await pull.receive())[0].toString(), `live message ${i}`);
    }
    // The packets arrive through the tool's stdout while the capture is still running.
    await lastSeen;
    await cap.stop();
    await consumer;

    const c2s = Buffer.concat(events.filter((e) => e.kind === 'data' && e.dir === 'c2s').map((e) => (e as { data: Buffer }).data));
    let at = 0;
    for (let i = 0; i < 20; i++) {
      const next = c2s.indexOf(Buffer.from(`live message ${i}`), at);
      assert.ok(next > at, `message ${i} in order`);
      at = next;
    }
    assert.equal(events.filter((e) => e.kind === 'open').length, 1);
    // The tee file is a complete capture of the same packets.
    let teePackets = 0;
    const src = openCapture(tee);
    for await (const p of src) if (!('kind' in p)) teePackets++;
    assert.equal(src.format, tool === 'dumpcap' ? 'pcapng' : 'pcap');
    assert.equal(teePackets, packets);
  });
}

test('listInterfaces: dumpcap and tcpdump both list lo and any', async () => {
  for (const tool of ['dumpcap', 'tcpdump'] as const) {
    const list = await LiveCapture.listInterfaces(tool);
    const names = list.map((i) => i.name);
    assert.ok(names.includes('lo'), `${tool}: ${names}`);
    assert.ok(names.includes('any'), `${tool}: ${names}`);
    assert.deepEqual(
      list.map((i) => i.index),
      list.map((_, k) => k + 1),
    );
  }
  assert.deepEqual(parseInterfaceList('1. eth0\n2. any (Pseudo-device)\n3.lo [Up, Running, Loopback]\nnoise\n'), [
    { index: 1, name: 'eth0' },
    { index: 2, name: 'any', description: 'Pseudo-device' },
    { index: 3, name: 'lo', flags: ['Up', 'Running', 'Loopback'] },
  ]);
});

async function startError(opts: ConstructorParameters<typeof LiveCapture>[0]): Promise<CaptureError> {
  const cap = new LiveCapture(opts);
  try {
    await cap.start();
  } catch (e) {
    assert.ok(e instanceof CaptureError, String(e));
    return e;
  } finally {
    await cap.stop();
  }
  assert.fail('capture started');
}

for (const tool of ['dumpcap', 'tcpdump'] as const) {
  test(`${tool}: clear errors for a missing tool, an unknown interface, a bad filter, no permission`, async () => {
    const missing = await startError({ interface: 'lo', tool, toolPath: `/nonexistent/${tool}` });
    assert.equal(missing.code, 'ENOENT');
    assert.match(missing.message, new RegExp(`${tool} was not found .*install`));

    const nodev = await startError({ interface: 'no-such-if0', tool });
    assert.equal(nodev.code, 'ENODEV');
    assert.match(nodev.message, /no-such-if0/);

    const filter = await startError({ interface: 'lo', tool, filter: 'tcp porrt 5' });
    assert.equal(filter.code, 'EFILTER');
    assert.match(filter.message, /"tcp porrt 5" is not valid/);

    // A filter that looks like an option is still only a filter.
    const dashed = await startError({ interface: 'lo', tool, filter: '-r /etc/hostname' });
    assert.equal(dashed.code, 'EFILTER');

    // Really unprivileged: the tool run as nobody cannot open a capture socket.
    const perm = await startError({ interface: 'lo', tool, uid: 65534, gid: 65534 });
    assert.equal(perm.code, 'EPERM');
    assert.match(perm.message, /no permission to capture on lo.*setcap/);
  });
}

test('options from outside are validated before anything runs', () => {
  assert.throws(() => new LiveCapture({ interface: '' }), /needs an interface name/);
  assert.throws(() => new LiveCapture({ interface: 'lo', snapLen: 0 }), /snap length must be an integer/);
  assert.throws(() => new LiveCapture({ interface: 'lo', snapLen: 1.5 }), /snap length/);
  assert.throws(() => new LiveCapture({ interface: 'lo', tool: 'wireshark' as CaptureTool }), /unknown capture tool "wireshark"/);
  assert.throws(() => new LiveCapture({ interface: 'lo', filter: 5 as unknown as string }), /filter must be a string/);
});

test('auto tool selection prefers dumpcap and falls back to tcpdump when dumpcap is missing', async (t) => {
  const cap = new LiveCapture({ interface: 'lo', filter: 'tcp port 9', tool: 'auto' });
  t.after(() => cap.stop());
  await cap.start();
  assert.equal(cap.tool, 'dumpcap');
  await cap.stop();
  const fallback = new LiveCapture({ interface: 'lo', filter: 'tcp port 9', tool: 'auto', toolPath: { dumpcap: '/nonexistent/dumpcap' } });
  t.after(() => fallback.stop());
  await fallback.start();
  assert.equal(fallback.tool, 'tcpdump');
  await fallback.stop();
  const neither = await startError({
    interface: 'lo',
    tool: 'auto',
    toolPath: { dumpcap: '/nonexistent/dumpcap', tcpdump: '/nonexistent/tcpdump' },
  });
  assert.equal(neither.code, 'ENOENT');
  assert.match(neither.message, /tcpdump was not found/);
});

test('stop() during start() ends the starting tool; start() rejects and nothing is left running', async () => {
  const cap = new LiveCapture({ interface: 'lo', filter: 'tcp port 9', tool: 'tcpdump' });
  const starting = cap.start();
  const stopped = cap.stop();
  await assert.rejects(starting, (e: unknown) => e instanceof CaptureError && /stopped before it started capturing/.test(e.message));
  await stopped;
  // Iterating a stopped capture yields nothing more and does not hang.
  await assert.rejects(async () => {
    for await (const _ of cap) void _;
  }, CaptureError);
});
