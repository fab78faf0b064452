// The option table's pyzmq column (core/engine/option-table.ts) against the real pyzmq (python3-zmq, libzmq
// 4.3.4): every declared name is a pyzmq socket option with the table's libzmq number, and pyzmq sets it on
// a socket of a type that has the option. Then the workbench's "copy as code" (which writes pyzmq
// attributes from that column) for sockets with many options runs under pyzmq against this engine, and
// the peer sees the options at work (routing id, REQ correlation, XPUB welcome message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { OPTIONS, OPTION_NAMES, appliesTo } from '../../../core/engine/option-table.js';
import { SOCKET_TYPE_NAMES } from '../../../core/engine/socket-type-table.js';
import { optionSchema, type SocketInfo, type SocketType } from '../../../core/host/protocol.js';
import { socketAsCode } from '../../../src/renderer/src/workbench/as-code.js';
import * as engine from '../../../core/internal.js';
import { samplesFor } from '../../helpers/option-samples.js';
import { startPython } from '../../helpers/python.js';
import { freedPort } from '../../helpers/port.js';

interface Probe {
  name: string;
  attr: string;
  type: string;
  /** What pyzmq is given: an int, or text sent as UTF-8 bytes. */
  value: number | string;
}

/** For each option with a pyzmq name, each attribute, a socket type that has it and a value the table accepts. */
function probes(): Probe[] {
  const out: Probe[] = [];
  for (const name of OPTION_NAMES) {
    const spec: { pyzmq?: string | Record<string, string> } = OPTIONS[name];
    if (spec.pyzmq === undefined) continue;
    const type = SOCKET_TYPE_NAMES.find((t) => appliesTo(name, t))!;
    if (typeof spec.pyzmq !== 'string') {
      // An enum: each value is its own libzmq option, set to 1.
      for (const attr of Object.values(spec.pyzmq)) out.push({ name, attr, type, value: 1 });
      continue;
    }
    const sample = samplesFor(name).find((s) => s.expect === 'ok' && !s.notJson && s.value !== null)!;
    const v = sample.value;
    out.push({ name, attr: spec.pyzmq, type, value: typeof v === 'boolean' ? Number(v) : (v as number | string) });
  }
  return out;
}

const PROBE_SCRIPT = `
import json, sys, zmq
ctx = zmq.Context()
out = {"wss": bool(zmq.has("wss")), "ids": sorted(o.value for o in zmq.SocketOption), "probes": []}
for p in json.loads(sys.stdin.read()):
    option = zmq.SocketOption.__members__.get(p["attr"].upper())
    r = {"attr": p["attr"], "number": None if option is None else option.value, "set": None}
    if option is not None:
        s = ctx.socket(getattr(zmq, p["type"]))
        v = p["value"]
        try:
            setattr(s, p["attr"], v.encode() if isinstance(v, str) else v)
            r["set"] = "ok"
        except zmq.ZMQError as e:
            r["set"] = "EINVAL" if e.errno == zmq.EINVAL else str(e)
        s.close(0)
    out["probes"].append(r)
ctx.term()
print(json.dumps(out))
`;

test("every pyzmq name in the option table is pyzmq's socket option with libzmq's number, and pyzmq sets it", () => {
  const list = probes();
  const run = spawnSync('/usr/bin/python3', ['-c', PROBE_SCRIPT], { input: JSON.stringify(list), encoding: 'utf8', timeout: 60000 });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as {
    wss: boolean;
    ids: number[];
    probes: { attr: string; number: number | null; set: string | null }[];
  };
  assert.equal(result.probes.length, list.length);
  const numbers = new Map<string, number[]>();
  list.forEach((p, i) => {
    const r = result.probes[i];
    assert.notEqual(r.number, null, `${p.name}: pyzmq has no socket option ${p.attr.toUpperCase()}`);
    numbers.set(p.name, [...(numbers.get(p.name) ?? []), r.number!]);
    // The wss:// options are known to pyzmq but refused by a libzmq built without the WSS transport.
    const expected = p.name.startsWith('wss') && !result.wss ? 'EINVAL' : 'ok';
    assert.equal(r.set, expected, `${p.name}: pyzmq's ${p.type} socket.${p.attr} = ${JSON.stringify(p.value)}`);
  });
  for (const name of OPTION_NAMES) {
    const spec: { id: number | null; pyzmq?: unknown } = OPTIONS[name];
    // A name pyzmq has must be declared; one it lacks must be absent.
    if (spec.pyzmq === undefined) {
      assert.ok(
        spec.id === null || !result.ids.includes(spec.id),
        `${name}: pyzmq has socket option ${spec.id}, the table declares no pyzmq name`,
      );
    } else {
      assert.ok(
        numbers.get(name)!.includes(spec.id!),
        `${name}: pyzmq's ${JSON.stringify(spec.pyzmq)} is numbered ${numbers.get(name)}, libzmq's id is ${spec.id}`,
      );
    }
  }
});

/** A workbench socket as the host reports it, its options validated by the host's schema. */
function workbenchSocket(type: SocketType, options: Record<string, unknown>, endpoints: SocketInfo['endpoints']): SocketInfo {
  return {
    id: 's1',
    name: type.toLowerCase(),
    type,
    options: optionSchema(type).parse(options) as SocketInfo['options'],
    endpoints,
    peers: [],
    closed: false,
    messageCount: 0,
    eventCount: 0,
  };
}

test(
  'copy-as-code of a REQ with a dozen options runs under pyzmq against an engine ROUTER, which sees them at work',
  { timeout: 60000 },
  async () => {
    const router = new engine.Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const endpoint = router.lastEndpoint!;
    const req = workbenchSocket(
      'REQ',
      {
        linger: 0,
        sendHighWaterMark: 10,
        receiveHighWaterMark: 20,
        reconnectInterval: 250,
        reconnectMaxInterval: 1000,
        heartbeatInterval: 500,
        heartbeatTimeout: 2000,
        heartbeatTimeToLive: 3000,
        handshakeInterval: 5000,
        maxMessageSize: 1000000,
        receiveTimeout: 30000,
        routingId: 'copied-req',
        correlate: true,
        relaxed: true,
        immediate: false,
        zapDomain: 'global',
      },
      [{ kind: 'connect', requested: endpoint, endpoint }],
    );
    const code = socketAsCode(req, 'pyzmq');
    assert.doesNotMatch(code, /has no pyzmq attribute/, code);
    const py = startPython(['-c', code], 'copied pyzmq REQ');
    try {
      const [rid, requestId, empty, body] = await router.receive();
      assert.equal(rid.toString(), 'copied-req', 'routing_id was set');
      // REQ_CORRELATE puts a 4-byte request id before the delimiter.
      assert.equal(requestId.length, 4, 'req_correlate was set');
      assert.deepEqual([empty.length, body.toString()], [0, 'hello']);
      await router.send([rid, requestId, empty, 'world']);
      assert.equal(await py.line(), "[b'world']");
      assert.equal(await py.exited, 0, py.stderr);
    } finally {
      py.child.kill();
      router.close();
    }
  },
);

test(
  'copy-as-code of an XPUB with verbosity, welcome message and no-drop runs under pyzmq; an engine SUB gets the welcome',
  { timeout: 60000 },
  async () => {
    const endpoint = `tcp://127.0.0.1:${await freedPort()}`;
    const xpub = workbenchSocket(
      'XPUB',
      {
        linger: 0,
        verbosity: 'allSubsUnsubs',
        welcomeMessage: 'welcome',
        noDrop: true,
        invertMatching: false,
        sendHighWaterMark: 50,
      },
      [{ kind: 'bind', requested: endpoint, endpoint }],
    );
    const code = socketAsCode(xpub, 'pyzmq');
    assert.match(code, /sock\.xpub_verboser = 1/);
    const py = startPython(['-c', code], 'copied pyzmq XPUB');
    const sub = new engine.Subscriber({ linger: 0 });
    try {
      sub.subscribe('w');
      sub.connect(endpoint);
      const [welcome] = await sub.receive();
      assert.equal(welcome.toString(), 'welcome', 'xpub_welcome_msg was set');
      assert.equal(await py.line(), "[b'\\x01w']");
      assert.equal(await py.exited, 0, py.stderr);
    } finally {
      py.child.kill();
      sub.close();
    }
  },
);
