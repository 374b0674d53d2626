#!/usr/bin/env python3
"""Lab echo server (test tool, not product code).

Answers every UDP datagram, and every TCP connection, with a first line
"peer <address> <port>" naming the source it saw, followed by the data it
received. Tests use the line to check which source address and port a NAT
or softwire produced.

    echo.py --udp|--tcp ADDRESS PORT
"""

import argparse
import socket
import socketserver
import sys


def peer_line(addr):
    return ("peer %s %d\n" % (addr[0], addr[1])).encode()


class TcpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(peer_line(self.client_address))
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve_udp(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, port))
    while True:
        data, addr = sock.recvfrom(65536)
        sock.sendto(peer_line(addr) + data, addr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    proto = parser.add_mutually_exclusive_group(required=True)
    proto.add_argument("--udp", action="store_true")
    proto.add_argument("--tcp", action="store_true")
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    if args.udp:
        serve_udp(args.address, args.port)
    else:
        if ":" in args.address:
            TcpServer.address_family = socket.AF_INET6
        with TcpServer((args.address, args.port), TcpEcho) as server:
            server.serve_forever()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
