// Commands as real peers send them: libzmq heartbeats (PING with TTL and context, PONG echoing it)
// and a PLAIN handshake that pyzmq's ZAP handler refuses (ERROR with its reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as zmq from 'zeromq';
import { portOf } from '../../helpers/capture.js';
import { captured, commands, errors, zmtpConns } from './helpers.js';
import { problem } from '../../helpers/problems.js';

test('libzmq heartbeats: PING carries the TTL in deciseconds and a context, PONG echoes the context', async () => {
  const router = new zmq.Router({ linger: 0, heartbeatInterval: 50, heartbeatTimeToLive: 2500, heartbeatTimeout: 5000 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  const dealer = new zmq.Dealer({ linger: 0 });
  try {
    // A PONG is the last thing we wait for: its bytes are the name after the length 4.
    const d = await captured({ tool: 'tcpdump' }, port, 'heartbeat.pcap', async () => {
      dealer.connect(`tcp://127.0.0.1:${port}`);
      await dealer.send('hello');
      await router.receive();
      return Buffer.from('\x04PONG', 'latin1');
    });
    assert.deepEqual(errors(d.records), []);
    const [conn] = zmtpConns(d.records);
    const cmds = commands(d.records, conn);
    const pings = cmds.filter((c) => c.name === 'PING');
    const pongs = cmds.filter((c) => c.name === 'PONG');
    assert.ok(pings.length >= 1 && pongs.length >= 1);
    assert.ok(
      pings.every((p) => p.dir === 's2c' && p.ttl === 25),
      JSON.stringify(pings),
    );
    assert.ok(pongs.every((p) => p.dir === 'c2s'));
    assert.equal(pongs[0].context, pings[0].context);
  } finally {
    dealer.close();
    router.close();
  }
});

test('PLAIN refused by the ZAP handler (pyzmq): HELLO with the credentials, then ERROR with the reason (malformed by libzmq 4.3)', async () => {
  const py = spawn(
    '/usr/bin/python3',
    [
      '-c',
      `
import zmq, sys
from zmq.auth.thread import ThreadAuthenticator
ctx = zmq.Context()
auth = ThreadAuthenticator(ctx); auth.start(); auth.configure_plain(domain='*', passwords={'alice': 'right'})
rep = ctx.socket(zmq.REP); rep.plain_server = True; rep.linger = 0
port = rep.bind_to_random_port('tcp://127.0.0.1')
print(port, flush=True)
sys.stdin.readline()
req = ctx.socket(zmq.REQ); req.plain_username = b'alice'; req.plain_password = b'wrong'; req.linger = 0
mon = req.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
req.connect('tcp://127.0.0.1:%d' % port)
mon.recv_multipart()
print('refused', flush=True)
sys.stdin.readline()
mon.close(); req.close(); rep.close(); auth.stop(); ctx.term()
`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  try {
    const port = Number((await lines.next()).value);
    const d = await captured({ tool: 'tcpdump' }, port, 'refused.pcap', async () => {
      py.stdin.write('go\n');
      assert.equal((await lines.next()).value, 'refused');
      // Stop once the server's ERROR is in the file (libzmq's malformed form: 0x5E "RROR").
      return Buffer.from('\x5eRROR', 'latin1');
    });
    const [conn] = zmtpConns(d.records);
    const cmds = commands(d.records, conn);
    const hello = cmds.find((c) => c.name === 'HELLO')!;
    assert.deepEqual([hello.username, hello.password, hello.cleartextCredentials], ['alice', 'wrong', true]);
    const error = cmds.find((c) => c.name === 'ERROR')!;
    assert.equal(error.dir, 's2c');
    // libzmq 4.3 sends the ZAP status code as the reason, in a malformed frame we still decode.
    assert.equal(error.reason, '400');
    assert.deepEqual(
      errors(d.records).map((e) => e.type === 'error' && [e.code, e.severity]),
      [['ZMTP_LIBZMQ_ERROR_NAME', 'warning']],
    );
    const info = d.summary.connections.find((c) => c.id === conn)!;
    assert.deepEqual(
      [info.state, info.stateCode, info.stateReason],
      ['closed', 'ZMTP_PEER_ERROR', problem('ZMTP_PEER_ERROR', 'server', '400').message],
    );
    assert.equal(info.counts.s2c.commands, cmds.filter((x) => x.dir === 's2c').length);
  } finally {
    py.stdin.end('\n');
    await new Promise((r) => (py.exitCode !== null ? r(null) : py.once('exit', r)));
  }
});
