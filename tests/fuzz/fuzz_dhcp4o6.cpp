// libFuzzer entry point for the DHCP 4o6 wrap/unwrap (RFC 7341): the same
// input is tried as a DHCPV4-QUERY and as a DHCPV4-RESPONSE; each accepted
// value must survive encode + decode unchanged (round-trip oracle).
#include <cstddef>
#include <cstdint>

#include "lwb4/dhcp6/dhcp4o6.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lwb4::dhcp6;
  lwb4::wire::Bytes input(data, size);

  if (auto query = decode_dhcpv4_query(input)) {
    auto bytes = encode_dhcpv4_query(*query);
    if (!bytes) __builtin_trap();
    auto again = decode_dhcpv4_query(*bytes);
    if (!again || !(*again == *query)) __builtin_trap();
  }

  if (auto response = decode_dhcpv4_response(input)) {
    response->ignored.clear();
    auto bytes = encode_dhcpv4_response(*response);
    if (!bytes) __builtin_trap();
    auto again = decode_dhcpv4_response(*bytes);
    if (!again || !again->ignored.empty() || !(*again == *response)) __builtin_trap();
  }
  return 0;
}
