// libFuzzer entry point for the DHCPv6 message codec: decode, and for every
// accepted input check that re-encoding yields bytes that decode to the same
// message (round-trip oracle). `ignored` notes are not part of the wire form.
#include <cstddef>
#include <cstdint>

#include "lwb4/dhcp6/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto first = lwb4::dhcp6::decode_message({data, size});
  if (!first) return 0;
  first->ignored.clear();
  auto bytes = lwb4::dhcp6::encode_message(*first);
  if (!bytes) __builtin_trap();
  auto second = lwb4::dhcp6::decode_message(*bytes);
  if (!second) __builtin_trap();
  if (!second->ignored.empty()) __builtin_trap();
  if (!(*second == *first)) __builtin_trap();
  return 0;
}
