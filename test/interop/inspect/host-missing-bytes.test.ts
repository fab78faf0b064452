// The host's connection summaries count the bytes a capture did not contain: a real tcpdump capture of
// libzmq REQ/REP traffic on two connections, rewritten without one of the first client's data segments.
// The summary of that connection says how many bytes are missing (the dropped segment's payload); the
// other connection, and both in the untouched capture, miss none.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Host } from '../../../core/host/index.js';
import type { ConnectionSummary } from '../../../core/host/protocol.js';
import { tempDir } from '../../helpers/capture.js';
import { captureTwoRequesters } from './helpers.js';
import { firstClientPort, nthDataPacket, readTcpPackets, writeTcpPackets } from '../../helpers/tcp-rewrite.js';

const t = tempDir();
let host: Host;
let whole = '';
let lossy = '';
let droppedBytes = 0;
let lossyClient = '';

before(async () => {
  host = new Host();
  whole = await captureTwoRequesters(t.dir, 'whole.pcap', 6);
  const packets = await readTcpPackets(whole);
  const clientPort = firstClientPort(packets);
  // The fourth data segment of the first client: past its greeting and handshake, with requests after it.
  const lost = nthDataPacket(packets, clientPort, 4);
  assert.ok(lost >= 0, 'the first client sent at least four data segments');
  droppedBytes = packets[lost].d.tcp.payload.length;
  lossyClient = `${packets[lost].d.src}:${clientPort}`;
  lossy = join(t.dir, 'lossy.pcap');
  writeTcpPackets(
    packets.filter((_, i) => i !== lost),
    lossy,
  );
});

after(async () => {
  await host.close();
  t.cleanup();
});

async function connectionsOf(path: string): Promise<ConnectionSummary[]> {
  const opened = await host.request('capture.openFile', { path });
  while ((await host.request('capture.list')).find((c) => c.id === opened.id)?.state === 'loading')
    await new Promise((r) => setTimeout(r, 20));
  assert.equal((await host.request('capture.list')).find((c) => c.id === opened.id)?.state, 'ready');
  return host.request('capture.connections', { id: opened.id });
}

test('the untouched capture: two connections, no bytes missing', async () => {
  const conns = await connectionsOf(whole);
  assert.equal(conns.length, 2);
  assert.deepEqual(
    conns.map((c) => c.missingBytes),
    [0, 0],
  );
});

test("a dropped data segment: its connection misses exactly the segment's payload, the other none", async () => {
  assert.ok(droppedBytes > 0);
  const conns = await connectionsOf(lossy);
  assert.equal(conns.length, 2);
  const hit = conns.find((c) => c.client === lossyClient);
  assert.ok(hit, `a connection from ${lossyClient} among ${conns.map((c) => c.client).join(', ')}`);
  assert.equal(hit.missingBytes, droppedBytes);
  assert.deepEqual(
    conns.filter((c) => c !== hit).map((c) => c.missingBytes),
    [0],
  );
});
