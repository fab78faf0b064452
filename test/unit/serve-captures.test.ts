// `zmtp serve --captures DIR` (issue 13): the page lists the folder's capture files and opens one in place,
// by plain name only; nothing outside the folder is reached (no path, no '..', no link out), the folder's
// path never shows in a reply, the token guards both routes, and closing the capture leaves the file where
// it is. Tried with real HTTP requests against servers in this process, with and without the flag.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseServeArgs, startServer, type RunningServer } from '../../core/cli/serve.js';
import { MAX_LISTED, ServedCaptures } from '../../core/cli/serve-captures.js';
import { api, http, waitFor, type Answer } from '../helpers/serve-http.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = join(root, 'resources/captures/plain-auth.pcap');
let dir: string;
let captures: string;
let withFolder: { server: RunningServer; port: number; token: string };
let without: { server: RunningServer; port: number; token: string };

async function serve(name: string, capturesDir?: string) {
  const renderer = join(dir, `renderer-${name}`);
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rendererDir: renderer,
    settingsDir: join(dir, `settings-${name}`),
    capturesDir,
  });
  const url = new URL(server.url);
  return { server, port: Number(url.port), token: url.searchParams.get('token')! };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-captures-'));
  captures = join(dir, 'my captures');
  mkdirSync(captures);
  copyFileSync(SAMPLE, join(captures, 'b-auth.pcap'));
  copyFileSync(join(root, 'resources/captures/curve.pcapng'), join(captures, 'a-curve.pcapng'));
  writeFileSync(join(captures, 'garbage.cap'), 'this is not a capture file at all, just text');
  writeFileSync(join(captures, 'notes.txt'), 'not listed');
  mkdirSync(join(captures, 'folder.pcap'));
  writeFileSync(join(dir, 'outside.pcap'), readFileSync(SAMPLE));
  symlinkSync(join(dir, 'outside.pcap'), join(captures, 'link-out.pcap'));
  symlinkSync('b-auth.pcap', join(captures, 'link-in.pcap'));
  withFolder = await serve('with', captures);
  without = await serve('without');
});
after(async () => {
  await withFolder?.server.close();
  await without?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (s: typeof withFolder, path: string, headers: Record<string, string> = { 'x-zmtp-token': s.token }) =>
  http(s.port, path, { headers });
const open = (s: typeof withFolder, name: string | undefined, headers: Record<string, string> = { 'x-zmtp-token': s.token }) =>
  http(s.port, `/api/server-captures/open${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`, { method: 'POST', headers });
const body = (a: Answer) => JSON.parse(a.body.toString());

test('the list: capture files only, sorted by name, with size and time; the folder by its name, never its path', async () => {
  const listed = await get(withFolder, '/api/server-captures');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.toString().includes(dir), false, listed.body.toString());
  const { result } = body(listed);
  assert.equal(result.folder, 'my captures');
  assert.equal(result.truncated, false);
  // No notes.txt, no folder.pcap (a directory), no link-out.pcap (leads out of the folder).
  assert.deepEqual(
    result.files.map((f: { name: string }) => f.name),
    ['a-curve.pcapng', 'b-auth.pcap', 'garbage.cap', 'link-in.pcap'],
  );
  const auth = result.files.find((f: { name: string }) => f.name === 'b-auth.pcap');
  assert.equal(auth.size, readFileSync(SAMPLE).length);
  assert.ok(Math.abs(auth.modified - Date.now()) < 3600_000, `modified ${auth.modified} is about now`);
});

test('a listed file opens in place as the desktop app opens it, and closing the capture leaves the file', async () => {
  const opened = await open(withFolder, 'b-auth.pcap');
  assert.equal(opened.status, 200, opened.body.toString());
  const capture = body(opened).result;
  assert.equal(capture.name, 'b-auth.pcap');
  assert.equal(capture.source, 'file');
  const { ask, close } = await api(withFolder.port, withFolder.token);
  try {
    let listed: { state: string; records: number } | undefined;
    await waitFor('the capture is decoded', async () => {
      listed = (await ask('capture.list')).result.find((c: { id: string }) => c.id === capture.id);
      return listed?.state === 'ready';
    });
    assert.ok(listed!.records > 0, `records: ${listed!.records}`);
    // The same capture is downloadable (the file it opened, byte for byte).
    const file = await get(withFolder, `/api/captures/${capture.id}/file?token=${withFolder.token}`);
    assert.deepEqual(file.body, readFileSync(SAMPLE));
    assert.equal((await ask('capture.close', { id: capture.id })).ok, true);
    assert.deepEqual(readFileSync(join(captures, 'b-auth.pcap')), readFileSync(SAMPLE), 'the file is still there, unchanged');
    // A link inside the folder to a file inside it opens too, and closing it removes neither.
    const viaLink = body(await open(withFolder, 'link-in.pcap')).result;
    assert.equal(viaLink.name, 'link-in.pcap');
    assert.equal((await ask('capture.close', { id: viaLink.id })).ok, true);
    assert.deepEqual(readFileSync(join(captures, 'link-in.pcap')), readFileSync(SAMPLE));
  } finally {
    close();
  }
});

test('a file that does not decode fails as an upload does, and the reply names no server path', async () => {
  const opened = await open(withFolder, 'garbage.cap');
  assert.equal(opened.status, 200);
  const { ask, close } = await api(withFolder.port, withFolder.token);
  try {
    let listed: { state: string; error?: string } | undefined;
    await waitFor('the capture fails', async () => {
      const reply = await ask('capture.list');
      assert.equal(JSON.stringify(reply).includes(dir), false, JSON.stringify(reply));
      listed = reply.result.find((c: { id: string }) => c.id === body(opened).result.id);
      return listed?.state === 'failed';
    });
    assert.match(listed!.error ?? '', /\S/);
    assert.equal((await ask('capture.close', { id: body(opened).result.id })).ok, true);
  } finally {
    close();
  }
});

test('only a plain name of a capture file inside the folder opens; each refusal says why, with a code', async () => {
  const refusals: [string | undefined, number, string, RegExp][] = [
    [undefined, 400, 'EINVAL', /name the capture file/],
    ['', 400, 'EINVAL', /name the capture file/],
    ['.', 400, 'EINVAL', /not a plain file name/],
    ['..', 400, 'EINVAL', /not a plain file name/],
    ['../outside.pcap', 400, 'EINVAL', /not a plain file name/],
    ['a/b.pcap', 400, 'EINVAL', /not a plain file name/],
    ['..\\outside.pcap', 400, 'EINVAL', /not a plain file name/],
    ['b-auth.pcap\0.pcap', 400, 'EINVAL', /not a plain file name/],
    ['notes.txt', 400, 'EINVAL', /not a capture file/],
    ['folder.pcap', 400, 'EINVAL', /not a regular file/],
    ['missing.pcap', 404, 'ENOENT', /not in the captures folder/],
    ['link-out.pcap', 403, 'EPERM', /leads out of the captures folder/],
  ];
  for (const [name, status, code, message] of refusals) {
    const answer = await open(withFolder, name);
    const what = `${JSON.stringify(name)}: ${answer.body.toString()}`;
    assert.equal(answer.status, status, what);
    assert.equal(body(answer).ok, false, what);
    assert.equal(body(answer).error.code, code, what);
    assert.match(body(answer).error.message, message, what);
    assert.equal(answer.body.toString().includes(dir), false, what);
  }
  const { ask, close } = await api(withFolder.port, withFolder.token);
  try {
    assert.deepEqual((await ask('capture.list')).result, [], 'no refusal opened a capture');
  } finally {
    close();
  }
});

test('both routes need the token stated in the request', async () => {
  const page = await http(withFolder.port, `/?token=${withFolder.token}`);
  const cookie = String(page.headers['set-cookie']).split(';')[0];
  const refused: Record<string, string>[] = [{}, { cookie }, { 'x-zmtp-token': 'wrong' }];
  for (const headers of refused) {
    assert.equal((await get(withFolder, '/api/server-captures', headers)).status, 401);
    assert.equal((await open(withFolder, 'b-auth.pcap', headers)).status, 401);
  }
  assert.equal((await get(withFolder, `/api/server-captures?token=${withFolder.token}`, {})).status, 200);
});

test('without --captures the list is null and opening is refused', async () => {
  const listed = await get(without, '/api/server-captures');
  assert.equal(listed.status, 200);
  assert.deepEqual(body(listed), { ok: true, result: null });
  const opened = await open(without, 'b-auth.pcap');
  assert.equal(opened.status, 404);
  assert.equal(body(opened).error.code, 'EPERM');
  assert.match(body(opened).error.message, /without --captures/);
});

test('parseServeArgs checks --captures: an existing folder, not the root', () => {
  const ok = parseServeArgs(['--captures', captures]);
  assert.equal(typeof ok === 'object' && ok.capturesDir, captures);
  assert.equal(parseServeArgs(['--captures']), '--captures needs a value');
  assert.equal(parseServeArgs(['--captures', '--port']), '--captures needs a value');
  assert.match(String(parseServeArgs(['--captures', join(dir, 'nowhere')])), /^--captures '.*nowhere': no such folder$/);
  assert.match(String(parseServeArgs(['--captures', join(captures, 'b-auth.pcap')])), /^--captures '.*b-auth\.pcap' is not a folder$/);
  assert.match(String(parseServeArgs(['--captures', '/'])), /is the file system root/);
  const plain = parseServeArgs([]);
  assert.equal(typeof plain === 'object' && plain.capturesDir, undefined);
});

test('a folder of more capture files than the list holds: the first ones by name, and the list says so', async () => {
  const many = join(dir, 'many');
  mkdirSync(many);
  const names = Array.from({ length: MAX_LISTED + 5 }, (_, i) => `cap-${String(i).padStart(5, '0')}.pcap`);
  for (const name of [...names].reverse()) writeFileSync(join(many, name), '');
  const list = await new ServedCaptures(many).list();
  assert.equal(list.truncated, true);
  assert.deepEqual(
    list.files.map((f) => f.name),
    names.slice(0, MAX_LISTED),
  );
  for (const name of names.slice(0, 5)) rmSync(join(many, name));
  const all = await new ServedCaptures(many).list();
  assert.equal(all.truncated, false);
  assert.equal(all.files.length, MAX_LISTED);
});
