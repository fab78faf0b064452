"""pyzmq (Debian's libzmq 4.3.4) peer for the security interop tests.

argv[1] is a JSON config. Prints one JSON object per line on stdout:
  {"port": N}                      server: the port it bound
  {"event": NAME, "value": V}      monitor events (handshake failures carry the ZAP status / error code)
  {"recv": [hex frames]}           server: a request it received (it answers with "echo:" + each frame)
  {"reply": [hex frames]}          client: the reply to the request it sent
Runs until stdin closes, then exits after closing everything.

Server config: {"role": "server", "mechanism": "PLAIN"|"CURVE", "users": {user: password},
                "secret": z85, "allow": [z85 client keys], "domain": str}
  ZAP is pyzmq's own ThreadAuthenticator (zmq.auth.thread), a real ZAP handler in the same context.
Client config: {"role": "client", "mechanism": ..., "port": N, "username", "password",
                "serverKey", "public", "secret", "send": [text frames]}
"""
import json
import sys
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


EVENT_NAMES = {}
for name in dir(zmq):
    if name.startswith("EVENT_") and name not in ("EVENT_ALL", "EVENT_ALL_V1", "EVENT_ALL_V2"):
        value = getattr(zmq, name)
        if isinstance(value, int):
            EVENT_NAMES[int(value)] = name[len("EVENT_"):]


class AllowList:
    def __init__(self, keys):
        self.keys = set(keys)

    def callback(self, domain, key):
        return key.decode() in self.keys


def main():
    cfg = json.loads(sys.argv[1])
    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    ctx = zmq.Context()
    auth = None
    mech = cfg["mechanism"]
    if cfg["role"] == "server":
        auth = ThreadAuthenticator(ctx)
        auth.start()
        sock = ctx.socket(zmq.REP)
        domain = cfg.get("domain", "py")
        sock.zap_domain = domain.encode()
        if mech == "PLAIN":
            auth.configure_plain(domain=domain, passwords=cfg["users"])
            sock.plain_server = True
        else:
            auth.configure_curve_callback(domain=domain, credentials_provider=AllowList(cfg["allow"]))
            sock.curve_server = True
            sock.curve_secretkey = cfg["secret"].encode()
    else:
        sock = ctx.socket(zmq.REQ)
        if mech == "PLAIN":
            sock.plain_username = cfg["username"].encode()
            sock.plain_password = cfg["password"].encode()
        else:
            sock.curve_serverkey = cfg["serverKey"].encode()
            sock.curve_publickey = cfg["public"].encode()
            sock.curve_secretkey = cfg["secret"].encode()
    sock.linger = 0
    monitor = sock.get_monitor_socket()
    if cfg["role"] == "server":
        out({"port": sock.bind_to_random_port("tcp://127.0.0.1")})
    else:
        sock.connect("tcp://127.0.0.1:%d" % cfg["port"])
        sock.send_multipart([f.encode() for f in cfg["send"]])

    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)
    while not stop.is_set():
        for s, _ in poller.poll(100):
            if s is monitor:
                ev = recv_monitor_message(monitor)
                out({"event": EVENT_NAMES.get(int(ev["event"]), str(ev["event"])), "value": ev["value"]})
            elif cfg["role"] == "server":
                frames = sock.recv_multipart()
                out({"recv": [f.hex() for f in frames]})
                sock.send_multipart([b"echo:" + f for f in frames])
            else:
                out({"reply": [f.hex() for f in sock.recv_multipart()]})
    sock.disable_monitor()
    monitor.close(0)
    sock.close(0)
    if auth is not None:
        auth.stop()
    ctx.term()


main()
