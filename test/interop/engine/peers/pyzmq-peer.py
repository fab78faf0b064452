# A pyzmq (Debian's python3-zmq, libzmq 4.3.4) peer driven over stdin/stdout with one JSON object
# per line, so interop tests can create and use real libzmq sockets from TypeScript.
# Request: {"id": n, "op": ..., ...}; reply: {"id": n, "ok": value} or {"id": n, "error": text, "errno": name}.
import base64
import json
import sys

import zmq

ctx = zmq.Context()
sockets = {}
next_id = 1

TYPES = {name: getattr(zmq, name) for name in
         ['PAIR', 'PUB', 'SUB', 'REQ', 'REP', 'DEALER', 'ROUTER', 'PULL', 'PUSH', 'XPUB', 'XSUB', 'STREAM']}
# Options by zeromq.js name -> (libzmq option, kind)
OPTIONS = {
    'routingId': (zmq.ROUTING_ID, 'bytes'),
    'subscribe': (zmq.SUBSCRIBE, 'bytes'),
    'unsubscribe': (zmq.UNSUBSCRIBE, 'bytes'),
    'linger': (zmq.LINGER, 'int'),
    'sendHighWaterMark': (zmq.SNDHWM, 'int'),
    'receiveHighWaterMark': (zmq.RCVHWM, 'int'),
    'sendTimeout': (zmq.SNDTIMEO, 'int'),
    'receiveTimeout': (zmq.RCVTIMEO, 'int'),
    'mandatory': (zmq.ROUTER_MANDATORY, 'int'),
    'probeRouter': (zmq.PROBE_ROUTER, 'int'),
    'reconnectInterval': (zmq.RECONNECT_IVL, 'int'),
    'immediate': (zmq.IMMEDIATE, 'int'),
    'verbose': (zmq.XPUB_VERBOSE, 'int'),
    'invertMatching': (zmq.INVERT_MATCHING, 'int'),
}


def handle(req):
    global next_id
    op = req['op']
    if op == 'socket':
        s = ctx.socket(TYPES[req['type']])
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 10000)
        s.setsockopt(zmq.SNDTIMEO, 10000)
        sid = next_id
        next_id += 1
        sockets[sid] = s
        return sid
    s = sockets[req['sock']]
    if op == 'set':
        opt, kind = OPTIONS[req['name']]
        value = req['value']
        if kind == 'bytes':
            value = base64.b64decode(value)
        elif isinstance(value, bool):
            value = int(value)
        s.setsockopt(opt, value)
        return None
    if op == 'bind':
        s.bind(req['endpoint'])
        return s.getsockopt(zmq.LAST_ENDPOINT).decode()
    if op == 'connect':
        s.connect(req['endpoint'])
        return None
    if op == 'unbind':
        s.unbind(req['endpoint'])
        return None
    if op == 'send':
        frames = [base64.b64decode(f) for f in req['frames']]
        flags = zmq.DONTWAIT if req.get('dontwait') else 0
        s.send_multipart(frames, flags=flags)
        return None
    if op == 'recv':
        timeout = req.get('timeout', 10000)
        if s.poll(timeout, zmq.POLLIN) == 0:
            raise TimeoutError('no message within %d ms' % timeout)
        return [base64.b64encode(f).decode() for f in s.recv_multipart()]
    if op == 'close':
        s.close(0)
        del sockets[req['sock']]
        return None
    raise ValueError('unknown op ' + op)


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    req = json.loads(line)
    try:
        reply = {'id': req['id'], 'ok': handle(req)}
    except zmq.ZMQError as e:
        reply = {'id': req['id'], 'error': str(e), 'errno': zmq.Errno(e.errno).name if e.errno in zmq.Errno._value2member_map_ else str(e.errno)}
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails with the text
        reply = {'id': req['id'], 'error': '%s: %s' % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(reply) + '\n')
    sys.stdout.flush()

for s in sockets.values():
    s.close(0)
ctx.term()
