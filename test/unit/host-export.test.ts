// Capture exports through the host: rows are made only as fast as the reader takes them, progress and
// the outcome show in the capture's summary, one export per capture at a time, and an export stops on
// cancel or when its capture closes. On a real capture taken by tcpdump.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host } from '../../core/host/index.js';
import { rejects } from '../helpers/host-errors.js';
import { captureWithTcpdump, freePort } from '../e2e/traffic.js';

const COUNT = 3000;
let host: Host;
let dir: string;
let file: string;

/** A reader that takes one chunk and then nothing more: everything behind it waits. */
function stalledReader(): Writable {
  return new Writable({
    highWaterMark: 1,
    write(_chunk, _enc, _done) {
      /* never done */
    },
  });
}

async function openReady(): Promise<string> {
  const { id } = await host.request('capture.openFile', { path: file, name: 'burst.pcap' });
  for (let i = 0; i < 500 && (await host.request('capture.list')).find((c) => c.id === id)?.state !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 20));
  return id;
}

const summary = async (id: string) => (await host.request('capture.list')).find((c) => c.id === id)!;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'host-export-'));
  file = join(dir, 'burst.pcap');
  const port = await freePort();
  await captureWithTcpdump(file, port, async () => {
    const pull = new zmq.Pull({ linger: 0 });
    const push = new zmq.Push({ linger: 0 });
    try {
      await pull.bind(`tcp://127.0.0.1:${port}`);
      push.connect(`tcp://127.0.0.1:${port}`);
      for (let i = 0; i < COUNT; i++) {
        await push.send(`row-${i}-`.padEnd(512, 'x'));
        await pull.receive();
      }
    } finally {
      push.close();
      pull.close();
    }
  });
  host = new Host({ settingsDir: dir });
});
after(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an export makes rows only as the reader takes them, and stops on cancel', async () => {
  const id = await openReady();
  const job = host.captures.beginExport(id, 'jsonl', { kind: 'message' });
  assert.equal(job.name, 'burst.jsonl');
  const outcome = job.into(stalledReader()).then(
    () => 'finished',
    (err) => err,
  );
  await new Promise((r) => setTimeout(r, 100));
  const running = (await summary(id)).export!;
  assert.equal(running.state, 'running');
  assert.equal(running.total, job.total);
  assert.ok(job.total >= COUNT * 0.9, `messages in the capture: ${job.total}`);
  assert.ok(running.rows < running.total, `rows made with a stalled reader: ${running.rows} of ${running.total}`);
  await rejects(
    host.request('capture.export', { id, format: 'csv', path: join(dir, 'second.csv'), filter: {} }),
    'EBUSY',
    /already being exported/,
  );
  await host.request('capture.cancelExport', { id });
  const err = await outcome;
  assert.equal(err.code, 'ECANCELED');
  assert.match(err.message, /cancelled after \d+ of \d+ rows/);
  assert.equal((await summary(id)).export!.state, 'cancelled');
  await rejects(host.request('capture.cancelExport', { id }), 'ENOENT', /no export running/);

  // Then a full export to a file: every row, progress at the total.
  const out = join(dir, 'all.jsonl');
  const done = await host.request('capture.export', { id, format: 'jsonl', path: out, filter: { kind: 'message' } });
  assert.equal(done.rows, job.total);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines.length, job.total);
  assert.match(Buffer.from(JSON.parse(lines[7]).frames[0], 'hex').toString(), /^row-\d+-x+$/);
  assert.deepEqual((({ state, rows, total }) => ({ state, rows, total }))((await summary(id)).export!), {
    state: 'done',
    rows: job.total,
    total: job.total,
  });
  await host.request('capture.close', { id });
});

test('closing a capture stops its export', async () => {
  const id = await openReady();
  const job = host.captures.beginExport(id, 'csv', {});
  const outcome = job.into(stalledReader()).then(
    () => 'finished',
    (err) => err,
  );
  await host.request('capture.close', { id });
  const err = await outcome;
  assert.equal(err.code, 'ECANCELED');
});
