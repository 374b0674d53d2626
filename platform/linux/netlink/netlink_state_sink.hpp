// The StateSink that configures the kernel: each apply or withdraw reads
// what the kernel has, plans the difference and performs it, stopping at
// the first failure: the error names the object, the operation and the
// kernel's reason, and what that run created is removed again (a changed
// device stays changed; the next apply converges from there).
#pragma once

#include <memory>
#include <vector>

#include "daemon/logger.hpp"
#include "daemon/state_sink.hpp"
#include "netlink/kernel_config.hpp"
#include "netlink/kernel_plan.hpp"
#include "netlink/netlink_kernel.hpp"

namespace lwb4::platform {

class NetlinkStateSink final : public StateSink {
 public:
  static Result<std::unique_ptr<NetlinkStateSink>> open(KernelConfig config, Logger& log);

  Status apply(const client::DesiredState& state) override;
  Status withdraw(std::string_view reason) override;

  // The operations the last apply or withdraw performed (the failed one,
  // if any, last).
  const std::vector<KernelOp>& last_operations() const { return last_; }
  // The uplink /128s lwb4 added (or adopted) and withdraw removes.
  const std::vector<Ipv6Address>& owned_sources() const { return owned_sources_; }
  void set_owned_sources(std::vector<Ipv6Address> sources) { owned_sources_ = std::move(sources); }

 private:
  NetlinkStateSink(KernelConfig config, Logger& log, std::unique_ptr<NetlinkKernel> kernel)
      : config_(std::move(config)), log_(log), kernel_(std::move(kernel)) {}
  Status run(const std::vector<KernelOp>& ops);

  KernelConfig config_;
  Logger& log_;
  std::unique_ptr<NetlinkKernel> kernel_;
  std::vector<Ipv6Address> owned_sources_;
  std::vector<KernelOp> last_;
};

}  // namespace lwb4::platform
