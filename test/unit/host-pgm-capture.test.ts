// The host's capture API on PGM/EPGM captures (the two tcpdump test captures): each session is a
// connection with its PGM summary, and record queries filter on PGM packets, losses and transport.
import assert from 'node:assert/strict';
import { REALCAPS, realcapsMissing } from '../helpers/pgm.js';
import { after, before, test } from 'node:test';
import { Host } from '../../core/host/index.js';

let host: Host;
before(() => {
  host = new Host();
});
after(async () => {
  await host.close();
});

async function openReady(path: string): Promise<string> {
  const opened = await host.request('capture.openFile', { path });
  for (let i = 0; i < 500 && (await host.request('capture.list')).find((c) => c.id === opened.id)?.state !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 20));
  return opened.id;
}

for (const [file, transport, tsi, spms] of [
  ['tcpdump_epgm_zmtp1.pcap', 'epgm', '47e3fdad9a9c.39236', 11],
  ['tcpdump_pgm_zmtp1.pcap', 'pgm', '3329041eba74.13320', 10],
] as const) {
  test(
    `${file}: one PGM session in the connections list, records filtered by PGM kind and transport`,
    { skip: realcapsMissing },
    async () => {
      const id = await openReady(`${REALCAPS}/${file}`);
      const conns = await host.request('capture.connections', { id });
      assert.equal(conns.length, 1);
      const [c] = conns;
      assert.deepEqual(c.pgm, { transport, tsi, packets: spms + 4, lost: 0, repaired: 0, duplicates: 0, naks: 0 });
      assert.equal(c.server, '239.255.0.16:5563');
      assert.equal(c.messages, 4);
      assert.equal(c.version, '1.0');
      const packets = await host.request('capture.query', { id, filter: { kind: 'pgm' } });
      assert.equal(packets.total, spms + 4);
      assert.ok(packets.items.some((r) => /^ODATA sqn \d+ .*first message at 0/.test(r.summary)));
      assert.ok(packets.items.some((r) => r.dir === 's2c' && r.summary.startsWith('SPMR')));
      const messages = await host.request('capture.query', { id, filter: { kind: 'message', transport: 'pgm' } });
      assert.equal(messages.total, 4);
      assert.match(messages.items[0].summary, /This is a short ASCII message/);
      assert.equal((await host.request('capture.query', { id, filter: { transport: 'tcp' } })).total, 0);
      assert.equal((await host.request('capture.query', { id, filter: { kind: 'loss' } })).total, 0);
      assert.equal((await host.request('capture.query', { id, filter: { kind: 'error' } })).total, 0);
      await host.request('capture.close', { id });
    },
  );
}
