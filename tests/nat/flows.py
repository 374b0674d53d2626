#!/usr/bin/env python3
"""Traffic helper for tests/nat (runs inside the test namespaces).

far side:  flows.py far ADDR PORT SHARED OFFSET PSID_LEN PSID
    Accepts TCP, echoes UDP, watches ICMP echo requests and IP protocol 253
    (RFC 3692 experimental) arriving from SHARED; on SIGTERM prints one line:
    "far tcp=<distinct> tcp_out=<outside the set> udp=.. udp_out=.. icmp=.. icmp_out=..
     proto253=.. proto47=.. proto33=.. proto132=.. proto136=.." (packets of the
    IP protocols without a port set: RFC 3692 experiment, GRE, DCCP, SCTP, UDP-Lite)
LAN side:  flows.py lan ADDR PORT KIND COUNT [TIMEOUT]   (KIND: tcp, udp, icmp, protoN,
    udp0: UDP with checksum 0 to PORT+1, which the far side answers the same way)
    Opens COUNT flows of KIND to ADDR (one destination; a TCP connect waits
    TIMEOUT seconds, default 0.3) and prints
    "lan KIND ok=<flows that worked> failed=<flows that did not>".
probe:     flows.py probe ADDR PORT   exit 0 when a TCP connect succeeds.
hold:      flows.py hold ADDR TCP_PORT UDP_PORT   (against tests/lab/echo.py)
    Keeps one TCP connection and one UDP flow alive, 5 packets a second,
    printing the source port the echo server saw: "tcp PORT", "udp PORT",
    and "tcp closed" once the connection fails.
churn:     flows.py churn ADDR PORT ATTEMPTS OPEN ITERS   (tests/nat/bench.sh)
    Opens TCP connections to one destination until OPEN are open, ATTEMPTS
    were made or 64 failed in a row, then ITERS times closes a random one (RST) and opens a new one:
    "churn open=<connected> failed=<fill failures> iters=.. churn_failed=.."
connrate:  flows.py connrate ADDR FIRST_PORT NPORTS COUNT [BLOCKS]   COUNT sequential TCP
    connects (each closed with RST) to ports FIRST_PORT.. in turn; with
    BLOCKS, COUNT to FIRST_PORT, then COUNT to the next port, BLOCKS ports
    in all (each block fills a NAT pool of its own destination):
    "connrate n=<connected> seconds=.. per_second=.."
accept:    flows.py accept ADDR PORT...   accepts TCP on every PORT and holds the connections.
unreach:   flows.py unreach ADDR PORT SHARED (far side) answers the first datagram from
    SHARED after a while and checks that the ICMP port unreachable coming
    back quotes the port it sent to; sendclose: flows.py sendclose ADDR PORT
    (LAN side) sends one datagram from a socket it closes at once.
bigudp:    flows.py bigudp ADDR PORT SIZE   one SIZE-byte datagram, fragmented
    (no DF), to tests/lab/echo.py; exit 0 when the whole echo comes back,
    printing "bigudp port=<source port the echo server saw> bytes=<echoed>"
sink:      flows.py sink ADDR PORT   reads TCP streams to the end, answers the byte count.
icmperr:   flows.py icmperr ADDR PORT KIND   exit 0 when the ICMP error that KIND
    provokes reaches this (LAN) host's socket through the NAT:
    pmtu-udp, pmtu-tcp (fragmentation needed on a smaller-MTU hop; pmtu-tcp
    sends 1 MB to a sink), ttl-udp, ttl-tcp, ttl-icmp (time exceeded with TTL 2).
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

# RFC 3692 experiment, GRE (RFC 2784), DCCP (RFC 4340), SCTP (RFC 9260),
# UDP-Lite (RFC 3828).
OTHER_PROTOCOLS = (253, 47, 33, 132, 136)
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; root may exceed rmem_max
SO_NO_CHECK = 11  # <asm-generic/socket.h>; IPv4 UDP sent with checksum 0


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


def no_checksum(s):
    s.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1)
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
    # PORT+1: UDP without checksums (0 on the wire, RFC 768) both ways.
    udp0 = no_checksum(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    udp0.bind((addr, port + 1))
    icmp = big_buffers(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
    others = {socket.socket(socket.AF_INET, socket.SOCK_RAW, p): p for p in OTHER_PROTOCOLS}
    seen = {"tcp": set(), "udp": set(), "icmp": set()}
    counts = {f"proto{p}": 0 for p in OTHER_PROTOCOLS}
    conns = []

    def report(*_):
        out = " ".join(
            f"{proto}={len(v)} {proto}_out={sum(1 for p in v if not in_set(p, a, k, psid))}"
            for proto, v in seen.items()
        )
        other = " ".join(f"{k}={v}" for k, v in counts.items())
        print(f"far {out} {other}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    print("far ready", flush=True)
    while True:
        ready, _, _ = select.select([tcp, udp, udp0, icmp, *others], [], [])
        for s in ready:
            if s is tcp:
                c, peer = tcp.accept()
                conns.append(c)
                if peer[0] == shared:
                    seen["tcp"].add(peer[1])
            elif s is udp or s is udp0:
                data, peer = s.recvfrom(2048)
                if peer[0] == shared and s is udp:
                    seen["udp"].add(peer[1])
                s.sendto(data, peer)
            elif s is icmp:
                pkt, peer = icmp.recvfrom(2048)
                ihl = (pkt[0] & 0x0F) * 4
                if peer[0] == shared and pkt[ihl] == 8:
                    seen["icmp"].add(struct.unpack("!H", pkt[ihl + 4 : ihl + 6])[0])
            else:
                s.recvfrom(2048)
                counts[f"proto{others[s]}"] += 1


def lan(addr, port, kind, count, timeout=0.3):
    ok = failed = 0
    keep = []
    if kind == "tcp":
        for _ in range(count):
            s = socket.socket()
            s.settimeout(timeout)
            try:
                s.connect((addr, port))
                keep.append(s)
                ok += 1
            except OSError:
                s.close()
                failed += 1
    elif kind in ("udp", "udp0"):
        # udp0: checksum 0 on the wire (SO_NO_CHECK), to the far's PORT+1,
        # which answers the same way.
        if kind == "udp0":
            port += 1
        sel = selectors.DefaultSelector()
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            if kind == "udp0":
                no_checksum(s)
            s.setblocking(False)
            s.sendto(b"u%d" % i, (addr, port))
            sel.register(s, selectors.EVENT_READ)
            keep.append(s)
            time.sleep(0.0005)
        # A datagram lost on a busy machine is sent again (same socket, same
        # mapping), twice at most.
        answered = set()
        for attempt in range(3):
            deadline = time.time() + (3 if attempt == 2 else 1)
            while len(answered) < count and time.time() < deadline:
                for key, _ in sel.select(0.2):
                    key.fileobj.recv(2048)
                    answered.add(key.fileobj)
                    sel.unregister(key.fileobj)
            if len(answered) == count or attempt == 2:
                break
            for i, s in enumerate(keep):
                if s not in answered:
                    s.sendto(b"u%d" % i, (addr, port))
                    time.sleep(0.0005)
        ok, failed = len(answered), count - len(answered)
    elif kind == "icmp":
        s = big_buffers(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
        ids = random.sample(range(1, 65536), count)
        for ident in ids:
            s.sendto(echo_request(ident, 1), (addr, 0))
            time.sleep(0.0005)
        replied = set()
        for attempt in range(3):
            deadline = time.time() + (3 if attempt == 2 else 1)
            while len(replied) < count and time.time() < deadline:
                ready, _, _ = select.select([s], [], [], 0.2)
                if ready:
                    pkt, peer = s.recvfrom(2048)
                    ihl = (pkt[0] & 0x0F) * 4
                    if peer[0] == addr and pkt[ihl] == 0:
                        replied.add(struct.unpack("!H", pkt[ihl + 4 : ihl + 6])[0])
            if len(replied & set(ids)) == count or attempt == 2:
                break
            for ident in ids:
                if ident not in replied:
                    s.sendto(echo_request(ident, 2), (addr, 0))
                    time.sleep(0.0005)
        ok = len(replied & set(ids))
        failed = count - ok
    elif kind.startswith("proto"):
        # Starts like ports would (source, destination) for a port-aware parser.
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(kind[5:]))
        for _ in range(count):
            s.sendto(struct.pack("!HHI", 40000, port, 0) + b"lwb4-nat", (addr, 0))
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


RST_ON_CLOSE = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s


def try_connect(addr, port, timeout):
    s = socket.socket()
    s.settimeout(timeout)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST_ON_CLOSE)
    try:
        s.connect((addr, port))
        return s
    except OSError:
        s.close()
        return None


def churn(addr, port, attempts, target, iters):
    # A failed connect is a SYN the NAT dropped for want of a port; 0.2 s is
    # far above a connect's time through the namespaces.
    # 64 failures in a row: the NAT has nothing left for this destination.
    rng = random.Random(1)
    socks, fill_failed, in_a_row = [], 0, 0
    for _ in range(attempts):
        if len(socks) >= target or in_a_row >= 64:
            break
        s = try_connect(addr, port, 0.2)
        if s:
            socks.append(s)
            in_a_row = 0
        else:
            fill_failed += 1
            in_a_row += 1
    opened = len(socks)
    churn_failed = 0
    for _ in range(iters if socks else 0):
        socks.pop(rng.randrange(len(socks))).close()
        time.sleep(0.002)
        s = try_connect(addr, port, 0.2)
        if s:
            socks.append(s)
        else:
            churn_failed += 1
    print(
        f"churn open={opened} failed={fill_failed} iters={iters if opened else 0} "
        f"churn_failed={churn_failed}",
        flush=True,
    )


def connrate(addr, first_port, nports, count, blocks=0):
    if blocks:
        ports = [first_port + b for b in range(blocks) for _ in range(count)]
    else:
        ports = [first_port + i % nports for i in range(count)]
    start = time.perf_counter()
    n = 0
    for port in ports:
        s = try_connect(addr, port, 1.0)
        if s:
            n += 1
            s.close()
    took = time.perf_counter() - start
    print(f"connrate n={n} seconds={took:.3f} per_second={n / took:.0f}", flush=True)


def accept(addr, ports):
    servers = []
    for p in ports:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((addr, p))
        srv.listen(4096)
        servers.append(srv)
    print("accept ready", flush=True)
    held = []
    while True:
        ready, _, _ = select.select(servers, [], [])
        for srv in ready:
            held.append(srv.accept()[0])
            if len(held) > 12000:
                held.pop(0).close()


def big_udp(addr, port, size):
    IP_PMTUDISC_DONT = 0  # <linux/in.h>
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.settimeout(2)
    payload = bytes(i % 251 for i in range(size))
    for _ in range(3):
        s.sendto(payload, (addr, port))
        try:
            data = s.recv(65536)
        except OSError:
            continue
        head, _, body = data.partition(b"\n")
        peer = head.split()
        print(f"bigudp port={peer[2].decode() if len(peer) == 3 else '?'} bytes={len(body)}")
        return 0 if body == payload else 1
    print("bigudp no answer")
    return 1


def sink(addr, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    print("sink ready", flush=True)
    while True:
        c, _ = srv.accept()
        n = 0
        while True:
            data = c.recv(65536)
            if not data:
                break
            n += len(data)
        c.sendall(b"%d\n" % n)
        c.close()


IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_MTU, IP_RECVERR = 10, 2, 14, 11  # <linux/in.h>
SO_EE_ORIGIN_ICMP = 2  # <linux/errqueue.h>


def icmp_error_seen(s, want_type):
    """The first ICMP error of the socket's error queue has type want_type."""
    deadline = time.time() + 3
    while time.time() < deadline:
        select.select([s], [], [], 0.2)
        try:
            _, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE)
        except BlockingIOError:
            continue
        for level, typ, data in anc:
            if level == socket.IPPROTO_IP and typ == IP_RECVERR:
                _, origin, icmp_type, code = struct.unpack("=IBBB", data[:7])
                print(f"icmp error origin={origin} type={icmp_type} code={code}", flush=True)
                return origin == SO_EE_ORIGIN_ICMP and icmp_type == want_type
    return False


def icmp_error(addr, port, kind):
    if kind == "pmtu-udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        s.connect((addr, port))
        for _ in range(20):
            try:
                s.send(b"p" * 1400)
            except OSError:
                pass
            mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
            if mtu < 1400:
                break
            time.sleep(0.1)
        print(f"path mtu {mtu}", flush=True)
        return 0 if mtu < 1400 else 1
    if kind == "pmtu-tcp":
        total = 1 << 20
        try:
            s = socket.create_connection((addr, port), timeout=5)
            s.sendall(b"t" * total)
            s.shutdown(socket.SHUT_WR)
            got = s.recv(64).strip()
        except OSError as e:
            print(f"sending {total} bytes: {e}", flush=True)
            return 1
        mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
        print(f"sent {total}, sink got {got.decode()}, path mtu {mtu}", flush=True)
        return 0 if got == str(total).encode() and mtu < 1500 else 1
    if kind == "ttl-udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
        s.setblocking(False)
        s.sendto(b"ttl", (addr, port))
        return 0 if icmp_error_seen(s, 11) else 1
    if kind == "ttl-tcp":
        s = socket.socket()
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.settimeout(3)
        try:
            s.connect((addr, port))
        except OSError as e:
            print(f"connect: {e}", flush=True)
            return 0 if e.errno == 113 else 1  # EHOSTUNREACH: from the time exceeded
        return 1
    if kind == "ttl-icmp":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
        ident = random.randrange(1, 65536)
        s.sendto(echo_request(ident, 1), (addr, 0))
        deadline = time.time() + 3
        while time.time() < deadline:
            ready, _, _ = select.select([s], [], [], 0.2)
            if not ready:
                continue
            pkt = s.recv(2048)
            ihl = (pkt[0] & 0x0F) * 4
            inner = pkt[ihl + 8 :]
            if pkt[ihl] == 11 and len(inner) >= 28:
                iihl = (inner[0] & 0x0F) * 4
                quoted = struct.unpack("!H", inner[iihl + 4 : iihl + 6])[0]
                print(f"time exceeded quoting echo id {quoted} (sent {ident})", flush=True)
                return 0 if quoted == ident else 1
        return 1
    sys.exit(__doc__)


def unreach(addr, port, shared):
    """Far side: the first datagram from SHARED gets one back after the LAN
    socket closed; the port unreachable that comes back must quote the port
    it was sent to (the real one, not the CPE's virtual one)."""
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    udp.settimeout(5)
    print("unreach ready", flush=True)
    _, peer = udp.recvfrom(2048)
    if peer[0] != shared:
        print(f"unreach: datagram from {peer[0]}, not {shared}", flush=True)
        return 1
    time.sleep(0.3)  # the LAN socket is closed by now
    udp.sendto(b"anyone?", peer)
    deadline = time.time() + 3
    while time.time() < deadline:
        ready, _, _ = select.select([icmp], [], [], 0.2)
        if not ready:
            continue
        pkt, src = icmp.recvfrom(2048)
        ihl = (pkt[0] & 0x0F) * 4
        inner = pkt[ihl + 8 :]
        if src[0] != shared or pkt[ihl] != 3 or len(inner) < 28:
            continue
        iihl = (inner[0] & 0x0F) * 4
        quoted = struct.unpack("!H", inner[iihl + 2 : iihl + 4])[0]
        print(f"unreach real={peer[1]} quoted={quoted}", flush=True)
        return 0 if quoted == peer[1] else 1
    print("unreach: no port unreachable came back", flush=True)
    return 1


def sendclose(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"hello", (addr, port))
    s.close()


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (16384, 16384))
    mode = sys.argv[1]
    if mode == "far":
        addr, port, shared = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        far(addr, port, shared, *map(int, sys.argv[5:8]))
    elif mode == "lan":
        lan(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), *map(float, sys.argv[6:7]))
    elif mode == "probe":
        sys.exit(probe(sys.argv[2], int(sys.argv[3])))
    elif mode == "churn":
        churn(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7]))
    elif mode == "unreach":
        sys.exit(unreach(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    elif mode == "sendclose":
        sendclose(sys.argv[2], int(sys.argv[3]))
    elif mode == "connrate":
        connrate(sys.argv[2], *map(int, sys.argv[3:7]))
    elif mode == "accept":
        accept(sys.argv[2], [int(p) for p in sys.argv[3:]])
    elif mode == "bigudp":
        sys.exit(big_udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif mode == "sink":
        sink(sys.argv[2], int(sys.argv[3]))
    elif mode == "icmperr":
        sys.exit(icmp_error(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    elif mode == "hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
