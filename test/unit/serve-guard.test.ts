// Which Host headers name a `zmtp serve`: its listening address with its port, localhost, and when it
// listens on every address, each local address and the machine's name; nothing else.
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { allowedHosts } from '../../core/cli/serve-guard.js';

test('loopback: the address, localhost and the loopback forms, only with the port', () => {
  const hosts = allowedHosts('127.0.0.1', '127.0.0.1', 5173);
  for (const h of ['127.0.0.1:5173', 'localhost:5173', '[::1]:5173']) assert.ok(hosts.has(h), h);
  for (const h of ['127.0.0.1', 'localhost', '127.0.0.1:5174', 'evil.example:5173', `${hostname().toLowerCase()}:5173`])
    assert.equal(hosts.has(h), false, h);
});

test('all addresses: every local address and the host name; port 80 also without the port', () => {
  const hosts = allowedHosts('0.0.0.0', '0.0.0.0', 80);
  const local = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4')
    .map((a) => a!.address);
  for (const a of local) assert.ok(hosts.has(`${a}:80`) && hosts.has(a), a);
  assert.ok(hosts.has(hostname().toLowerCase()));
  assert.ok(hosts.has('localhost'));
  assert.equal(hosts.has('evil.example'), false);
});

test('a name given with --host is accepted as given', () => {
  const hosts = allowedHosts('Inspector.Local', '192.0.2.7', 8000);
  assert.ok(hosts.has('inspector.local:8000'));
  assert.ok(hosts.has('192.0.2.7:8000'));
  assert.equal(hosts.has('127.0.0.1:8000'), false);
});
