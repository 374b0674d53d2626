// Fuzzes the PCP client through the seam the daemon uses: the input is a
// sequence of records `delay(1) flags(1) length(2) bytes`, each delivered as
// a datagram after advancing time by `delay` seconds (firing due timers).
// flags bit 0 copies the client's nonce into the MAP payload (offset 24), so
// that answers get past the nonce match; bit 1 sends from another address;
// bit 2 calls renew() first. Any crash, sanitizer report or broken invariant
// traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "lwb4/client/pcp_client.hpp"
#include "lwb4/wire/reader.hpp"

namespace {

using namespace lwb4;
using namespace lwb4::client;

constexpr size_t kNonceOffset = 24;  // RFC 6887 §7.2 header, then the MAP nonce

class CountingRandom : public Random {
 public:
  uint32_t next_u32() override { return state_ = state_ * 1664525u + 1013904223u; }

 private:
  uint32_t state_ = 1;
};

const Ipv6Address kServer = Ipv6Address::parse("2001:db8:ffff::1").value();
const Ipv6Address kSource = Ipv6Address::parse("2001:db8:46::2").value();

void check(PcpClient& client, Outbox& out, TimePoint now) {
  for (const Action& a : out) {
    if (const auto* apply = std::get_if<Apply>(&a)) {
      const PortSet& ports = apply->state.ports;
      // A PCP grant is one contiguous block, never empty, never port 0.
      if (ports.count() == 0 || ports.ranges().size() != 1 || ports.contains(0)) __builtin_trap();
      if (apply->state.ipv4.is_zero() || apply->state.br != kServer) __builtin_trap();
      if (!client.mapping() || client.mapping()->ports != ports) __builtin_trap();
    } else if (const auto* t = std::get_if<Transmit>(&a)) {
      if (t->destination != kServer || t->port != kPcpServerPort || t->source != kSource) {
        __builtin_trap();
      }
    }
  }
  out.clear();
  if (client.next_deadline() < now) __builtin_trap();  // a deadline in the past is a busy loop
  if (client.state() != PcpClient::State::kIdle && client.next_deadline() == kNever) {
    __builtin_trap();  // a running client always has something scheduled
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CountingRandom random;
  PcpClientConfig config;
  config.server = kServer;
  PcpClient client(config);
  Outbox out;
  TimePoint now = at_ms(0);
  client.set_source(kSource, now, random, out);
  client.start(now, random, out);
  check(client, out, now);
  const Ipv6Address other = Ipv6Address::parse("2001:db8:ffff::2").value();

  wire::Reader r(std::span<const uint8_t>(data, size));
  std::vector<uint8_t> packet;
  while (r.ok() && !r.empty()) {
    uint8_t delay = r.u8();
    uint8_t flags = r.u8();
    uint16_t length = r.u16();
    wire::Bytes bytes = r.bytes(length);
    if (!r.ok()) break;
    TimePoint target = now + Seconds(delay);
    while (client.next_deadline() <= target) {
      now = std::max(now, client.next_deadline());
      client.on_timer(now, random, out);
      check(client, out, now);
    }
    now = target;
    packet.assign(bytes.begin(), bytes.end());
    if ((flags & 1) && packet.size() >= kNonceOffset + client.nonce().size()) {
      std::copy(client.nonce().begin(), client.nonce().end(), packet.begin() + kNonceOffset);
    }
    if (flags & 4) {
      client.renew(now, random, out);
      check(client, out, now);
    }
    client.on_datagram(packet, (flags & 2) ? other : kServer, now, random, out);
    check(client, out, now);
  }
  client.stop(now, out);
  check(client, out, now);
  return 0;
}
