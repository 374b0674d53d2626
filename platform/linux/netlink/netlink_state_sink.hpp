// The StateSink that configures the kernel: each apply or withdraw reads
// what the kernel has, plans the difference and performs it, stopping at
// the first failure: the error names the object, the operation and the
// kernel's reason, and what that run created is removed again (a changed
// device stays changed; the next apply converges from there).
//
// It remembers the last state applied, so that reconcile() can restore it
// after someone else changed lwb4's objects (KernelWatch calls it), and it
// never blocks on DAD: a constructed source still tentative stops the run
// after the source, and reconcile() carries on once DAD is over.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/logger.hpp"
#include "daemon/state_sink.hpp"
#include "netlink/kernel_config.hpp"
#include "netlink/kernel_plan.hpp"
#include "netlink/netlink_kernel.hpp"

namespace lwb4::platform {

class NetlinkStateSink final : public StateSink {
 public:
  using Clock = std::chrono::steady_clock;
  // DAD takes RetransTimer per probe after a random delay of up to
  // MAX_RTR_SOLICITATION_DELAY (RFC 4862 §5.4.2, RFC 4861 §10): about 1-2 s
  // with the default single probe. Past this, an error is logged (once) and
  // the wait goes on: an uplink without carrier completes DAD later.
  static constexpr std::chrono::milliseconds kDadTimeout{5000};

  struct PendingDad {
    Ipv6Address address;
    Clock::time_point since;
    bool timeout_reported = false;
  };

  static Result<std::unique_ptr<NetlinkStateSink>> open(KernelConfig config, Logger& log);

  Status apply(const client::DesiredState& state) override;
  Status withdraw(std::string_view reason) override;
  // Makes the kernel match the last applied state again; the number of
  // operations that took (0: it already did, or nothing is applied).
  Result<size_t> reconcile();

  const KernelConfig& config() const { return config_; }
  const std::optional<client::DesiredState>& desired() const { return desired_; }
  const std::optional<PendingDad>& pending_dad() const { return pending_dad_; }
  // The netlink port the changes come from (their notifications carry it).
  uint32_t port() const { return kernel_->port(); }

  // The operations the last apply, reconcile or withdraw performed (the
  // failed one, if any, last; a WaitDad last while DAD is pending).
  const std::vector<KernelOp>& last_operations() const { return last_; }
  // The uplink /128s lwb4 added (or adopted) and withdraw removes.
  const std::vector<Ipv6Address>& owned_sources() const { return owned_sources_; }
  void set_owned_sources(std::vector<Ipv6Address> sources) { owned_sources_ = std::move(sources); }

 private:
  NetlinkStateSink(KernelConfig config, Logger& log, std::unique_ptr<NetlinkKernel> kernel)
      : config_(std::move(config)), log_(log), kernel_(std::move(kernel)) {}
  Status converge(const client::DesiredState& state, bool quiet);
  Status run(const std::vector<KernelOp>& ops);
  void log_dad_done();

  KernelConfig config_;
  Logger& log_;
  std::unique_ptr<NetlinkKernel> kernel_;
  std::optional<client::DesiredState> desired_;
  bool withdraw_pending_ = false;  // the last withdraw failed: reconcile() retries it
  std::optional<PendingDad> pending_dad_;
  // The source an apply added before it stopped for DAD: removed again if
  // the rest of that apply fails.
  std::optional<DeleteSource> unfinished_source_;
  std::vector<Ipv6Address> owned_sources_;
  std::vector<KernelOp> last_;
};

}  // namespace lwb4::platform
