# A pyzmq (libzmq 4.3.4 with OpenPGM) PUB or SUB on an epgm:// endpoint, for epgm.test.ts.
# Messages follow one pattern on both sides (see expected()), so a receiver can check each one whole.
#   pub ENDPOINT        prints "ready"; then on stdin: "send N" (prints "sent"), "stream" (sends until EOF)
#   sub ENDPOINT N MS   prints "ready"; receives N messages (or stops after MS without one); prints a JSON summary
import json, sys, time
import zmq

LARGE = 20000


def expected(i, late=False):
    if late:
        return [b"late%d" % i, bytes((i * 7 + j) % 251 for j in range(3000))]
    if i % 100 == 5:
        return [b"multi%d" % i, b"", bytes((i + j) % 251 for j in range(LARGE))]
    return [b"m%d" % i]


def index_of(first):
    for prefix in (b"late", b"multi", b"m"):
        if first.startswith(prefix):
            return int(first[len(prefix):]), prefix == b"late"
    raise ValueError(first)


def main():
    role, endpoint = sys.argv[1], sys.argv[2]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUB if role == "pub" else zmq.SUB)
    sock.setsockopt(zmq.RATE, 10000)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.connect(endpoint)
    if role == "sub":
        sock.setsockopt(zmq.SUBSCRIBE, b"")
    time.sleep(0.5)
    print("ready", flush=True)
    if role == "pub":
        for line in sys.stdin:
            cmd = line.split()
            if cmd[0] == "send":
                for i in range(int(cmd[1])):
                    sock.send_multipart(expected(i))
                print("sent", flush=True)
            elif cmd[0] == "stream":
                i = 0
                sys.stdin = open("/dev/null")
                while True:
                    sock.send_multipart(expected(i, True))
                    i += 1
                    time.sleep(0.002)
        time.sleep(2)
        return
    want, timeout = int(sys.argv[3]), int(sys.argv[4])
    sock.RCVTIMEO = timeout
    count, errors, first, last = 0, [], None, None
    try:
        while count < want:
            msg = sock.recv_multipart()
            i, late = index_of(msg[0])
            if first is None:
                first = i
            elif i != last + 1:
                errors.append("after %d came %d" % (last, i))
            if msg != expected(i, late):
                errors.append("message %d differs: %d frames of %s bytes" % (i, len(msg), [len(f) for f in msg]))
            last = i
            count += 1
    except zmq.Again:
        pass
    print(json.dumps({"count": count, "first": first, "last": last, "errors": errors[:10]}), flush=True)


main()
