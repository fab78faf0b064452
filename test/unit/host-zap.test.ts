// The workbench's ZAP handler through the host API: PLAIN users and CURVE keys set with zap.set decide
// for real peers (pyzmq PLAIN clients, libzmq CURVE clients from the zeromq package), each decision shows
// in the server socket's timeline naming the user or key, and a CURVE client with a wrong server key
// gets the hint to check it.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host } from '../../core/host/index.js';
import { decideZap, DEFAULT_ZAP_POLICY } from '../../core/host/zap-handler.js';
import { securityRows } from '../../core/host/security-events.js';
import { curveKeyFrom, curveKeyPair } from '../../core/zmtp/index.js';
import { startPlainReq } from '../helpers/python.js';
import { rejects } from '../helpers/host-errors.js';

let host: Host;
/** The hosts' settings directory: the ZAP policy is saved there (never in the user's own settings). */
let settings: string;
before(() => {
  settings = mkdtempSync(join(tmpdir(), 'host-zap-'));
  host = new Host({ settingsDir: settings });
});
after(async () => {
  await host.close();
  rmSync(settings, { recursive: true, force: true });
});

/** Waits until the socket's timeline has an entry that `match` accepts (its JSON, whatever the fields). */
async function timelineEntry(id: string, match: RegExp): Promise<string> {
  for (;;) {
    const page = await host.request('socket.events', { id, limit: 10000 });
    const hit = page.items.map((e) => JSON.stringify(e)).find((j) => match.test(j));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('decideZap: PLAIN users and passwords, CURVE allow-list or any, refusals name the user or key', () => {
  const b = (s: string) => Buffer.from(s);
  const policy = { plainUsers: [{ username: 'alice', password: 'pw' }], curveAllowAny: false, curveKeys: [] as string[] };
  assert.deepEqual(decideZap(policy, 'PLAIN', [b('alice'), b('pw')]), {
    allowed: true,
    user: 'alice',
    statusCode: '200',
    statusText: 'OK',
  });
  assert.match(decideZap(policy, 'PLAIN', [b('alice'), b('nope')]).statusText, /wrong password for PLAIN user 'alice'/);
  assert.match(decideZap(policy, 'PLAIN', [b('bob'), b('pw')]).statusText, /unknown PLAIN user 'bob'/);
  assert.match(decideZap(DEFAULT_ZAP_POLICY, 'PLAIN', [b('bob'), b('pw')]).statusText, /no PLAIN users are set up/);
  const key = curveKeyPair().publicKey;
  const refused = decideZap(policy, 'CURVE', [Buffer.from(curveKeyFrom(key, 'k'))]);
  assert.equal(refused.statusCode, '400');
  assert.match(refused.statusText, new RegExp(`CURVE client key ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not in the allowed list`));
  assert.equal(decideZap({ ...policy, curveKeys: [key] }, 'CURVE', [Buffer.from(curveKeyFrom(key, 'k'))]).user, key);
  assert.equal(decideZap(DEFAULT_ZAP_POLICY, 'CURVE', [Buffer.from(curveKeyFrom(key, 'k'))]).allowed, true);
});

test('securityRows: decisions only on ZAP-asking servers, hints for CURVE clients and refused clients', () => {
  const server = { plainServer: true };
  assert.deepEqual(securityRows(server, { type: 'handshake', address: 'tcp://127.0.0.1:5', remoteAddress: 'tcp://127.0.0.1:6' }, 'alice'), [
    { type: 'zap:allowed', address: 'tcp://127.0.0.1:5', reason: "ZAP allowed PLAIN user 'alice'", detail: 'from tcp://127.0.0.1:6' },
  ]);
  assert.deepEqual(securityRows({}, { type: 'handshake' }), [], 'a NULL socket without a ZAP domain asks no one');
  assert.equal(securityRows({ zapDomain: 'd' }, { type: 'handshake' })[0].reason, 'ZAP allowed NULL client');
  const clientRows = securityRows(
    { curveServerKey: 'K'.repeat(40), curvePublicKey: 'P'.repeat(40) },
    { type: 'handshake:error:protocol', reason: 'connection closed during the handshake' },
  );
  assert.equal(clientRows.length, 1);
  assert.match(clientRows[0].reason, /check the server public key \(this socket uses K{40}\)/);
  const plainClient = securityRows(
    { plainUsername: 'bob', plainPassword: 'x' },
    { type: 'handshake:error:auth', reason: 'PLAIN server refused the handshake: ZAP status 400' },
  );
  assert.match(plainClient[0].reason, /refused user 'bob'/);
});

test('zap.set is validated: duplicate users, bad keys, missing fields', async () => {
  await rejects(
    host.request('zap.set', {
      policy: {
        plainUsers: [
          { username: 'a', password: '1' },
          { username: 'a', password: '2' },
        ],
        curveAllowAny: true,
        curveKeys: [],
      },
    }),
    'EINVAL',
    /two PLAIN users are named 'a'/,
  );
  await rejects(
    host.request('zap.set', { policy: { plainUsers: [], curveAllowAny: false, curveKeys: ['short'] } }),
    'EINVAL',
    /40-character Z85/,
  );
  await rejects(
    host.request('zap.set', { policy: { plainUsers: [{ username: '', password: '' }], curveAllowAny: true, curveKeys: [] } }),
    'EINVAL',
    /needs a name/,
  );
  await rejects(host.request('zap.set', { policy: { plainUsers: [] } } as never), 'EINVAL', /curveAllowAny/);
  assert.deepEqual(await host.request('zap.get'), DEFAULT_ZAP_POLICY, 'a rejected policy changes nothing');
});

test('a workbench PLAIN server lets in a pyzmq client with the right password and refuses a wrong one, both in its timeline', async () => {
  await host.request('zap.set', {
    policy: { plainUsers: [{ username: 'alice', password: 's3cret' }], curveAllowAny: true, curveKeys: [] },
  });
  const rep = await host.request('socket.create', { type: 'REP', name: 'plain-rep', options: { plainServer: true } });
  const endpoint = (await host.request('socket.bind', { id: rep.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const good = startPlainReq(endpoint, 'alice', 's3cret', 'hello');
  const bad = startPlainReq(endpoint, 'alice', 'guess', 'hello', 'pyzmq PLAIN client (wrong password)');
  try {
    const allowed = await timelineEntry(rep.id, /zap:allowed/);
    assert.match(allowed, /ZAP allowed PLAIN user 'alice'/);
    assert.match(allowed, /from tcp:\/\/127\.0\.0\.1:\d+/);
    const refused = await timelineEntry(rep.id, /zap:refused/);
    assert.match(refused, /ZAP refused a PLAIN client \(status 400\): wrong password for PLAIN user 'alice'/);
    // The accepted client really talks to the REP; its peer entry carries the ZAP User-Id.
    await timelineEntry(rep.id, /"handshake"/);
    for (;;) {
      const log = await host.request('socket.messages', { id: rep.id });
      if (log.items.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await host.request('socket.send', { id: rep.id, frames: [{ kind: 'text', data: 'welcome' }] });
    assert.equal(await good.line(), 'welcome');
    const [info] = (await host.request('socket.list')).filter((s) => s.id === rep.id);
    assert.ok(
      info.peers.some((p) => p.metadata?.['User-Id'] === 'alice'),
      JSON.stringify(info.peers),
    );
  } finally {
    good.child.kill();
    bad.child.kill();
    await host.request('socket.close', { id: rep.id });
    await host.request('zap.set', { policy: DEFAULT_ZAP_POLICY });
  }
});

test('CURVE allow-list: a listed libzmq client gets in, another key is refused by name; a wrong server key gets the hint', async () => {
  const server = curveKeyPair();
  const listed = curveKeyPair();
  const stranger = curveKeyPair();
  await host.request('zap.set', { policy: { plainUsers: [], curveAllowAny: false, curveKeys: [listed.publicKey] } });
  const pull = await host.request('socket.create', {
    type: 'PULL',
    name: 'curve-pull',
    options: { curveServer: true, curveSecretKey: server.secretKey },
  });
  assert.equal(pull.options.curvePublicKey, server.publicKey, 'the public key is derived from the secret key and shown');
  const endpoint = (await host.request('socket.bind', { id: pull.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  const good = new zmq.Push({
    curveServerKey: server.publicKey,
    curvePublicKey: listed.publicKey,
    curveSecretKey: listed.secretKey,
    linger: 0,
  });
  const bad = new zmq.Push({
    curveServerKey: server.publicKey,
    curvePublicKey: stranger.publicKey,
    curveSecretKey: stranger.secretKey,
    linger: 0,
  });
  const own = curveKeyPair();
  const push = await host.request('socket.create', {
    type: 'PUSH',
    name: 'wrong-key',
    options: { curveServerKey: stranger.publicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey, reconnectInterval: 200 },
  });
  try {
    good.connect(endpoint);
    bad.connect(endpoint);
    await host.request('socket.connect', { id: push.id, endpoint });
    const allowed = await timelineEntry(pull.id, /zap:allowed/);
    assert.ok(allowed.includes(`ZAP allowed CURVE key ${listed.publicKey}`), allowed);
    const refused = await timelineEntry(pull.id, /zap:refused/);
    assert.ok(refused.includes(`CURVE client key ${stranger.publicKey} is not in the allowed list`), refused);
    // Our own client used another server's key: the server cannot open its HELLO, and both sides say why.
    const clientHint = await timelineEntry(push.id, /"hint"/);
    assert.ok(clientHint.includes(`check the server public key (this socket uses ${stranger.publicKey})`), clientHint);
    const serverHint = await timelineEntry(pull.id, /other than this socket's public key/);
    assert.ok(serverHint.includes(server.publicKey), serverHint);
  } finally {
    good.close();
    bad.close();
    await host.request('socket.close', { id: push.id });
    await host.request('socket.close', { id: pull.id });
    await host.request('zap.set', { policy: DEFAULT_ZAP_POLICY });
  }
});

test('the ZAP policy outlives the host: a private file in the settings directory, read by the next host, whose PLAIN server admits a pyzmq client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-zap-persist-'));
  const file = join(dir, 'zap-policy.json');
  const client = curveKeyPair();
  const policy = { plainUsers: [{ username: 'carol', password: 'kept across runs' }], curveAllowAny: false, curveKeys: [client.publicKey] };
  try {
    const first = new Host({ settingsDir: dir });
    assert.deepEqual(await first.request('zap.get'), DEFAULT_ZAP_POLICY, 'nothing saved yet: the default');
    await first.request('zap.set', { policy });
    await first.close();
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only its owner may read the PLAIN passwords');
    assert.equal(statSync(dir).mode & 0o077, 0, "the settings folder it made is its owner's only");
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).policy.plainUsers[0].password, 'kept across runs');

    // A file made readable by others (copied, restored) is tightened when the next host reads it.
    chmodSync(file, 0o644);
    const second = new Host({ settingsDir: dir });
    try {
      assert.deepEqual(await second.request('zap.get'), policy);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const rep = await second.request('socket.create', { type: 'REP', name: 'plain-rep-2', options: { plainServer: true } });
      const endpoint = (await second.request('socket.bind', { id: rep.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
      const good = startPlainReq(endpoint, 'carol', 'kept across runs', 'hello');
      try {
        for (;;) {
          const log = await second.request('socket.messages', { id: rep.id });
          if (log.items.length > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await second.request('socket.send', { id: rep.id, frames: [{ kind: 'text', data: 'still known' }] });
        assert.equal(await good.line(), 'still known');
      } finally {
        good.child.kill();
      }
    } finally {
      await second.close();
    }

    // A file that is not a policy: zap.get says which file and what is wrong; setting a policy replaces it.
    writeFileSync(file, '{"format":"zmq-inspector-zap-policy","version":1,"policy":{"plainUsers":[{"username":""}]}}');
    const third = new Host({ settingsDir: dir });
    try {
      await rejects(
        third.request('zap.get'),
        'EINVAL',
        /the ZAP policy file .*zap-policy\.json holds an invalid policy: .*setting the policy in a Security card replaces it/,
      );
      await third.request('zap.set', { policy: DEFAULT_ZAP_POLICY });
      assert.deepEqual(await third.request('zap.get'), DEFAULT_ZAP_POLICY);
      writeFileSync(file, 'not json');
      const fourth = new Host({ settingsDir: dir });
      await rejects(fourth.request('zap.get'), 'EINVAL', /is not JSON/);
      await fourth.close();
    } finally {
      await third.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
