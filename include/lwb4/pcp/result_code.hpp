// PCP result codes (RFC 6887 §7.4).
#pragma once

#include <cstdint>

namespace lwb4::pcp {

// A response may carry a code this list does not name; the codec keeps the
// raw value, and to_string() calls it "UNKNOWN".
enum class ResultCode : uint8_t {
  kSuccess = 0,
  kUnsuppVersion = 1,
  kNotAuthorized = 2,
  kMalformedRequest = 3,
  kUnsuppOpcode = 4,
  kUnsuppOption = 5,
  kMalformedOption = 6,
  kNetworkFailure = 7,
  kNoResources = 8,
  kUnsuppProtocol = 9,
  kUserExQuota = 10,
  kCannotProvideExternal = 11,
  kAddressMismatch = 12,
  kExcessiveRemotePeers = 13,
};

// The RFC name, e.g. "NO_RESOURCES".
const char* to_string(ResultCode code);

}  // namespace lwb4::pcp
