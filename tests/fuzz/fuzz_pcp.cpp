// libFuzzer entry point for the PCP codec (RFC 6887 / RFC 7753): every input
// is tried as a request and as a response. A decoded message must re-encode
// to the same length and decode again to an equal value.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwb4/pcp/message.hpp"

namespace {

template <class Message, class Decode>
void round_trip(std::span<const uint8_t> input, Decode decode) {
  lwb4::Result<Message> first = decode(input);
  if (!first) return;
  const std::vector<uint8_t> bytes = lwb4::pcp::encode(*first);
  // Reserved bits and option order may change, the length never does.
  if (bytes.size() != input.size()) __builtin_trap();
  lwb4::Result<Message> second = decode(bytes);
  if (!second || !(*second == *first)) __builtin_trap();
  if (lwb4::pcp::encode(*second) != bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  round_trip<lwb4::pcp::Request>(
      input, [](std::span<const uint8_t> b) { return lwb4::pcp::decode_request(b); });
  round_trip<lwb4::pcp::Response>(
      input, [](std::span<const uint8_t> b) { return lwb4::pcp::decode_response(b); });
  return 0;
}
