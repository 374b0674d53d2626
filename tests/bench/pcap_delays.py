#!/usr/bin/env python3
"""Per-message delays of a DHCPv4-over-DHCPv6 client and its server, from a
pcap of the client's uplink (tcpdump -w, Ethernet, micro- or nanosecond
timestamps).

For every server->client datagram the client answers (the DHCPv6 Reply that
is followed by a DHCPV4-QUERY carrying DHCPDISCOVER, the DHCPOFFER followed
by the DHCPREQUEST with the same DHCPv4 xid), the time until the client's
answer: the client's own processing, kernel included. For every client
request, the time until the server's reply with the same transaction id.
Prints one Markdown table row per measure: count, min, median, max in us,
and how many exceed 5 ms (issue 3's bound for lwb4d's own processing).

Given engine_bench's JSON output (--benchmark_format=json, with
repetitions) as well, the engine's in-memory time per message is put next
to the figures from the wire: one value per repetition, each the mean over
that repetition's iterations.

    tests/bench/pcap_delays.py wan0.pcap [engine_bench.json]
"""
import json
import statistics
import struct
import sys

DHCP6_CLIENT, DHCP6_SERVER = 546, 547
INFORMATION_REQUEST, REPLY = 11, 7  # RFC 8415 §7.3
DHCPV4_QUERY, DHCPV4_RESPONSE = 20, 21  # RFC 7341 §6.1
OPTION_DHCPV4_MSG = 87  # RFC 7341 §7.1
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5  # RFC 2132 §9.6
ETH_IPV6 = 0x86DD
LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL = 1, 113
MAGIC_COOKIE = b"\x63\x82\x53\x63"  # RFC 2131 §3


def read_pcap(path):
    """Yields (timestamp in ns, link-layer frame)."""
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return
        for order in ("<", ">"):
            magic = struct.unpack(order + "I", header[:4])[0]
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise SystemExit(f"{path}: not a pcap file (pcapng is not read)")
        fraction_ns = 1 if magic == 0xA1B23C4D else 1000
        linktype = struct.unpack(order + "I", header[20:24])[0] & 0x0FFFFFFF
        if linktype not in (LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL):
            raise SystemExit(f"{path}: link type {linktype} is not Ethernet or Linux SLL")
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(order + "IIII", record)
            frame = f.read(caplen)
            if len(frame) < caplen:
                return
            if linktype == LINKTYPE_ETHERNET:
                ethertype, payload = struct.unpack("!H", frame[12:14])[0], frame[14:]
            else:
                ethertype, payload = struct.unpack("!H", frame[14:16])[0], frame[16:]
            if ethertype == ETH_IPV6:
                yield sec * 1_000_000_000 + frac * fraction_ns, payload


def udp_of(ipv6):
    """(source port, destination port, payload) of an IPv6 packet carrying
    UDP directly (lwb4d and Kea send no extension headers), else None."""
    if len(ipv6) < 48 or ipv6[6] != 17:
        return None
    sport, dport, length = struct.unpack("!HHH", ipv6[40:46])
    return sport, dport, ipv6[48 : 40 + length]


def dhcp6_options(body):
    options, at = {}, 0
    while at + 4 <= len(body):
        code, length = struct.unpack("!HH", body[at : at + 4])
        options.setdefault(code, body[at + 4 : at + 4 + length])
        at += 4 + length
    return options


def dhcp4_of(msg):
    """(xid, DHCP message type) of a DHCPV4-QUERY/-RESPONSE, else None."""
    inner = dhcp6_options(msg[4:]).get(OPTION_DHCPV4_MSG)
    if not inner or len(inner) < 240 or inner[236:240] != MAGIC_COOKIE:
        return None
    xid = struct.unpack("!I", inner[4:8])[0]
    at = 240
    while at < len(inner):
        code = inner[at]
        if code == 0:
            at += 1
            continue
        if code == 255 or at + 1 >= len(inner):
            break
        length = inner[at + 1]
        if code == 53 and length == 1:
            return xid, inner[at + 2]
        at += 2 + length
    return None


def messages(path):
    """Yields (ns, from_client, kind, id): kind "info", "reply" (id: DHCPv6
    transaction id) or a DHCPv4 type (id: DHCPv4 xid)."""
    for ts, ipv6 in read_pcap(path):
        udp = udp_of(ipv6)
        if not udp or len(udp[2]) < 4:
            continue
        sport, dport, msg = udp
        if dport == DHCP6_SERVER:
            from_client = True
        elif sport == DHCP6_SERVER and dport == DHCP6_CLIENT:
            from_client = False
        else:
            continue
        mtype, txid = msg[0], int.from_bytes(msg[1:4], "big")
        if mtype == INFORMATION_REQUEST:
            yield ts, from_client, "info", txid
        elif mtype == REPLY:
            yield ts, from_client, "reply", txid
        elif mtype in (DHCPV4_QUERY, DHCPV4_RESPONSE):
            inner = dhcp4_of(msg)
            if inner:
                yield ts, from_client, inner[1], inner[0]


def delays(path):
    client = {"Reply -> DISCOVER": [], "OFFER -> REQUEST": []}
    server = {"Information-request -> Reply": [], "DISCOVER -> OFFER": [], "REQUEST -> ACK": []}
    pending_request = {}  # (kind, id) -> time of the client's latest request
    last_server = None  # (ns, kind, id) of the server's latest datagram, unanswered
    for ts, from_client, kind, ident in messages(path):
        if from_client:
            if last_server:
                t, skind, sid = last_server
                if skind == "reply" and kind == DISCOVER:
                    client["Reply -> DISCOVER"].append(ts - t)
                elif skind == OFFER and kind == REQUEST and sid == ident:
                    client["OFFER -> REQUEST"].append(ts - t)
            last_server = None
            pending_request[(kind, ident)] = ts
        else:
            last_server = (ts, kind, ident)
            answers = {"reply": "info", OFFER: DISCOVER, ACK: REQUEST}
            name = {"reply": "Information-request -> Reply", OFFER: "DISCOVER -> OFFER",
                    ACK: "REQUEST -> ACK"}
            sent = pending_request.pop((answers.get(kind), ident), None)
            if sent is not None:
                server[name[kind]].append(ts - sent)
    return client, server


BOUND_NS = 5_000_000


def row(who, name, values):
    if not values:
        return f"| {who}: {name} | 0 | - | - | - | - |"
    us = [v / 1000 for v in values]
    digits = 0 if max(us) >= 100 else 1
    return (f"| {who}: {name} | {len(us)} | {min(us):.{digits}f} "
            f"| {statistics.median(us):.{digits}f} | {max(us):.{digits}f} "
            f"| {sum(v > BOUND_NS for v in values)} |")


ENGINE_BENCHMARKS = {
    "BM_Reply_to_Discover/manual_time": "Reply -> DISCOVER",
    "BM_Offer_to_Request/manual_time": "OFFER -> REQUEST",
    "BM_Ack_to_Apply/manual_time": "ACK -> Apply",
    "BM_Start_to_Bound/manual_time": "start -> BOUND (all four steps)",
}
TIME_UNIT_NS = {"ns": 1, "us": 1000, "ms": 1_000_000, "s": 1_000_000_000}


def engine_times(path):
    """Per benchmark: the real (manual) time of each repetition, in ns."""
    with open(path) as f:
        report = json.load(f)
    times = {name: [] for name in ENGINE_BENCHMARKS.values()}
    for b in report["benchmarks"]:
        name = ENGINE_BENCHMARKS.get(b.get("run_name"))
        if name and b.get("run_type") == "iteration":
            times[name].append(b["real_time"] * TIME_UNIT_NS[b["time_unit"]])
    return times


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: pcap_delays.py PCAP [ENGINE_BENCH_JSON]")
    client, server = delays(sys.argv[1])
    print("| measure | n | min µs | median µs | max µs | over 5 ms |")
    print("|---|---|---|---|---|---|")
    for name, values in client.items():
        print(row("lwb4d on the wire", name, values))
    if len(sys.argv) == 3:
        for name, values in engine_times(sys.argv[2]).items():
            print(row("engine in memory", name, values))
    for name, values in server.items():
        print(row("Kea on the wire", name, values))


if __name__ == "__main__":
    main()
