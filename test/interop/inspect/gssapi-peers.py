# A pyzmq (libzmq 4.3.4) GSSAPI server and client on loopback, for the sniffer's GSSAPI capture test.
# Usage: gssapi-peers.py encrypted|plaintext|refused SERVICE_PRINCIPAL CLIENT_PRINCIPAL [SERVER_PRINCIPAL]
# The Kerberos realm comes from the KRB5_* variables the test sets. Prints {"port": N} once the server is
# bound, waits for a line on stdin (the capture is running), then the client sends MESSAGES (multipart, of
# several sizes), the server echoes each with a first part b"echo", both check what they got, and the
# last line is {"sent": [...], "echoed": [...]} (each message a list of hex parts).
# refused: the server holds SERVER_PRINCIPAL's key, not the one the client asks for; the client connects
# once (no reconnect), prints {"connecting": true}, and closes when the test sends a line (it has seen the
# connection end); nothing is sent.
import json
import sys

import zmq

mode, service, user = sys.argv[1], sys.argv[2], sys.argv[3]
assert mode in ('encrypted', 'plaintext', 'refused'), mode
assert zmq.has('gssapi'), "this libzmq has no GSSAPI"
KRB5_PRINCIPAL = 2  # ZMQ_GSSAPI_NT_KRB5_PRINCIPAL: names are full principals ("name@REALM"); pyzmq has no constant
TIMEOUT_MS = 60000

MESSAGES = [
    [b'hello'],
    [b'multi', b'', b'part three'],
    [bytes(range(256)) * 4],
    [b'x' * 255, b'y' * 256],
    [b'big', bytes((i * 7 + 3) % 251 for i in range(70000))],
]

ctx = zmq.Context()
server = ctx.socket(zmq.DEALER)
server.gssapi_server = True
server.gssapi_principal = (sys.argv[4] if mode == 'refused' else service).encode()
server.gssapi_principal_nametype = KRB5_PRINCIPAL
server.gssapi_plaintext = mode == 'plaintext'
client = ctx.socket(zmq.DEALER)
client.gssapi_principal = user.encode()
client.gssapi_principal_nametype = KRB5_PRINCIPAL
client.gssapi_service_principal = service.encode()
client.gssapi_service_principal_nametype = KRB5_PRINCIPAL
client.gssapi_plaintext = mode == 'plaintext'
for s in (server, client):
    s.linger = 5000
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS

port = server.bind_to_random_port('tcp://127.0.0.1')
print(json.dumps({'port': port}), flush=True)
sys.stdin.readline()

if mode == 'refused':
    client.reconnect_ivl = -1
    client.connect('tcp://127.0.0.1:%d' % port)
    print(json.dumps({'connecting': True}), flush=True)
    sys.stdin.readline()
    client.close(0)
    server.close(0)
    ctx.term()
    print(json.dumps({'sent': [], 'echoed': []}), flush=True)
    sys.exit(0)

client.connect('tcp://127.0.0.1:%d' % port)
echoed = []
for msg in MESSAGES:
    client.send_multipart(msg)
    got = server.recv_multipart()
    assert got == msg, ('server got', got[:2])
    reply = [b'echo'] + got
    server.send_multipart(reply)
    back = client.recv_multipart()
    assert back == reply, ('client got', back[:2])
    echoed.append(reply)

client.close()
server.close()
ctx.term()
hexed = lambda msgs: [[p.hex() for p in m] for m in msgs]
print(json.dumps({'sent': hexed(MESSAGES), 'echoed': hexed(echoed)}), flush=True)
