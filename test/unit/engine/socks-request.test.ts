// The SOCKS5 CONNECT request (RFC 1928 section 4) for each kind of host, and socksProxy parsing as libzmq
// reads it. The IPv6 bytes are checked against Python's inet_pton (an independent encoder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connectRequest, parseSocksProxy, SocksError } from '../../../core/engine/transports/socks.js';

function inetPton6(addresses: string[]): Buffer[] {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import socket,sys\nfor a in sys.argv[1:]: print(socket.inet_pton(socket.AF_INET6, a).hex())', ...addresses],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((h) => Buffer.from(h, 'hex'));
}

test('CONNECT request: IPv4 as address type 1, a name as type 3, the port big-endian', () => {
  assert.deepEqual(connectRequest('10.1.2.3', 5555), Buffer.from([5, 1, 0, 1, 10, 1, 2, 3, 0x15, 0xb3]));
  assert.deepEqual(
    connectRequest('host.example', 1),
    Buffer.concat([Buffer.from([5, 1, 0, 3, 12]), Buffer.from('host.example'), Buffer.from([0, 1])]),
  );
  const long = connectRequest('a'.repeat(256), 80);
  assert.ok(long instanceof SocksError);
  assert.equal(long.code, 'ESOCKS_TARGET');
  assert.ok(!(connectRequest('a'.repeat(255), 80) instanceof SocksError), '255 bytes fit');
});

test('CONNECT request: IPv6 as address type 4 with the 16 bytes inet_pton gives', () => {
  const hosts = [
    '::1',
    '::',
    '2001:db8::8:800:200c:417a',
    'fe80::1:2',
    '1:2:3:4:5:6:7:8',
    '::ffff:192.0.2.128',
    '64:ff9b::10.0.0.1',
    '1:2:3:4:5:6:1.2.3.4',
  ];
  const expected = inetPton6(hosts);
  hosts.forEach((host, i) => {
    const req = connectRequest(host, 0x1234);
    assert.ok(Buffer.isBuffer(req), host);
    assert.deepEqual(req.subarray(0, 4), Buffer.from([5, 1, 0, 4]), host);
    assert.deepEqual(req.subarray(4, 20), expected[i], host);
    assert.deepEqual(req.subarray(20), Buffer.from([0x12, 0x34]), host);
  });
});

test('socksProxy: host:port, [IPv6]:port with the ipv6 option; everything else a coded error', () => {
  assert.deepEqual(parseSocksProxy('127.0.0.1:1080', false), { host: '127.0.0.1', port: 1080 });
  assert.deepEqual(parseSocksProxy('proxy.local:65535', false), { host: 'proxy.local', port: 65535 });
  assert.deepEqual(parseSocksProxy('[::1]:1080', true), { host: '::1', port: 1080 });
  for (const [proxy, ipv6, why] of [
    ['1080', false, /not host:port/],
    [':1080', false, /no host/],
    ['h:0', false, /no port/],
    ['h:65536', false, /no port/],
    ['h:12ab', false, /no port/],
    ['h:', false, /no port/],
    ['[::1]:1080', false, /set the ipv6 option/],
  ] as const) {
    const r = parseSocksProxy(proxy, ipv6);
    assert.ok(r instanceof SocksError, proxy);
    assert.equal(r.code, 'ESOCKS_PROXY_ADDRESS');
    assert.match(r.message, why);
  }
});
