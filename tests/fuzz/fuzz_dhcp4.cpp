// libFuzzer entry point for the DHCPv4 message and RFC 4361 client-id
// decoders. Oracle: anything accepted must re-encode to bytes that decode to
// the same value, and those bytes must be a fixed point of encode∘decode.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwb4/dhcp4/client_id.hpp"
#include "lwb4/dhcp4/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lwb4::dhcp4;
  const std::span<const uint8_t> input(data, size);

  auto first = decode_message(input);
  if (first) {
    const std::vector<uint8_t> bytes = encode_message(*first);
    auto second = decode_message(bytes);
    if (!second || !(*second == *first)) __builtin_trap();
    if (encode_message(*second) != bytes) __builtin_trap();
  }

  auto id = decode_client_id(input);
  if (id) {
    auto again = decode_client_id(encode_client_id(*id));
    if (!again || !(*again == *id)) __builtin_trap();
  }
  return 0;
}
