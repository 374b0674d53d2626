// Fuzzes the engine through the seam the daemon uses: the input is a
// sequence of records `delay(1) length(2) bytes`, each delivered as a
// datagram after advancing time (and firing due timers). Any crash,
// sanitizer report or broken invariant traps.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "lwb4/client/engine.hpp"
#include "lwb4/wire/reader.hpp"

namespace {

using namespace lwb4;
using namespace lwb4::client;

class CountingRandom : public Random {
 public:
  uint32_t next_u32() override { return state_ = state_ * 1664525u + 1013904223u; }

 private:
  uint32_t state_ = 1;
};

void check(Engine& engine, TimePoint now) {
  for (const Action& a : engine.take_actions()) {
    if (const auto* apply = std::get_if<Apply>(&a)) {
      // RFC 7618 §5: never a 169.254/16 address.
      if (apply->state.ipv4.bytes[0] == 169 && apply->state.ipv4.bytes[1] == 254) {
        __builtin_trap();
      }
      if (apply->state.ports.count() == 0) __builtin_trap();
    }
  }
  if (engine.next_deadline() < now) __builtin_trap();  // a deadline in the past is a busy loop
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CountingRandom random;
  EngineConfig config;
  // An End-user prefix, so that fuzzed S46_CONT_MAPE reach the MAP-E path.
  config.s46.end_user_prefix = Ipv6Prefix::parse("2001:db8:12:3400::/56").value();
  Engine engine(config, random);
  TimePoint now = at_ms(0);
  UplinkState uplink;
  uplink.up = true;
  uplink.link_local = Ipv6Address::parse("fe80::2").value();
  uplink.global = {{Ipv6Address::parse("2001:db8:46::2").value(), 64}};
  engine.on_uplink(uplink, now);
  engine.start(now, std::nullopt);
  const Ipv6Address server = Ipv6Address::parse("2001:db8:46::1").value();

  wire::Reader r(std::span<const uint8_t>(data, size));
  while (r.ok() && !r.empty()) {
    uint8_t delay = r.u8();
    uint16_t length = r.u16();
    wire::Bytes packet = r.bytes(length);
    if (!r.ok()) break;
    // Advance time by 0..255 s, firing every deadline on the way.
    TimePoint target = now + Seconds(delay);
    while (engine.next_deadline() <= target) {
      now = std::max(now, engine.next_deadline());
      engine.on_timer(now);
      check(engine, now);
    }
    now = target;
    engine.on_datagram(packet, server, now);
    check(engine, now);
  }
  (void)engine.status();
  engine.release(now);
  check(engine, now);
  return 0;
}
