#!/usr/bin/env python3
"""Sends hostile DHCPv4-over-DHCPv6 responses to a CPE's port 546 (test tool).

Usage: inject.py DEST KIND...   KIND: truncated oversized no87 wrongxid
       badpsid psidoverflow garbage. Each KIND is one UDP datagram from port
547; the CPE must count and ignore every one of them.
"""
import socket
import struct
import sys


def dhcpv4(msg_type, xid, options=b""):
    """A BOOTREPLY with the given DHCPv4 message type and extra options."""
    header = struct.pack("!BBBBIHH", 2, 1, 6, 0, xid, 0, 0)
    header += bytes(4) + bytes([192, 0, 2, 100]) + bytes(8)  # ciaddr yiaddr siaddr giaddr
    header += bytes(16 + 64 + 128)  # chaddr sname file
    opts = bytes([53, 1, msg_type, 54, 4, 192, 0, 2, 1, 51, 4, 0, 0, 0, 120]) + options
    return header + bytes([99, 130, 83, 99]) + opts + bytes([255])


def response(inner):
    """DHCPV4-RESPONSE (21), flags 0, with option 87 around `inner`."""
    return bytes([21, 0, 0, 0]) + struct.pack("!HH", 87, len(inner)) + inner


KINDS = {
    # The header ends before the first option.
    "truncated": lambda: bytes([21, 0, 0]),
    # Bigger than any DHCP message: one 60000-byte option 87.
    "oversized": lambda: response(bytes(60000)),
    # RFC 7341: a DHCPV4-RESPONSE without option 87 is discarded.
    "no87": lambda: bytes([21, 0, 0, 0]) + struct.pack("!HH", 23, 16) + bytes(16),
    # A well-formed ACK for a transaction the CPE never started.
    "wrongxid": lambda: response(dhcpv4(5, 0xDEADBEEF, bytes([159, 4, 6, 6, 0xD0, 0]))),
    # Option 159 with bits set past the PSID length (RFC 7618 §4).
    "badpsid": lambda: response(dhcpv4(5, 0x01020304, bytes([159, 4, 6, 8, 0x34, 0x01]))),
    # Option 159 with offset 10 + PSID-len 8 > 16.
    "psidoverflow": lambda: response(dhcpv4(5, 0x01020304, bytes([159, 4, 10, 8, 0x34, 0]))),
    # Not DHCP at all.
    "garbage": lambda: bytes(range(256)) * 3,
}


def main():
    if len(sys.argv) < 3 or any(k not in KINDS for k in sys.argv[2:]):
        sys.exit(__doc__)
    dest = sys.argv[1]
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", 0))
        for kind in sys.argv[2:]:
            s.sendto(KINDS[kind](), (dest, 546))
            print(f"sent {kind}")


if __name__ == "__main__":
    main()
