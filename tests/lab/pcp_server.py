#!/usr/bin/env python3
"""A scripted PCP server (RFC 6887 MAP + ANNOUNCE, RFC 7753 PORT_SET) for the lab.

It answers MAP requests for an lwB4 the way an lwAFTR would: one shared IPv4
address and a contiguous external port range per client, with options to
misbehave on purpose. Every request and answer is appended to --log as one
JSON object per line, for the test to read.

  pcp_server.py --bind 2001:db8:46::1 --iface eth-cpe --log FILE [options]
    --address A        the external IPv4 address granted (192.0.2.3)
    --lifetime N       the most lifetime granted, in seconds (default 7200)
    --grant N          grant at most N ports (default: as many as asked)
    --first P          first external port of a grant (default: the next
                       block aligned on the grant's size, from 4096)
    --no-port-set      behave as a server without RFC 7753: ignore PORT_SET,
                       grant one port, answer without the option
    --error CODE[:LIFETIME]   answer every MAP with this result code
    --epoch N          the epoch to start from (default 0)
Signals: SIGUSR1 = restart (forget every mapping, epoch back to 0) and send
an unsolicited ANNOUNCE to [ff02::1%IFACE]:5350 (RFC 6887 §14.1.3);
SIGUSR2 = the same restart without the ANNOUNCE.
"""

import argparse
import ipaddress
import json
import select
import signal
import socket
import struct
import sys
import time

SERVER_PORT = 5351  # RFC 6887 §19.1
CLIENT_PORT = 5350  # RFC 6887 §19.1
VERSION = 2
OP_ANNOUNCE, OP_MAP = 0, 1
OPT_PORT_SET = 130  # RFC 7753 §4
MALFORMED_REQUEST, UNSUPP_OPCODE, UNSUPP_VERSION = 3, 4, 1


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--address", default="192.0.2.3")
    p.add_argument("--lifetime", type=int, default=7200)
    p.add_argument("--grant", type=int, default=0)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--no-port-set", action="store_true")
    p.add_argument("--error", default="")
    p.add_argument("--epoch", type=int, default=0)
    return p.parse_args()


class Server:
    def __init__(self, args):
        self.args = args
        self.mappings = {}  # (client, protocol, internal port) -> (nonce, first, count)
        self.restart(args.epoch)
        self.log_file = open(args.log, "a", buffering=1)
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((args.bind, SERVER_PORT))
        self.ifindex = socket.if_nametoindex(args.iface)
        self.mapped_v4 = ipaddress.IPv6Address("::ffff:" + args.address).packed
        self.error = None
        if args.error:
            code, _, lifetime = args.error.partition(":")
            self.error = (int(code), int(lifetime or 0))

    def restart(self, epoch=0):
        self.started = time.monotonic() - epoch
        self.mappings = {}
        self.next_block = 4096

    def epoch(self):
        return int(time.monotonic() - self.started)

    def log(self, **record):
        record["t"] = round(time.monotonic(), 3)
        self.log_file.write(json.dumps(record) + "\n")

    def header(self, opcode, result, lifetime):
        return struct.pack("!BBBBII", VERSION, 0x80 | opcode, 0, result, lifetime, self.epoch()) + bytes(12)

    def announce(self):
        self.sock.sendto(self.header(OP_ANNOUNCE, 0, 0), ("ff02::1", CLIENT_PORT, 0, self.ifindex))
        self.log(event="announce-sent", epoch=self.epoch())

    def allocate(self, count):
        if self.args.first:
            return self.args.first
        size = 1
        while size < count:
            size <<= 1
        first = (self.next_block + size - 1) // size * size
        self.next_block = first + size
        return first

    def handle(self, data, peer):
        if len(data) < 24 or len(data) % 4 or data[1] & 0x80:
            self.log(event="dropped", length=len(data))
            return None
        version, opcode = data[0], data[1] & 0x7F
        lifetime = struct.unpack("!I", data[4:8])[0]
        client = ipaddress.IPv6Address(data[8:24])
        if version != VERSION:
            return self.header(opcode, UNSUPP_VERSION, 1800)
        if opcode == OP_ANNOUNCE:
            self.log(event="announce-request", client=str(client))
            return self.header(OP_ANNOUNCE, 0, 0)
        if opcode != OP_MAP or len(data) < 60:
            return self.header(opcode, UNSUPP_OPCODE if opcode != OP_MAP else MALFORMED_REQUEST, 1800)
        payload = data[24:60]
        nonce, protocol = payload[:12], payload[12]
        internal_port, suggested_port = struct.unpack("!HH", payload[16:20])
        suggested = ipaddress.IPv6Address(payload[20:36])
        port_set = None
        at = 60
        while at + 4 <= len(data):
            code, length = data[at], struct.unpack("!H", data[at + 2:at + 4])[0]
            body = data[at + 4:at + 4 + length]
            if code == OPT_PORT_SET and length == 5:
                size, first_internal = struct.unpack("!HH", body[:4])
                port_set = {"size": size, "first_internal": first_internal, "parity": body[4] & 1}
            at += 4 + (length + 3) // 4 * 4
        record = dict(event="map", client=str(client), peer=peer[0], lifetime=lifetime,
                      nonce=nonce.hex(), protocol=protocol, internal_port=internal_port,
                      suggested_port=suggested_port, suggested=str(suggested.ipv4_mapped or suggested),
                      port_set=port_set)
        key = (str(client), protocol, internal_port)
        result, granted_lifetime, first, count = 0, 0, 0, 0
        if self.error:
            result, granted_lifetime = self.error
        elif lifetime == 0:
            self.mappings.pop(key, None)  # RFC 6887 §15: delete
        else:
            granted_lifetime = min(lifetime, self.args.lifetime)
            asked = port_set["size"] if port_set and not self.args.no_port_set else 1
            held = self.mappings.get(key)
            if held and held[0] == nonce:
                first, count = held[1], held[2]
            else:
                count = min(asked, self.args.grant) if self.args.grant else asked
                first = self.allocate(count)
                self.mappings[key] = (nonce, first, count)
        record.update(result=result, granted_lifetime=granted_lifetime, first=first, count=count,
                      epoch=self.epoch())
        self.log(**record)
        response = self.header(OP_MAP, result, granted_lifetime)
        response += nonce + bytes([protocol]) + bytes(3) + struct.pack("!HH", internal_port, first)
        response += self.mapped_v4 if result == 0 else suggested.packed
        if port_set and not self.args.no_port_set and (result != 0 or count > 1):
            # RFC 7753 §4: a single-port grant comes back without the option.
            size = count if result == 0 else port_set["size"]
            response += struct.pack("!BBHHHB3x", OPT_PORT_SET, 0, 5, size, internal_port,
                                    port_set["parity"])
        return response

    def run(self):
        pending = []
        signal.signal(signal.SIGUSR1, lambda *_: pending.append("announce"))
        signal.signal(signal.SIGUSR2, lambda *_: pending.append("restart"))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.log(event="started", epoch=self.epoch())
        while True:
            while pending:
                what = pending.pop(0)
                self.restart()
                self.log(event="restarted", epoch=self.epoch())
                if what == "announce":
                    self.announce()
            try:
                ready, _, _ = select.select([self.sock], [], [], 0.2)
            except InterruptedError:
                continue
            if not ready:
                continue
            data, peer = self.sock.recvfrom(2048)
            response = self.handle(data, peer)
            if response:
                self.sock.sendto(response, peer)


if __name__ == "__main__":
    Server(parse_args()).run()
