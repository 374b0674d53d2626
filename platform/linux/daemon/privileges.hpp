// --user NAME: once lwb4d has opened what needs root, it runs as NAME with
// only the capabilities its loop needs (no libcap: prctl + capset).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "lwb4/util/result.hpp"

namespace lwb4::platform {

struct UserIds {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The passwd entry of `name`; an Error naming --user when there is none.
Result<UserIds> lookup_user(const std::string& name);

// The capability bits lwb4d keeps: CAP_NET_ADMIN (rtnetlink: softwire,
// addresses, routes; nftables), CAP_NET_BIND_SERVICE (the guard sockets on
// port 546, bound per address while running) and CAP_NET_RAW (the DHCPv6
// raw socket, re-bound to the uplink when the uplink is re-created; see
// dhcp_socket.hpp).
uint64_t kept_capabilities();

// Switches to `ids` (supplementary groups cleared, then gid, then uid)
// keeping kept_capabilities() permitted and effective, nothing
// inheritable or ambient, and checks the result.
Status drop_privileges(const UserIds& ids);

// The effective capability set of this process (capget), for checks.
Result<uint64_t> effective_capabilities();

}  // namespace lwb4::platform
