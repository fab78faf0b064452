// Workspace files leave secrets (CURVE secret keys, PLAIN and SOCKS passwords) out unless asked, and say what a saved
// socket lacks when it is opened again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingSecrets, toWorkspace, zapToApply } from '../../../src/renderer/src/workbench/workspace.js';
import type { SocketInfo } from '../../../core/host/protocol.js';

const curveServer: SocketInfo = {
  id: 's1',
  name: 'srv',
  type: 'REP',
  closed: false,
  messageCount: 0,
  eventCount: 0,
  peers: [],
  options: { curveServer: true, curvePublicKey: 'P'.repeat(40), curveSecretKey: 'S'.repeat(40), sendTimeout: 2000 },
  endpoints: [{ kind: 'bind', requested: 'tcp://127.0.0.1:*', endpoint: 'tcp://127.0.0.1:5555' }],
};
const plainClient: SocketInfo = {
  ...curveServer,
  id: 's2',
  name: 'cli',
  type: 'REQ',
  options: { plainUsername: 'alice', plainPassword: 'pw', sendTimeout: 500 },
  endpoints: [],
};

test('secrets stay out of a workspace unless asked for; everything else is kept', () => {
  const without = toWorkspace([curveServer, plainClient], [], false);
  assert.deepEqual(without.sockets[0].options, { curveServer: true, curvePublicKey: 'P'.repeat(40) });
  assert.deepEqual(without.sockets[1].options, { plainUsername: 'alice', sendTimeout: 500 });
  assert.doesNotMatch(JSON.stringify(without), /SSSS|"pw"/);
  assert.deepEqual(without.sockets[0].endpoints, [{ kind: 'bind', endpoint: 'tcp://127.0.0.1:*', resolved: 'tcp://127.0.0.1:5555' }]);
  const withSecrets = toWorkspace([curveServer, plainClient], [], true);
  assert.equal(withSecrets.sockets[0].options.curveSecretKey, 'S'.repeat(40));
  assert.equal(withSecrets.sockets[1].options.plainPassword, 'pw');
  assert.equal(curveServer.options.curveSecretKey, 'S'.repeat(40), 'the socket info itself is not changed');
});

test('missingSecrets names what a socket saved without secrets lacks', () => {
  assert.deepEqual(missingSecrets(toWorkspace([curveServer], [], false).sockets[0].options), {
    curveKeyPair: true,
    plainPassword: false,
    socksPassword: false,
  });
  assert.deepEqual(missingSecrets(toWorkspace([plainClient], [], false).sockets[0].options), {
    curveKeyPair: false,
    plainPassword: true,
    socksPassword: false,
  });
  assert.deepEqual(missingSecrets(toWorkspace([curveServer, plainClient], [], true).sockets[1].options), {
    curveKeyPair: false,
    plainPassword: false,
    socksPassword: false,
  });
  assert.deepEqual(missingSecrets({}), { curveKeyPair: false, plainPassword: false, socksPassword: false });
  const socksClient = { ...plainClient, options: { socksProxy: '127.0.0.1:1080', socksUsername: 'bob', socksPassword: 'pw2' } };
  const saved = toWorkspace([socksClient], [], false).sockets[0].options;
  assert.deepEqual(saved, { socksProxy: '127.0.0.1:1080', socksUsername: 'bob' }, 'the SOCKS password is a secret too');
  assert.deepEqual(missingSecrets(saved), { curveKeyPair: false, plainPassword: false, socksPassword: true });
});

test('the ZAP policy goes into a workspace with CURVE keys always and PLAIN passwords only with secrets', () => {
  const zap = { plainUsers: [{ username: 'alice', password: 'pw' }], curveAllowAny: false, curveKeys: ['K'.repeat(40)] };
  const without = toWorkspace([], [], false, zap);
  assert.deepEqual(without.zap, { plainUsers: [{ username: 'alice' }], curveAllowAny: false, curveKeys: ['K'.repeat(40)] });
  assert.deepEqual(zapToApply(without.zap), {
    policy: { plainUsers: [], curveAllowAny: false, curveKeys: ['K'.repeat(40)] },
    withoutPassword: ['alice'],
  });
  const withSecrets = toWorkspace([], [], true, zap);
  assert.deepEqual(zapToApply(withSecrets.zap!), { policy: zap, withoutPassword: [] });
  assert.equal(toWorkspace([], [], true).zap, undefined, 'no policy given, none saved');
});
