// rtnetlink (libnl-route-3) for the reconciler: reads a KernelSnapshot and
// performs one KernelOp at a time. Errors name the object, the operation
// and the kernel's reason.
#pragma once

#include <memory>

#include "lwb4/util/result.hpp"
#include "netlink/kernel_plan.hpp"

struct nl_sock;

namespace lwb4::platform {

class NetlinkKernel {
 public:
  static Result<std::unique_ptr<NetlinkKernel>> open();
  ~NetlinkKernel();
  NetlinkKernel(const NetlinkKernel&) = delete;
  NetlinkKernel& operator=(const NetlinkKernel&) = delete;

  Result<KernelSnapshot> snapshot(const KernelConfig& config);
  // Everything but WaitDad, which never blocks: see dad_done().
  Status execute(const KernelOp& op);
  // One look at the address: true when DAD is over, false while it is
  // tentative; an Error when it failed DAD or is gone.
  Result<bool> dad_done(const WaitDad& op);
  // The netlink port id of the socket the changes are sent from: the
  // kernel's notifications of those changes carry it (their echoes).
  uint32_t port() const;

 private:
  NetlinkKernel() = default;

  nl_sock* sock_ = nullptr;
};

}  // namespace lwb4::platform
