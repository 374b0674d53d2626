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
  // WaitDad blocks, polling the address, for at most a few seconds.
  Status execute(const KernelOp& op);

 private:
  NetlinkKernel() = default;
  Status wait_dad(const WaitDad& op);

  nl_sock* sock_ = nullptr;
};

}  // namespace lwb4::platform
