#!/usr/bin/env python3
"""DHCPv4-over-DHCPv6 probe for the namespace lab (test tool, not product code).

Run inside the cpe namespace. It checks that the ISP side answers without
lwb4d:
  1. Information-request, multicast to ff02::1:2 from the link-local address
     of the WAN interface, ORO {88, 96}: prints option 88 and the S46_BR found
     in the S46_CONT_LW container (RFC 7341 §6, RFC 7598 §5.1).
  2. DHCPV4-QUERY carrying a DISCOVER (client-id in RFC 4361 form, PRL
     1,3,6,159) sent to the option-88 address: prints the OFFER.
  3. DHCPV4-QUERY carrying the REQUEST for that offer: prints the ACK.
Output is one "key: value" line per fact. Exit status 0 only if every step
got the expected answer.
"""

import argparse
import ipaddress
import os
import socket
import struct
import sys
import time

DHCP6_CLIENT_PORT = 546  # RFC 8415 §7.2
DHCP6_SERVER_PORT = 547  # RFC 8415 §7.2
ALL_RELAYS_AND_SERVERS = "ff02::1:2"  # RFC 8415 §7.1

MSG6_REPLY = 7  # RFC 8415 §7.3
MSG6_INFORMATION_REQUEST = 11  # RFC 8415 §7.3
MSG6_DHCPV4_QUERY = 20  # RFC 7341 §6.1
MSG6_DHCPV4_RESPONSE = 21  # RFC 7341 §6.2

OPT6_CLIENTID = 1  # RFC 8415 §21.2
OPT6_SERVERID = 2  # RFC 8415 §21.3
OPT6_ORO = 6  # RFC 8415 §21.7
OPT6_ELAPSED_TIME = 8  # RFC 8415 §21.9
OPT6_DHCPV4_MSG = 87  # RFC 7341 §7.1
OPT6_DHCP4_O_DHCP6_SERVER = 88  # RFC 7341 §7.2
OPT6_S46_BR = 90  # RFC 7598 §4.2
OPT6_S46_CONT_LW = 96  # RFC 7598 §5.3

QUERY_FLAG_UNICAST = 0x800000  # RFC 7341 §6.1: U is the top bit of the 24-bit flags

BOOTREQUEST, BOOTREPLY = 1, 2  # RFC 2131 §2
MAGIC_COOKIE = b"\x63\x82\x53\x63"  # RFC 2131 §3
OPT4_PAD, OPT4_END = 0, 255  # RFC 2132 §3.1, §3.2
OPT4_REQUESTED_IP = 50  # RFC 2132 §9.1
OPT4_LEASE_TIME = 51  # RFC 2132 §9.2
OPT4_MSG_TYPE = 53  # RFC 2132 §9.6
OPT4_SERVER_ID = 54  # RFC 2132 §9.7
OPT4_PRL = 55  # RFC 2132 §9.8
OPT4_RENEWAL_TIME = 58  # RFC 2132 §9.11
OPT4_REBINDING_TIME = 59  # RFC 2132 §9.12
OPT4_CLIENT_ID = 61  # RFC 2132 §9.14, RFC 4361 §6.1
OPT4_V4_PORTPARAMS = 159  # RFC 7618 §4
DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, DHCPACK, DHCPNAK, DHCPRELEASE = 1, 2, 3, 5, 6, 7


class ProbeError(Exception):
    pass


def out(key, value):
    print("%s: %s" % (key, value), flush=True)


def hexbytes(data):
    return " ".join("%02x" % b for b in data)


# ---- interface facts -----------------------------------------------------------


def interface_addresses(ifname):
    """(link-local, [global addresses]) of ifname, from /proc/net/if_inet6."""
    link_local, globals_ = None, []
    with open("/proc/net/if_inet6") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 6 or fields[5] != ifname:
                continue
            addr = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
            if addr.is_link_local:
                link_local = link_local or str(addr)
            elif not addr.is_loopback:
                globals_.append(str(addr))
    return link_local, globals_


def interface_mac(ifname):
    with open("/sys/class/net/%s/address" % ifname) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


# ---- DHCPv6 --------------------------------------------------------------------


def opt6(code, data):
    return struct.pack("!HH", code, len(data)) + data


def parse_opts6(data, where):
    """List of (code, bytes); rejects a truncated option."""
    opts, pos = [], 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ProbeError("%s: truncated option header at offset %d" % (where, pos))
        code, length = struct.unpack_from("!HH", data, pos)
        if pos + 4 + length > len(data):
            raise ProbeError("%s: option %d: length %d overruns the message" % (where, code, length))
        opts.append((code, data[pos + 4 : pos + 4 + length]))
        pos += 4 + length
    return opts


def first(opts, code):
    for c, v in opts:
        if c == code:
            return v
    return None


def addresses6(data, what):
    if len(data) % 16:
        raise ProbeError("%s: length %d is not a multiple of 16" % (what, len(data)))
    return [str(ipaddress.IPv6Address(data[i : i + 16])) for i in range(0, len(data), 16)]


class Dhcp6Socket:
    """UDP socket on port 546 bound to one address of the WAN interface."""

    def __init__(self, address, ifindex):
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        scope = ifindex if ipaddress.IPv6Address(address).is_link_local else 0
        self.sock.bind((address, DHCP6_CLIENT_PORT, 0, scope))
        self.ifindex = ifindex

    def close(self):
        self.sock.close()

    def exchange(self, dest, payload, accept, timeout, tries):
        """Sends payload to dest:547 until accept(reply) returns a value."""
        dest_addr = ipaddress.IPv6Address(dest)
        scope = self.ifindex if dest_addr.is_link_local or dest_addr.is_multicast else 0
        for _ in range(tries):
            sent = time.monotonic()
            self.sock.sendto(payload, (dest, DHCP6_SERVER_PORT, 0, scope))
            deadline = sent + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.sock.settimeout(left)
                try:
                    data, src = self.sock.recvfrom(65536)
                except socket.timeout:
                    break
                result = accept(data)
                if result is not None:
                    return result, src[0], (time.monotonic() - sent) * 1000.0
        raise ProbeError("no acceptable reply from %s after %d tries" % (dest, tries))


# ---- DHCPv4 --------------------------------------------------------------------


def opt4(code, data):
    return bytes([code, len(data)]) + data


def build_dhcp4(xid, mac, options, ciaddr=b"\0\0\0\0"):
    header = struct.pack(
        "!BBBBIHH4s4s4s4s16s64s128s",
        BOOTREQUEST,
        1,  # htype Ethernet, RFC 2131 §2 / RFC 1700
        6,  # hlen
        0,  # hops
        xid,
        0,  # secs
        0,  # flags: B=0 (RFC 7341 leaves it open)
        ciaddr,
        b"\0\0\0\0",
        b"\0\0\0\0",
        b"\0\0\0\0",
        mac.ljust(16, b"\0"),
        b"",
        b"",
    )
    return header + MAGIC_COOKIE + b"".join(opt4(c, v) for c, v in options) + bytes([OPT4_END])


def parse_dhcp4(data):
    """(header fields dict, {code: bytes}); rejects malformed messages."""
    if len(data) < 240:
        raise ProbeError("DHCPv4 message: %d bytes, shorter than header + cookie" % len(data))
    op, _, _, _, xid = struct.unpack_from("!BBBBI", data, 0)
    if data[236:240] != MAGIC_COOKIE:
        raise ProbeError("DHCPv4 message: bad magic cookie %s" % hexbytes(data[236:240]))
    opts, pos = {}, 240
    while pos < len(data):
        code = data[pos]
        if code == OPT4_PAD:
            pos += 1
            continue
        if code == OPT4_END:
            break
        if pos + 2 > len(data) or pos + 2 + data[pos + 1] > len(data):
            raise ProbeError("DHCPv4 option %d truncated at offset %d" % (code, pos))
        opts[code] = opts.get(code, b"") + data[pos + 2 : pos + 2 + data[pos + 1]]  # RFC 3396
        pos += 2 + data[pos + 1]
    fields = {"op": op, "xid": xid, "yiaddr": socket.inet_ntoa(data[16:20])}
    return fields, opts


def u32(opts, code):
    v = opts.get(code)
    return struct.unpack("!I", v)[0] if v is not None and len(v) == 4 else None


# ---- the probe -------------------------------------------------------------------


class Probe:
    def __init__(self, args):
        self.args = args
        self.ifname = args.iface
        self.ifindex = socket.if_nametoindex(args.iface)
        self.mac = interface_mac(args.iface)
        self.link_local, self.globals = interface_addresses(args.iface)
        if not self.link_local:
            raise ProbeError("%s has no link-local address" % args.iface)
        self.duid = struct.pack("!HH", 3, 1) + self.mac  # DUID-LL, RFC 8415 §11.4
        self.iaid = struct.pack("!I", self.ifindex)
        self.client_id4 = b"\xff" + self.iaid + self.duid  # RFC 4361 §6.1
        self.prl = bytes([1, 3, 6, OPT4_V4_PORTPARAMS])
        self.sockets = {}
        out("probe.interface", "%s %s mac %s" % (self.ifname, self.link_local, self.mac.hex(":")))

    def socket_for(self, dest):
        """RFC 7341 §5: multicast (and link-local) from the link-local, unicast from a global."""
        d = ipaddress.IPv6Address(dest)
        if d.is_multicast or d.is_link_local:
            source = self.link_local
        elif self.globals:
            source = self.globals[0]
        else:
            raise ProbeError("no global address on %s for unicast to %s" % (self.ifname, dest))
        if source not in self.sockets:
            self.sockets[source] = Dhcp6Socket(source, self.ifindex)
        return self.sockets[source]

    def close(self):
        for s in self.sockets.values():
            s.close()

    def information_request(self):
        xid = os.urandom(3)
        msg = bytes([MSG6_INFORMATION_REQUEST]) + xid
        msg += opt6(OPT6_CLIENTID, self.duid)
        msg += opt6(OPT6_ELAPSED_TIME, b"\0\0")
        msg += opt6(OPT6_ORO, struct.pack("!HH", OPT6_DHCP4_O_DHCP6_SERVER, OPT6_S46_CONT_LW))

        def accept(data):
            if len(data) < 4 or data[0] != MSG6_REPLY or data[1:4] != xid:
                return None
            return parse_opts6(data[4:], "Reply")

        opts, src, ms = self.socket_for(ALL_RELAYS_AND_SERVERS).exchange(
            ALL_RELAYS_AND_SERVERS, msg, accept, self.args.timeout, self.args.tries
        )
        out("info.reply-from", src)
        out("info.rtt-ms", "%.2f" % ms)
        if first(opts, OPT6_SERVERID) is None:
            raise ProbeError("Reply without SERVERID")
        if first(opts, OPT6_CLIENTID) != self.duid:
            raise ProbeError("Reply does not echo our CLIENTID")
        out("info.options", " ".join(str(c) for c, _ in opts))

        servers = None
        raw88 = first(opts, OPT6_DHCP4_O_DHCP6_SERVER)
        if raw88 is None:
            out("opt88", "absent")
        else:
            servers = addresses6(raw88, "option 88")
            out("opt88", " ".join(servers) if servers else "empty")
        cont = first(opts, OPT6_S46_CONT_LW)
        if cont is None:
            out("opt96", "absent")
        else:
            sub = parse_opts6(cont, "option 96")
            out("opt96.options", " ".join(str(c) for c, _ in sub))
            for code, value in sub:
                if code == OPT6_S46_BR:
                    out("opt96.br", " ".join(addresses6(value, "option 90")))
        return servers

    def query4(self, server, dhcp4_msg, unicast, expect_reply=True):
        flags = QUERY_FLAG_UNICAST if unicast else 0
        msg = bytes([MSG6_DHCPV4_QUERY]) + flags.to_bytes(3, "big") + opt6(OPT6_DHCPV4_MSG, dhcp4_msg)
        xid = struct.unpack_from("!I", dhcp4_msg, 4)[0]
        sock = self.socket_for(server)
        if not expect_reply:
            sock.sock.sendto(msg, (server, DHCP6_SERVER_PORT, 0, 0))
            return None

        def accept(data):
            if len(data) < 4 or data[0] != MSG6_DHCPV4_RESPONSE:
                return None
            inner = first(parse_opts6(data[4:], "DHCPV4-RESPONSE"), OPT6_DHCPV4_MSG)
            if inner is None:
                return None  # RFC 7341 §7.2: discard
            fields, opts = parse_dhcp4(inner)
            if fields["op"] != BOOTREPLY or fields["xid"] != xid:
                return None  # RFC 7341: replies are matched on the DHCPv4 xid
            return fields, opts

        return sock.exchange(server, msg, accept, self.args.timeout, self.args.tries)

    def report4(self, prefix, fields, opts, ms):
        out(prefix + ".yiaddr", fields["yiaddr"])
        out(prefix + ".rtt-ms", "%.2f" % ms)
        if OPT4_SERVER_ID in opts:
            out(prefix + ".server-id", socket.inet_ntoa(opts[OPT4_SERVER_ID]))
        for key, code in (("lease-time", OPT4_LEASE_TIME), ("t1", OPT4_RENEWAL_TIME), ("t2", OPT4_REBINDING_TIME)):
            if u32(opts, code) is not None:
                out(prefix + "." + key, u32(opts, code))
        out(prefix + ".options", " ".join(str(c) for c in opts))
        pp = opts.get(OPT4_V4_PORTPARAMS)
        if pp is None:
            out(prefix + ".opt159", "absent")
            return
        out(prefix + ".opt159", hexbytes(opt4(OPT4_V4_PORTPARAMS, pp)))
        if len(pp) != 4:
            raise ProbeError("option 159: length %d, expected 4" % len(pp))
        offset, psid_len, field = struct.unpack("!BBH", pp)
        psid = field >> (16 - psid_len) if 0 < psid_len <= 16 else 0  # left-aligned, RFC 7618 §4
        out(prefix + ".portparams", "offset=%d psid-len=%d psid=%d" % (offset, psid_len, psid))

    def run(self):
        servers = self.information_request()
        if self.args.info_only:
            return
        if servers is None:
            raise ProbeError("no option 88: RFC 7341 §5 forbids DHCPv4-over-DHCPv6")
        server = self.args.server or (servers[0] if servers else ALL_RELAYS_AND_SERVERS)
        out("dhcp4o6.server", server)

        xid = struct.unpack("!I", os.urandom(4))[0]
        base = [(OPT4_CLIENT_ID, self.client_id4), (OPT4_PRL, self.prl)]
        discover = build_dhcp4(xid, self.mac, [(OPT4_MSG_TYPE, bytes([DHCPDISCOVER]))] + base)
        fields, opts, ms = self.expect(self.query4(server, discover, unicast=False), DHCPOFFER, "OFFER")
        self.report4("offer", fields, opts, ms)
        if OPT4_SERVER_ID not in opts:
            raise ProbeError("OFFER without server identifier")

        request_opts = [(OPT4_MSG_TYPE, bytes([DHCPREQUEST]))] + base
        request_opts.append((OPT4_REQUESTED_IP, socket.inet_aton(fields["yiaddr"])))
        request_opts.append((OPT4_SERVER_ID, opts[OPT4_SERVER_ID]))
        if OPT4_V4_PORTPARAMS in opts:
            request_opts.append((OPT4_V4_PORTPARAMS, opts[OPT4_V4_PORTPARAMS]))  # RFC 7618 §5
        request = build_dhcp4(xid, self.mac, request_opts)
        fields, ack_opts, ms = self.expect(self.query4(server, request, unicast=False), DHCPACK, "ACK")
        self.report4("ack", fields, ack_opts, ms)

        if self.args.release:
            rel_opts = [(OPT4_MSG_TYPE, bytes([DHCPRELEASE])), (OPT4_SERVER_ID, ack_opts[OPT4_SERVER_ID])]
            rel_opts.append((OPT4_CLIENT_ID, self.client_id4))
            if OPT4_V4_PORTPARAMS in ack_opts:
                rel_opts.append((OPT4_V4_PORTPARAMS, ack_opts[OPT4_V4_PORTPARAMS]))  # RFC 7618 §5
            new_xid = struct.unpack("!I", os.urandom(4))[0]
            release = build_dhcp4(new_xid, self.mac, rel_opts, ciaddr=socket.inet_aton(fields["yiaddr"]))
            self.query4(server, release, unicast=True, expect_reply=False)
            out("release", "sent")

    @staticmethod
    def expect(result, msg_type, name):
        (fields, opts), _src, ms = result
        got = opts.get(OPT4_MSG_TYPE, b"")
        if got != bytes([msg_type]):
            kind = "NAK" if got == bytes([DHCPNAK]) else "type %s" % hexbytes(got)
            raise ProbeError("expected %s, got %s" % (name, kind))
        return fields, opts, ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", default="wan0", help="WAN interface (default wan0)")
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds per try (default 1)")
    parser.add_argument("--tries", type=int, default=3, help="tries per exchange (default 3)")
    parser.add_argument("--server", help="send DHCPV4-QUERY here instead of the option-88 address")
    parser.add_argument("--info-only", action="store_true", help="stop after the Information-request")
    parser.add_argument("--release", action="store_true", help="send a DHCPRELEASE after the ACK")
    args = parser.parse_args()
    probe = None
    try:
        probe = Probe(args)
        probe.run()
    except (ProbeError, OSError) as e:
        out("probe", "FAIL: %s" % e)
        return 1
    finally:
        if probe:
            probe.close()
    out("probe", "ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
