#include "lwb4/pcp/result_code.hpp"

namespace lwb4::pcp {

const char* to_string(ResultCode code) {
  switch (code) {
    case ResultCode::kSuccess:
      return "SUCCESS";
    case ResultCode::kUnsuppVersion:
      return "UNSUPP_VERSION";
    case ResultCode::kNotAuthorized:
      return "NOT_AUTHORIZED";
    case ResultCode::kMalformedRequest:
      return "MALFORMED_REQUEST";
    case ResultCode::kUnsuppOpcode:
      return "UNSUPP_OPCODE";
    case ResultCode::kUnsuppOption:
      return "UNSUPP_OPTION";
    case ResultCode::kMalformedOption:
      return "MALFORMED_OPTION";
    case ResultCode::kNetworkFailure:
      return "NETWORK_FAILURE";
    case ResultCode::kNoResources:
      return "NO_RESOURCES";
    case ResultCode::kUnsuppProtocol:
      return "UNSUPP_PROTOCOL";
    case ResultCode::kUserExQuota:
      return "USER_EX_QUOTA";
    case ResultCode::kCannotProvideExternal:
      return "CANNOT_PROVIDE_EXTERNAL";
    case ResultCode::kAddressMismatch:
      return "ADDRESS_MISMATCH";
    case ResultCode::kExcessiveRemotePeers:
      return "EXCESSIVE_REMOTE_PEERS";
  }
  return "UNKNOWN";
}

}  // namespace lwb4::pcp
