// A capture's warnings reach the capture session (the UI's warning list) as the capture layer wrote them:
// they name their packet once ("packet 2: ..."), not "packet 2: packet 2: ...".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter, buildTcpPacket, LINKTYPE_ETHERNET, type CaptureWarning } from '../../core/capture/index.js';
import { decodeFile } from '../../core/host/pipeline.js';

test("a malformed packet's warning names its packet once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-warn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new PcapWriter({ linkType: LINKTYPE_ETHERNET });
  w.write({
    tsSec: 1,
    tsNsec: 0,
    data: buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, seq: 1, ack: 0, flags: 0x02 }),
  });
  w.write({ tsSec: 2, tsNsec: 0, data: Buffer.alloc(10, 0x45) }); // shorter than an Ethernet header
  const file = join(dir, 'bad.pcap');
  writeFileSync(file, w.toBuffer());
  const warnings: CaptureWarning[] = [];
  await decodeFile(
    file,
    { record() {}, message() {}, packet() {}, progress() {}, warning: (w) => warnings.push(w) },
    { signal: new AbortController().signal },
  );
  assert.deepEqual(
    warnings.map((w) => [w.index, w.code, w.severity]),
    [[2, 'PACKET_MALFORMED', 'warning']],
  );
  assert.match(warnings[0].message, /^packet 2: /);
  assert.doesNotMatch(warnings[0].message, /packet 2: packet 2/);
});
