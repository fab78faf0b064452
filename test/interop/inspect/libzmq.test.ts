// The inspector on real libzmq traffic captured by tcpdump/dumpcap in the test: every message and
// command must come back byte for byte, in order, per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as zmq from 'zeromq';
import { portOf } from '../../helpers/capture.js';
import { captured, messages, commands, greetings, errors, zmtpConns, framesOf, sentHex, hexOf } from './helpers.js';

test('REQ/REP (tcpdump, pcap µs): greetings, READY, every request and reply, pairs with latency', async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const sent: Buffer[][] = [];
  const replies: Buffer[][] = [];
  const req = new zmq.Request({ linger: 0 });
  const d = await captured({ tool: 'tcpdump' }, port, 'reqrep.pcap', async () => {
    req.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < 20; i++) {
      // Include a long frame (8-byte length) and binary bytes.
      const frames = [Buffer.from(`request ${i}`), Buffer.alloc(i === 7 ? 70000 : i, i)];
      sent.push(frames);
      await req.send(frames);
      await rep.receive();
      const reply = [Buffer.from(i === 19 ? 'LAST-REPLY-MARKER' : `reply ${i}`)];
      replies.push(reply);
      await rep.send(reply);
      await req.receive();
    }
    return Buffer.from('LAST-REPLY-MARKER');
  }).finally(() => {
    req.close();
    rep.close();
  });
  assert.deepEqual(errors(d.records), []);
  const [conn] = zmtpConns(d.records);
  assert.equal(zmtpConns(d.records).length, 1);
  const g = greetings(d.records, conn);
  assert.deepEqual(g.map((x) => [x.dir, x.version, x.mechanism]).sort(), [
    ['c2s', '3.1', 'NULL'],
    ['s2c', '3.1', 'NULL'],
  ]);
  const ready = commands(d.records, conn).filter((c) => c.name === 'READY');
  assert.equal(ready.find((c) => c.dir === 'c2s')?.properties?.['Socket-Type'], 'REQ');
  assert.equal(ready.find((c) => c.dir === 's2c')?.properties?.['Socket-Type'], 'REP');
  const requests = messages(d.records, conn, 'c2s');
  const answers = messages(d.records, conn, 's2c');
  assert.deepEqual(
    framesOf(requests),
    sentHex(sent).map((m) => ['', ...m]),
  );
  assert.deepEqual(
    framesOf(answers),
    sentHex(replies).map((m) => ['', ...m]),
  );
  answers.forEach((a, i) => {
    assert.equal(a.replyTo?.ts, requests[i].ts);
    // The difference to the capture's microseconds, without float noise.
    assert.ok(a.replyTo.latency >= 0 && a.replyTo.latency === Math.round((a.ts - requests[i].ts) * 1e6) / 1e6);
  });
  assert.equal(requests[0].src, answers[0].dst);
  assert.match(requests[0].src, /^127\.0\.0\.1:\d+$/);
  assert.equal(requests[0].dst, `127.0.0.1:${port}`);
  const info = d.summary.connections.find((c) => c.id === conn)!;
  assert.deepEqual(info.socketTypes, { c2s: 'REQ', s2c: 'REP' });
  assert.equal(info.pairs.matched, 20);
  assert.equal(d.summary.format, 'pcap');
});

test('DEALER/ROUTER with two dealers (dumpcap, pcapng): per-connection messages and envelopes', async () => {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  const dealers = [new zmq.Dealer({ linger: 0, routingId: 'dealer-A' }), new zmq.Dealer({ linger: 0, routingId: 'dealer-B' })];
  const sent = new Map<string, Buffer[][]>();
  const back = new Map<string, Buffer[][]>();
  const d = await captured({ tool: 'dumpcap' }, port, 'dealer.pcapng', async () => {
    let marker = Buffer.alloc(0);
    for (const [n, dealer] of dealers.entries()) {
      dealer.connect(`tcp://127.0.0.1:${port}`);
      const name = n === 0 ? 'A' : 'B';
      sent.set(name, []);
      back.set(name, []);
      for (let i = 0; i < 5; i++) {
        // A REQ-style request with a routing envelope in front: hop, delimiter, body.
        const msg = [Buffer.from(`hop-${name}`), Buffer.alloc(0), Buffer.from(`body ${name}${i}`)];
        sent.get(name)!.push(msg);
        await dealer.send(msg);
        const [id, ...rest] = await router.receive();
        assert.equal(id.toString(), `dealer-${name}`);
        marker = Buffer.from(`END-${name}-${i}`);
        const reply = [...rest.slice(0, 2), marker];
        back.get(name)!.push(reply);
        await router.send([id, ...reply]);
        await dealer.receive();
      }
    }
    return marker;
  }).finally(() => {
    dealers.forEach((x) => x.close());
    router.close();
  });
  assert.deepEqual(errors(d.records), []);
  const conns = zmtpConns(d.records);
  assert.equal(conns.length, 2);
  for (const [i, conn] of conns.entries()) {
    const name = i === 0 ? 'A' : 'B';
    const up = messages(d.records, conn, 'c2s');
    const down = messages(d.records, conn, 's2c');
    assert.deepEqual(framesOf(up), sentHex(sent.get(name)!));
    assert.deepEqual(framesOf(down), sentHex(back.get(name)!));
    for (const m of [...up, ...down]) assert.deepEqual(m.envelope, [hexOf(`hop-${name}`)]);
    const ready = commands(d.records, conn).find((c) => c.name === 'READY' && c.dir === 'c2s')!;
    assert.equal(ready.properties!['Identity'], `dealer-${name}`);
    const info = d.summary.connections.find((c) => c.id === conn)!;
    assert.equal(info.identities.c2s, hexOf(`dealer-${name}`));
    assert.deepEqual(info.socketTypes, { c2s: 'DEALER', s2c: 'ROUTER' });
  }
  assert.equal(d.summary.format, 'pcapng');
});

test('XPUB/SUB (tcpdump, nanosecond pcap): SUBSCRIBE and CANCEL commands on 3.1, subscriptions tracked', async () => {
  const pub = new zmq.XPublisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  const port = portOf(pub.lastEndpoint);
  const sub = new zmq.Subscriber({ linger: 0 });
  const published: Buffer[][] = [];
  const d = await captured({ tool: 'tcpdump', nano: true }, port, 'pubsub.pcap', async () => {
    sub.connect(`tcp://127.0.0.1:${port}`);
    sub.subscribe('alpha');
    sub.subscribe('beta');
    sub.subscribe('');
    for (let i = 0; i < 3; i++) await pub.receive(); // the subscriptions, as XPUB sees them
    sub.unsubscribe('beta');
    sub.unsubscribe('');
    for (let i = 0; i < 2; i++) await pub.receive();
    for (let i = 0; i < 3; i++) {
      const m = [Buffer.from('alpha'), Buffer.from(i === 2 ? 'PUB-LAST' : `news ${i}`)];
      published.push(m);
      await pub.send(m);
      await sub.receive();
    }
    return Buffer.from('PUB-LAST');
  }).finally(() => {
    sub.close();
    pub.close();
  });
  assert.deepEqual(errors(d.records), []);
  const [conn] = zmtpConns(d.records);
  const subs = commands(d.records, conn).filter((c) => c.name === 'SUBSCRIBE' || c.name === 'CANCEL');
  assert.deepEqual(
    subs.map((c) => [c.dir, c.name, c.topic]),
    [
      ['c2s', 'SUBSCRIBE', hexOf('alpha')],
      ['c2s', 'SUBSCRIBE', hexOf('beta')],
      ['c2s', 'SUBSCRIBE', ''],
      ['c2s', 'CANCEL', hexOf('beta')],
      ['c2s', 'CANCEL', ''],
    ],
  );
  assert.deepEqual(framesOf(messages(d.records, conn, 's2c')), sentHex(published));
  assert.deepEqual(messages(d.records, conn, 'c2s'), []);
  const info = d.summary.connections.find((c) => c.id === conn)!;
  assert.equal(info.subscriber, 'c2s');
  assert.deepEqual(info.subscriptions, [hexOf('alpha')]);
  // Nanosecond timestamps survive: records carry sub-microsecond fractions at least sometimes.
  assert.ok(d.records.every((r) => r.ts > 1e9));
});

test('CURVE REQ/REP (tcpdump): handshake fields shown, one MESSAGE record per box, nothing in clear', async () => {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const rep = new zmq.Reply({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const req = new zmq.Request({
    linger: 0,
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  const n = 4;
  // Encrypted traffic has no marker to wait for: finish with a plaintext connection on the same port.
  const d = await captured({ tool: 'tcpdump' }, port, 'curve.pcap', async () => {
    req.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < n; i++) {
      await req.send(['secret payload', `part ${i}`]);
      await rep.receive();
      await rep.send('secret answer');
      await req.receive();
    }
    const { createConnection } = await import('node:net');
    const s = createConnection(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    await new Promise((r) => s.write(Buffer.from('CURVE-TEST-DONE'), r));
    s.destroy();
    return Buffer.from('CURVE-TEST-DONE');
  }).finally(() => {
    req.close();
    rep.close();
  });
  const [conn] = zmtpConns(d.records);
  assert.deepEqual(
    errors(d.records).filter((e) => e.conn === conn),
    [],
  );
  assert.deepEqual(
    greetings(d.records, conn).map((g) => g.mechanism),
    ['CURVE', 'CURVE'],
  );
  const cmds = commands(d.records, conn);
  const handshake = cmds.filter((c) => c.name !== 'MESSAGE').map((c) => `${c.dir} ${c.name}`);
  assert.deepEqual(handshake, ['c2s HELLO', 's2c WELCOME', 'c2s INITIATE', 's2c READY']);
  const hello = cmds.find((c) => c.name === 'HELLO')!;
  assert.equal(hello.curve?.version, '1.0');
  assert.equal(typeof hello.curve?.["client short-term key C'"], 'string');
  const boxes = cmds.filter((c) => c.name === 'MESSAGE');
  // REQ sends delimiter + 2 frames per request, REP delimiter + 1 frame per reply: one box each.
  assert.equal(boxes.filter((b) => b.dir === 'c2s').length, 3 * n);
  assert.equal(boxes.filter((b) => b.dir === 's2c').length, 2 * n);
  assert.ok(boxes.every((b) => b.encrypted === true));
  assert.deepEqual(messages(d.records, conn, 'c2s'), []);
  const info = d.summary.connections.find((c) => c.id === conn)!;
  assert.equal(info.mechanism, 'CURVE');
  assert.equal(info.counts.c2s.boxes, 3 * n);
  // The plaintext probe connection is not ZMTP: one note for it, no records per packet.
  const other = d.records.filter((r) => r.conn !== conn && r.type === 'error');
  assert.equal(other.length, 1);
  assert.ok(other[0].type === 'error' && other[0].code.startsWith('NOT_ZMTP_') && other[0].severity === 'note', JSON.stringify(other[0]));
});

test('PLAIN REQ/REP from pyzmq (tcpdump -i any, Linux cooked): credentials shown and flagged', async () => {
  const py = spawn(
    '/usr/bin/python3',
    [
      '-c',
      `
import zmq, sys
ctx = zmq.Context()
from zmq.auth.thread import ThreadAuthenticator
auth = ThreadAuthenticator(ctx); auth.start(); auth.configure_plain(domain='*', passwords={'alice': 's3cr3t'})
rep = ctx.socket(zmq.REP); rep.plain_server = True; rep.linger = 0
port = rep.bind_to_random_port('tcp://127.0.0.1')
print(port, flush=True)
sys.stdin.readline()
req = ctx.socket(zmq.REQ); req.plain_username = b'alice'; req.plain_password = b's3cr3t'; req.linger = 0
req.connect('tcp://127.0.0.1:%d' % port)
for i in range(3):
    req.send_multipart([b'plain request %d' % i, b'\\x00\\x01'])
    msg = rep.recv_multipart()
    rep.send(b'PLAIN-LAST' if i == 2 else b'plain reply %d' % i)
    req.recv()
print('done', flush=True)
sys.stdin.readline()
req.close(); rep.close(); auth.stop(); ctx.term()
`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  try {
    const port = Number((await lines.next()).value);
    const d = await captured({ tool: 'tcpdump', iface: 'any' }, port, 'plain.pcap', async () => {
      py.stdin.write('go\n');
      assert.equal((await lines.next()).value, 'done');
      return Buffer.from('PLAIN-LAST');
    });
    assert.deepEqual(errors(d.records), []);
    const [conn] = zmtpConns(d.records);
    const cmds = commands(d.records, conn);
    const hello = cmds.find((c) => c.name === 'HELLO')!;
    assert.equal(hello.dir, 'c2s');
    assert.equal(hello.username, 'alice');
    assert.equal(hello.password, 's3cr3t');
    assert.equal(hello.cleartextCredentials, true);
    assert.deepEqual(
      cmds.map((c) => `${c.dir} ${c.name}`),
      ['c2s HELLO', 's2c WELCOME', 'c2s INITIATE', 's2c READY'],
    );
    assert.equal(cmds[2].properties?.['Socket-Type'], 'REQ');
    assert.equal(cmds[3].properties?.['Socket-Type'], 'REP');
    assert.deepEqual(
      framesOf(messages(d.records, conn, 'c2s')),
      [0, 1, 2].map((i) => ['', hexOf(`plain request ${i}`), '0001']),
    );
    assert.deepEqual(
      framesOf(messages(d.records, conn, 's2c')),
      ['plain reply 0', 'plain reply 1', 'PLAIN-LAST'].map((s) => ['', hexOf(s)]),
    );
    const info = d.summary.connections.find((c) => c.id === conn)!;
    assert.equal(info.plainUser, 'alice');
    assert.equal(info.mechanism, 'PLAIN');
  } finally {
    py.stdin.end('\n');
    await new Promise((r) => (py.exitCode !== null ? r(null) : py.once('exit', r)));
  }
});

test('IPv6 (tcpdump on ::1): addresses as [addr]:port, messages intact', async () => {
  const pull = new zmq.Pull({ linger: 0, ipv6: true });
  await pull.bind('tcp://[::1]:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0, ipv6: true });
  const d = await captured({ tool: 'tcpdump' }, port, 'v6.pcap', async () => {
    push.connect(`tcp://[::1]:${port}`);
    await push.send(['over', 'IPv6-END']);
    await pull.receive();
    return Buffer.from('IPv6-END');
  }).finally(() => {
    push.close();
    pull.close();
  });
  assert.deepEqual(errors(d.records), []);
  const [conn] = zmtpConns(d.records);
  const [m] = messages(d.records, conn, 'c2s');
  assert.deepEqual(m.frames, [hexOf('over'), hexOf('IPv6-END')]);
  assert.match(m.src, /^\[::1\]:\d+$/);
  assert.equal(m.dst, `[::1]:${port}`);
});

test('Linux cooked v2 (tcpdump -i any -y LINUX_SLL2): messages intact', async () => {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const port = portOf(pull.lastEndpoint);
  const push = new zmq.Push({ linger: 0 });
  const sent = [['sll2', Buffer.alloc(3000, 9)], ['SLL2-END']];
  const d = await captured({ tool: 'tcpdump', iface: 'any', linkType: 'LINUX_SLL2' }, port, 'sll2.pcap', async () => {
    push.connect(`tcp://127.0.0.1:${port}`);
    for (const m of sent) {
      await push.send(m);
      await pull.receive();
    }
    return Buffer.from('SLL2-END');
  }).finally(() => {
    push.close();
    pull.close();
  });
  assert.deepEqual(errors(d.records), []);
  const [conn] = zmtpConns(d.records);
  assert.deepEqual(framesOf(messages(d.records, conn, 'c2s')), sentHex(sent as (string | Buffer)[][]));
});
