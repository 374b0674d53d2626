// UDP packets per second through the cpe of tests/nat/bench.sh, for the cost
// of a ruleset per packet (not a test; built by bench.sh):
//   udp_flood send ADDR PORT SECONDS   datagrams of 32 bytes to ADDR:PORT as
//                                      fast as sendmmsg goes; prints pps=N
//                                      seconds=S (sent; the receiver's
//                                      counters tell what arrived)
//   udp_flood sink ADDR PORT SECONDS   a bound socket that never reads (its
//                                      full buffer drops what arrives, so no
//                                      ICMP port unreachable goes back)
//   udp_flood hold ADDR PORT SECONDS   one datagram to ADDR:PORT (a NAT
//                                      mapping), then a socket that never reads
//   udp_flood reply ADDR PORT SECONDS  bound to ADDR:PORT: waits for one
//                                      datagram, then floods its source
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

void sleep_for(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

int fail(const char* what) {
  std::perror(what);
  return 1;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int flood(int fd, double seconds) {
  constexpr int kBatch = 64;
  char payload[32] = {};
  iovec iov{payload, sizeof payload};
  mmsghdr msgs[kBatch] = {};
  for (mmsghdr& m : msgs) {
    m.msg_hdr.msg_iov = &iov;
    m.msg_hdr.msg_iovlen = 1;
  }
  long sent = 0;
  const Clock::time_point t0 = Clock::now();
  double took = 0;
  while ((took = seconds_since(t0)) < seconds) {
    int n = sendmmsg(fd, msgs, kBatch, 0);
    if (n > 0) sent += n;
  }
  std::printf("pps=%.0f seconds=%.6f\n", static_cast<double>(sent) / took, took);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s send|sink|hold|reply ADDR PORT SECONDS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[3])));
  if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) {
    std::fprintf(stderr, "%s: not an IPv4 address\n", argv[2]);
    return 2;
  }
  const double seconds = std::atof(argv[4]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fail("socket");
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (mode == "sink" || mode == "reply") {
    if (bind(fd, sa, sizeof addr) < 0) return fail("bind");
    if (mode == "sink") {
      sleep_for(seconds);
      return 0;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) {
      std::fprintf(stderr, "reply: nothing arrived in 5 s\n");
      return 1;
    }
    char buf[64];
    socklen_t len = sizeof addr;
    if (recvfrom(fd, buf, sizeof buf, 0, sa, &len) < 0) return fail("recvfrom");
  }
  if (connect(fd, sa, sizeof addr) < 0) return fail("connect");
  if (mode == "hold") {
    if (send(fd, "x", 1, 0) < 0) return fail("send");
    sleep_for(seconds);
    return 0;
  }
  if (mode != "send" && mode != "reply") {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  return flood(fd, seconds);
}
