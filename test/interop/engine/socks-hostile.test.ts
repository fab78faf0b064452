// SOCKS5 proxies that send bad bytes (net.Server speaking broken SOCKS: outside input the client must
// survive, not a stand-in for it): each failure ends the attempt with a coded reason and a retry, never a
// connection; a success reply that shares its packet with the peer's greeting; seeded mutations of a
// proxy's answers; socksProxy values that cannot be dialled.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as zmq from 'zeromq';
import { ours } from './machinery-helpers.js';
import { portOf } from '../../helpers/port.js';
import { prng } from '../../helpers/random.js';
import { recordEvents, recordedRetry, until } from './socks-helpers.js';

/**
 * A proxy that answers with `script`: for each request it receives (greeting, then auth or CONNECT), the
 * bytes to send back (or 'close' to hang up, or 'silent' to say nothing).
 */
async function hostileProxy(script: (Buffer | 'close' | 'silent')[]): Promise<{ address: string; close(): void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    let turn = 0;
    s.on('error', () => {});
    s.on('data', () => {
      const answer = script[turn++];
      if (answer === undefined || answer === 'silent') return;
      if (answer === 'close') s.destroy();
      else s.write(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const OK_REPLY_V4 = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x88]);

describe('SOCKS5 proxies that send bad bytes', () => {
  const cases: { name: string; script: (Buffer | 'close' | 'silent')[]; expect: RegExp; options?: object }[] = [
    { name: 'a SOCKS4 answer to the greeting', script: [Buffer.from([4, 0])], expect: /^ESOCKS_PROTOCOL: .*version 4, not 5/ },
    { name: 'no acceptable method (0xFF)', script: [Buffer.from([5, 0xff])], expect: /^ESOCKS_METHOD: .*requires authentication/ },
    {
      name: 'a method we did not offer (username/password when we offered none)',
      script: [Buffer.from([5, 2])],
      expect: /^ESOCKS_METHOD: .*chose method 2, which we did not offer/,
    },
    { name: 'bytes beyond the method choice', script: [Buffer.from([5, 0, 5, 0])], expect: /^ESOCKS_PROTOCOL: .*2 bytes more/ },
    {
      name: 'an authentication status of the wrong version',
      script: [Buffer.from([5, 2]), Buffer.from([5, 0])],
      expect: /^ESOCKS_PROTOCOL: .*username\/password request with version 5, not 1/,
      options: { socksUsername: 'u', socksPassword: 'p' },
    },
    {
      name: 'authentication refused',
      script: [Buffer.from([5, 2]), Buffer.from([1, 1])],
      expect: /^ESOCKS_AUTH: .*refused user "u" \(status 1\)/,
      options: { socksUsername: 'u', socksPassword: 'p' },
    },
    {
      name: 'CONNECT refused by ruleset (reply 2)',
      script: [Buffer.from([5, 0]), Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])],
      expect: /^ESOCKS_CONNECT: .*connection not allowed by ruleset \(reply 2\)/,
    },
    {
      name: 'an unassigned reply code',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0x42, 0, 1])],
      expect: /^ESOCKS_CONNECT: .*an unassigned reply code \(reply 66\)/,
    },
    {
      name: 'a reply with an unknown address type',
      // Four bytes are enough to know: the proxy says no more.
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 0, 9])],
      expect: /^ESOCKS_PROTOCOL: .*unknown address type 9/,
    },
    {
      name: 'a reply with a non-zero reserved byte',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 7, 1, 0, 0, 0, 0, 0, 0])],
      expect: /^ESOCKS_PROTOCOL: .*reserved byte/,
    },
    { name: 'hanging up after the greeting', script: ['close'], expect: /^ESOCKS_CLOSED: .*method choice/ },
    {
      name: 'hanging up instead of the CONNECT reply',
      script: [Buffer.from([5, 0]), 'close'],
      expect: /^ESOCKS_CLOSED: .*while we waited for its CONNECT reply/,
    },
    {
      name: 'a CONNECT reply cut short (a 200-byte name announced, 1 byte sent), then silence',
      script: [Buffer.from([5, 0]), Buffer.from([5, 0, 0, 3, 200, 0x61])],
      expect: /^ESOCKS_TIMEOUT: .*no answer within 300 ms while we waited for its CONNECT reply/,
      options: { connectTimeout: 300 },
    },
    {
      name: 'silence after the greeting (bounded by connectTimeout)',
      script: ['silent'],
      expect: /^ESOCKS_TIMEOUT: .*no answer within 300 ms/,
      options: { connectTimeout: 300 },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const proxy = await hostileProxy(c.script);
      const push = ours('PUSH', { linger: 0, reconnectInterval: 1000, socksProxy: proxy.address, ...c.options });
      const seen = recordEvents(push);
      try {
        const retry = recordedRetry(seen);
        push.connect('tcp://127.0.0.1:5555');
        assert.match((await retry).reason!, c.expect);
        assert.ok(!seen.some(([t]) => t === 'connect'), 'never reports a connection');
      } finally {
        push.close();
        proxy.close();
      }
    });
  }

  test('a proxy whose success reply shares its packet with the peer greeting: ZMTP goes on from those bytes', async () => {
    const pull = new zmq.Pull({ linger: 0 });
    await pull.bind('tcp://127.0.0.1:*');
    const target = portOf(pull.lastEndpoint);
    // A relay: after the CONNECT, it waits for libzmq's first bytes and sends them with the reply in one write.
    const server = net.createServer((client) => {
      client.on('error', () => {});
      client.once('data', () => {
        client.write(Buffer.from([5, 0]));
        client.once('data', () => {
          const upstream = net.connect(target, '127.0.0.1');
          upstream.on('error', () => client.destroy());
          upstream.once('data', (first) => {
            client.write(Buffer.concat([OK_REPLY_V4, first]));
            upstream.pipe(client);
            client.pipe(upstream);
          });
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const push = ours('PUSH', { linger: 0, socksProxy: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    try {
      push.connect(`tcp://127.0.0.1:${target}`);
      await push.send('through the relay');
      assert.deepEqual((await pull.receive()).map(String), ['through the relay']);
    } finally {
      push.close();
      pull.close();
      server.close();
    }
  });

  test('200 mutated proxy answers (seeded): each attempt ends in a coded SOCKS error or a connection, never a crash or a hang', async (t) => {
    const seed = 20261203;
    const random = prng(seed);
    const valid = [Buffer.from([5, 0]), OK_REPLY_V4];
    /** A valid answer with a byte changed, cut short, grown, or replaced by random bytes. */
    const mutate = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const pick = random();
      if (pick < 0.35) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      else if (pick < 0.55) return out.subarray(0, Math.floor(random() * out.length));
      else if (pick < 0.75) return Buffer.concat([out, Buffer.from([Math.floor(random() * 256), Math.floor(random() * 256)])]);
      else if (pick < 0.85) return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 256)));
      return out;
    };
    const attempts = 200;
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted++;
      const answers = valid.map(mutate);
      s.on('error', () => {});
      // The proxy hangs up after 20 ms without a request (also when it answered nothing or too little),
      // so no attempt waits for the client's timeout.
      s.setTimeout(20, () => s.destroy());
      s.on('data', () => {
        const next = answers.shift();
        if (next === undefined) s.destroy();
        else if (next.length) s.write(next);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const push = ours('PUSH', {
      linger: 0,
      reconnectInterval: 1,
      connectTimeout: 2000,
      socksProxy: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    });
    const seen = recordEvents(push);
    try {
      push.connect('tcp://127.0.0.1:5555');
      await until(`${attempts} attempts (seed ${seed})`, () => accepted >= attempts, 120_000);
      const reasons = seen.events.filter((e) => e.type === 'connect:retry').map((e) => e.reason!);
      const codes = new Set(reasons.map((r) => /^(ESOCKS_[A-Z_]+): /.exec(r)?.[1] ?? r));
      const connected = seen.filter(([type]) => type === 'connect').length;
      t.diagnostic(`seed ${seed}: ${reasons.length} retries, ${connected} connections; ${[...codes].join(', ')}`);
      // Every retry follows a coded SOCKS failure, or a connection the fake "peer" then dropped.
      for (const code of codes)
        assert.match(
          code,
          /^ESOCKS_(PROTOCOL|METHOD|CONNECT|CLOSED)$|^connection|closed|peer|reset|handshake|greeting/i,
          `seed ${seed}: ${code}`,
        );
      assert.ok(codes.has('ESOCKS_PROTOCOL') && codes.has('ESOCKS_CLOSED'), `seed ${seed}: ${[...codes].join(', ')}`);
      assert.ok(connected < attempts);
    } finally {
      push.close();
      server.close();
    }
  });

  test('an unusable socksProxy: ESOCKS_PROXY_ADDRESS on every attempt, no tcp connect', async () => {
    for (const [proxy, why] of [
      ['no-port', /is not host:port/],
      ['host:0', /no port from 1 to 65535/],
      ['[::1]:1080', /IPv6 address: set the ipv6 option/],
    ] as const) {
      const push = ours('PUSH', { linger: 0, socksProxy: proxy });
      const seen = recordEvents(push);
      try {
        push.connect('tcp://127.0.0.1:5555');
        const retry = await recordedRetry(seen);
        assert.match(retry.reason!, /^ESOCKS_PROXY_ADDRESS: /);
        assert.match(retry.reason!, why);
        assert.deepEqual(
          seen.map(([t]) => t),
          ['connect:retry'],
        );
      } finally {
        push.close();
      }
    }
  });
});
