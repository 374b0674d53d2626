#!/usr/bin/env python3
"""Traffic helper for tests/nat (runs inside the test namespaces).

far side:  flows.py far ADDR PORT SHARED OFFSET PSID_LEN PSID
    Accepts TCP, echoes UDP, watches ICMP echo requests and IP protocol 253
    (RFC 3692 experimental) arriving from SHARED; on SIGTERM prints one line:
    "far tcp=<distinct> tcp_out=<outside the set> udp=.. udp_out=.. icmp=.. icmp_out=.. proto253=.."
LAN side:  flows.py lan ADDR PORT KIND COUNT   (KIND: tcp, udp, icmp, proto253)
    Opens COUNT flows of KIND to ADDR (one destination) and prints
    "lan KIND ok=<flows that worked> failed=<flows that did not>".
probe:     flows.py probe ADDR PORT   exit 0 when a TCP connect succeeds.
hold:      flows.py hold ADDR TCP_PORT UDP_PORT   (against tests/lab/echo.py)
    Keeps one TCP connection and one UDP flow alive, 5 packets a second,
    printing the source port the echo server saw: "tcp PORT", "udp PORT",
    and "tcp closed" once the connection fails.
"""
import os
import random
import resource
import select
import selectors
import signal
import socket
import struct
import sys
import time

PROTO_EXPERIMENT = 253  # RFC 3692
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; root may exceed rmem_max


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_request(ident, seq):
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    body = b"lwb4-nat-test"
    return struct.pack("!BBHHH", 8, 0, checksum(head + body), ident, seq) + body


def big_buffers(s):
    # A burst of a thousand flows must not overflow the receive queue.
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    return s


def in_set(port, a, k, psid):
    m = 16 - a - k
    return ((port >> m) & ((1 << k) - 1)) == psid and port >= (1 << (16 - a) if a else 1)


def far(addr, port, shared, a, k, psid):
    tcp = socket.socket()
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(4096)
    udp = big_buffers(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    udp.bind((addr, port))
    icmp = big_buffers(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
    other = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO_EXPERIMENT)
    seen = {"tcp": set(), "udp": set(), "icmp": set()}
    counts = {"proto253": 0}
    conns = []

    def report(*_):
        out = " ".join(
            f"{proto}={len(v)} {proto}_out={sum(1 for p in v if not in_set(p, a, k, psid))}"
            for proto, v in seen.items()
        )
        print(f"far {out} proto253={counts['proto253']}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    print("far ready", flush=True)
    while True:
        ready, _, _ = select.select([tcp, udp, icmp, other], [], [])
        for s in ready:
            if s is tcp:
                c, peer = tcp.accept()
                conns.append(c)
                if peer[0] == shared:
                    seen["tcp"].add(peer[1])
            elif s is udp:
                data, peer = udp.recvfrom(2048)
                if peer[0] == shared:
                    seen["udp"].add(peer[1])
                udp.sendto(data, peer)
            elif s is icmp:
                pkt, peer = icmp.recvfrom(2048)
                ihl = (pkt[0] & 0x0F) * 4
                if peer[0] == shared and pkt[ihl] == 8:
                    seen["icmp"].add(struct.unpack("!H", pkt[ihl + 4 : ihl + 6])[0])
            else:
                _, peer = other.recvfrom(2048)
                counts["proto253"] += 1


def lan(addr, port, kind, count):
    ok = failed = 0
    keep = []
    if kind == "tcp":
        for _ in range(count):
            s = socket.socket()
            s.settimeout(0.3)
            try:
                s.connect((addr, port))
                keep.append(s)
                ok += 1
            except OSError:
                s.close()
                failed += 1
    elif kind == "udp":
        sel = selectors.DefaultSelector()
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.sendto(b"u%d" % i, (addr, port))
            sel.register(s, selectors.EVENT_READ)
            keep.append(s)
            time.sleep(0.0005)
        answered = set()
        deadline = time.time() + 3
        while len(answered) < count and time.time() < deadline:
            for key, _ in sel.select(0.2):
                key.fileobj.recv(2048)
                answered.add(key.fileobj)
                sel.unregister(key.fileobj)
        ok, failed = len(answered), count - len(answered)
    elif kind == "icmp":
        s = big_buffers(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
        ids = random.sample(range(1, 65536), count)
        for ident in ids:
            s.sendto(echo_request(ident, 1), (addr, 0))
            time.sleep(0.0005)
        replied = set()
        deadline = time.time() + 3
        while len(replied) < count and time.time() < deadline:
            ready, _, _ = select.select([s], [], [], 0.2)
            if ready:
                pkt, peer = s.recvfrom(2048)
                ihl = (pkt[0] & 0x0F) * 4
                if peer[0] == addr and pkt[ihl] == 0:
                    replied.add(struct.unpack("!H", pkt[ihl + 4 : ihl + 6])[0])
        ok = len(replied & set(ids))
        failed = count - ok
    elif kind == "proto253":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO_EXPERIMENT)
        for _ in range(count):
            s.sendto(b"lwb4", (addr, 0))
        ok = count
    print(f"lan {kind} ok={ok} failed={failed}", flush=True)


def probe(addr, port):
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect((addr, port))
        return 0
    except OSError:
        return 1


def hold(addr, tcp_port, udp_port):
    def peer_port(data):
        first = data.split(b"\n", 1)[0].split()
        return first[2].decode() if len(first) == 3 and first[0] == b"peer" else "?"

    t = socket.create_connection((addr, tcp_port), timeout=2)
    print(f"tcp {peer_port(t.recv(256))}", flush=True)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(0.5)
    while True:
        try:
            u.sendto(b"x", (addr, udp_port))
            print(f"udp {peer_port(u.recv(256))}", flush=True)
        except OSError:
            print("udp lost", flush=True)
        if t:
            try:
                t.sendall(b"x")
                if not t.recv(256):
                    raise OSError("closed")
            except OSError:
                print("tcp closed", flush=True)
                t.close()
                t = None
        time.sleep(0.2)


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (16384, 16384))
    mode = sys.argv[1]
    if mode == "far":
        addr, port, shared = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        far(addr, port, shared, *map(int, sys.argv[5:8]))
    elif mode == "lan":
        lan(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif mode == "probe":
        sys.exit(probe(sys.argv[2], int(sys.argv[3])))
    elif mode == "hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
