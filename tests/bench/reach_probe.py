#!/usr/bin/env python3
"""One provisioning run of tests/bench/reachability.sh, timed by one clock.

Run in the LAN host's namespace (root). Starts `ip -ts -n CPE_NS monitor`,
then, at t0, the lwb4d command given after `--`, and polls until all of
these happened (or the timeout):
  bound   lwb4d's control socket answers "state": "BOUND"
  kernel  the CPE namespace has the softwire link, the /32 on it and the
          default route through it (first rtnetlink notification of each;
          the time is that of the last of the three, from ip's timestamps)
  icmp    the first ICMP echo reply from DST (each echo request has its own
          id, so one sent before the NAT was in place, whose conntrack entry
          stays un-NATed, does not hold back the later ones)
  tcp     the first TCP connect to DST:PORT that completes (a new socket,
          so a new source port, for each attempt)
Prints one JSON object: lwb4d's pid and each time in ms after t0 (null if it
did not happen). lwb4d keeps running; the caller stops it.
  reach_probe.py --control SOCK --cpe-ns NS --softwire NAME --dst ADDR
                 --log FILE [--port N] [--interval MS] [--timeout S] -- LWB4D_CMD...
"""
import argparse
import errno
import json
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import time
from datetime import datetime


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_request(ident, seq):
    payload = b"lwb4 reachability"
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(head + payload), ident, seq) + payload


def bound(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
        s.send(b"status")
        return json.loads(s.recv(256 * 1024)).get("state") == "BOUND"
    except (OSError, ValueError):
        return False
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--control", required=True)
    ap.add_argument("--cpe-ns", required=True)
    ap.add_argument("--softwire", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--interval", type=float, default=2.0, help="ms between attempts")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds")
    ap.add_argument("--log", required=True, help="lwb4d's stdout and stderr")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no lwb4d command after --")

    # Line-buffered: ip's stdio would hold the lines back in a pipe.
    mon = subprocess.Popen(["stdbuf", "-oL", "ip", "-ts", "-n", a.cpe_ns, "monitor", "link", "address", "route"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.set_blocking(mon.stdout.fileno(), False)
    time.sleep(0.3)  # ip has subscribed
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp.setblocking(False)
    sw = a.softwire.encode()
    link_re = re.compile(rb"^\[([0-9T:.-]+)\] ?\d+: " + re.escape(sw) + rb"[@:]")
    addr_re = re.compile(rb"^\[([0-9T:.-]+)\] ?\d+: " + re.escape(sw) + rb"\s+inet [0-9.]+/32 ")
    route_re = re.compile(rb"^\[([0-9T:.-]+)\] ?default dev " + re.escape(sw) + rb" ")
    seen = {}  # link, addr, route -> realtime ns
    buf = b""

    t0 = time.time_ns()
    log = open(a.log, "ab")
    monlog = open(a.log + ".monitor", "ab")
    lwb4d = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    times = {"bound": None, "kernel": None, "icmp": None, "tcp": None}
    ids = set()
    seq = 0
    pending = {}  # fd -> (socket, start ns)
    step = a.interval / 1000
    deadline = time.monotonic() + a.timeout
    next_try = 0.0

    def ms(ns):
        return round((ns - t0) / 1e6, 1)

    while None in times.values() and time.monotonic() < deadline:
        if lwb4d.poll() is not None:
            print("reach_probe: lwb4d exited with %d" % lwb4d.returncode, file=sys.stderr)
            break
        now = time.monotonic()
        if now >= next_try:
            next_try = now + step
            if times["bound"] is None and bound(a.control):
                times["bound"] = ms(time.time_ns())
            if times["icmp"] is None:
                ident = random.randrange(1, 65536)
                ids.add(ident)
                seq += 1
                try:
                    icmp.sendto(echo_request(ident, seq & 0xFFFF), (a.dst, 0))
                except OSError:
                    pass  # no route yet
            if times["tcp"] is None:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                e = s.connect_ex((a.dst, a.port))
                if e in (0, errno.EINPROGRESS):
                    pending[s.fileno()] = (s, time.time_ns())
                else:
                    s.close()
            # A SYN dropped before the path was up would be retried only
            # after a second: give up on attempts older than 0.3 s.
            for fd, (s, started) in list(pending.items()):
                if time.time_ns() - started > 300_000_000:
                    s.close()
                    del pending[fd]
        rlist = [icmp, mon.stdout]
        wlist = [s for s, _ in pending.values()]
        r, w, _ = select.select(rlist, wlist, [], max(0.0, next_try - time.monotonic()))
        if icmp in r:
            while True:
                try:
                    pkt = icmp.recv(2048)
                except BlockingIOError:
                    break
                ihl = (pkt[0] & 0x0F) * 4
                if len(pkt) >= ihl + 8 and pkt[ihl] == 0:
                    ident = struct.unpack("!H", pkt[ihl + 4:ihl + 6])[0]
                    if ident in ids and times["icmp"] is None:
                        times["icmp"] = ms(time.time_ns())
        if mon.stdout in r:
            buf += mon.stdout.read() or b""
            *lines, buf = buf.split(b"\n")
            monlog.write(b"".join(l + b"\n" for l in lines))
            for line in lines:
                for key, rx in (("link", link_re), ("addr", addr_re), ("route", route_re)):
                    m = rx.match(line)
                    if m and key not in seen:
                        t = datetime.fromisoformat(m.group(1).decode())
                        seen[key] = int(t.timestamp() * 1e9)
            if len(seen) == 3 and times["kernel"] is None:
                times["kernel"] = ms(max(seen.values()))
        for s in w:
            fd = s.fileno()
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0 and times["tcp"] is None:
                times["tcp"] = ms(time.time_ns())
            s.close()
            del pending[fd]
    for s, _ in pending.values():
        s.close()
    mon.terminate()
    mon.wait()
    print(json.dumps({"pid": lwb4d.pid, **times}))


if __name__ == "__main__":
    main()
