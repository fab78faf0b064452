// zmtp serve keeps its token and port in the settings directory (serve.json, mode 0600) and reuses them, so
// a page left open reconnects after a restart; --new-token makes a new one; a last port taken by now or a
// file that is not ours gives a working server and a note saying so. Real servers on real ports.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseServeArgs, startServer, type ServeOptions } from '../../core/cli/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const renderer = join(dir, 'renderer');
mkdirSync(renderer);
writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');

async function run(settingsDir: string, extra: Partial<ServeOptions> = {}) {
  const server = await startServer({
    host: '127.0.0.1',
    rendererDir: renderer,
    settingsDir,
    tempDir: mkdtempSync(join(dir, 'tmp-')),
    ...extra,
  });
  await server.close();
  const url = new URL(server.url);
  return { token: url.searchParams.get('token')!, port: Number(url.port), notes: server.notes };
}

test('the token and port are saved privately and reused by the next run; --new-token replaces the token', async () => {
  const settings = join(dir, 'a');
  const first = await run(settings);
  const file = join(settings, 'serve.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
    format: 'zmq-inspector-serve',
    version: 1,
    token: first.token,
    port: first.port,
  });
  const second = await run(settings);
  assert.deepEqual([second.token, second.port, second.notes], [first.token, first.port, []]);
  const fresh = await run(settings, { newToken: true });
  assert.notEqual(fresh.token, first.token);
  assert.equal((await run(settings)).token, fresh.token, 'the new token is the one kept');
  // An explicit --port 0 asks for any free port, whatever the last one was.
  assert.equal((await run(settings, { port: 0 })).token, fresh.token);
});

test("the last run's port taken by now: another port, and a note that open pages will not find it", async () => {
  const settings = join(dir, 'b');
  const first = await run(settings);
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(first.port, '127.0.0.1', r));
  try {
    const second = await run(settings);
    assert.equal(second.token, first.token);
    assert.notEqual(second.port, first.port);
    assert.deepEqual(second.notes, [`port ${first.port} of the last run is in use, so pages still open on it will not reconnect`]);
  } finally {
    await new Promise((r) => squatter.close(r));
  }
});

test('a serve.json that is not ours is not trusted: a new token, and a note naming the file', async () => {
  const settings = join(dir, 'c');
  mkdirSync(settings);
  for (const junk of ['not json', JSON.stringify({ format: 'zmq-inspector-serve', version: 1, token: 'short' })]) {
    writeFileSync(join(settings, 'serve.json'), junk);
    const r = await run(settings);
    assert.match(r.token, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0], /serve\.json (is not JSON|holds no valid token \(32 base64url characters\)); a new token was made/);
    assert.equal(JSON.parse(readFileSync(join(settings, 'serve.json'), 'utf8')).token, r.token, 'replaced by a good one');
  }
});

test('command line: --new-token, and no --port means the last port', () => {
  const opts = parseServeArgs(['--new-token', '--settings', dir]);
  assert.ok(typeof opts === 'object');
  assert.equal(opts.newToken, true);
  assert.equal(opts.port, undefined);
  assert.equal((parseServeArgs(['--port', '0']) as ServeOptions).port, 0);
});
