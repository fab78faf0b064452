// Composer templates kept by the host in its settings directory: saved, listed by a later host (as a
// new `zmtp serve` run would), validated, and a damaged file reported without being lost silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../core/host/index.js';
import { rejects } from '../helpers/host-errors.js';

const templates = [
  {
    name: 'hello',
    frames: [
      { kind: 'text' as const, data: 'hello' },
      { kind: 'hex' as const, data: '00ff' },
    ],
  },
  { name: 'order', frames: [{ kind: 'json' as const, data: '{"id": 7}' }] },
];

test('templates persist in the settings directory across hosts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'host-templates-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = new Host({ settingsDir: join(dir, 'nested', 'settings') });
  assert.deepEqual(await first.request('templates.list'), [], 'nothing saved yet, no file: empty');
  const saved = await first.request('templates.save', { templates });
  assert.equal(saved.path, join(dir, 'nested', 'settings', 'templates.json'));
  await first.close();
  const second = new Host({ settingsDir: join(dir, 'nested', 'settings') });
  assert.deepEqual(await second.request('templates.list'), templates);
  await second.close();
});

test('bad templates are refused with specific errors; a damaged file is reported, then replaced by a save', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'host-templates-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const host = new Host({ settingsDir: dir });
  t.after(() => host.close());
  await rejects(
    host.request('templates.save', { templates: [{ name: '', frames: [{ kind: 'text', data: 'x' }] }] }),
    'EINVAL',
    /a template needs a name/,
  );
  await rejects(
    host.request('templates.save', { templates: [{ name: 'empty', frames: [] }] }),
    'EINVAL',
    /a template needs at least one frame/,
  );
  await rejects(
    host.request('templates.save', { templates: [{ name: 'x', frames: [{ kind: 'morse', data: '...' }] }] } as never),
    'EINVAL',
    /kind/,
  );
  await rejects(host.request('templates.save', { templates: [templates[0], templates[0]] }), 'EINVAL', /two templates are named 'hello'/);

  writeFileSync(join(dir, 'templates.json'), '{ not json');
  await rejects(host.request('templates.list'), 'EINVAL', /templates\.json is not JSON .*saving templates will replace it/);
  writeFileSync(join(dir, 'templates.json'), JSON.stringify({ format: 'something-else', templates: [] }));
  await rejects(host.request('templates.list'), 'EINVAL', /is not a templates file: format/);
  await host.request('templates.save', { templates: [templates[1]] });
  assert.deepEqual(await host.request('templates.list'), [templates[1]]);
  assert.equal(JSON.parse(readFileSync(join(dir, 'templates.json'), 'utf8')).format, 'zmq-inspector-templates');
});
