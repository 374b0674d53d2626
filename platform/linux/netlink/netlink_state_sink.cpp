#include "netlink/netlink_state_sink.hpp"

#include <algorithm>

namespace lwb4::platform {

Result<std::unique_ptr<NetlinkStateSink>> NetlinkStateSink::open(KernelConfig config, Logger& log) {
  auto kernel = NetlinkKernel::open();
  if (!kernel) return kernel.error();
  return std::unique_ptr<NetlinkStateSink>(
      new NetlinkStateSink(std::move(config), log, std::move(*kernel)));
}

Status NetlinkStateSink::run(const std::vector<KernelOp>& ops) {
  last_.clear();
  // What this run created, undone when a later step fails: the device
  // (with whatever was put on it) and the source added to the uplink.
  std::vector<KernelOp> undo;
  for (const KernelOp& op : ops) {
    last_.push_back(op);
    log_.logf(LogLevel::kInfo, "kernel: %s", describe(op).c_str());
    if (auto st = kernel_->execute(op); !st) {
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        log_.logf(LogLevel::kInfo, "kernel: undo: %s", describe(*it).c_str());
        if (auto u = kernel_->execute(*it); !u) {
          log_.logf(LogLevel::kWarning, "kernel: undo failed: %s", u.error().reason().c_str());
        } else if (const auto* d = std::get_if<DeleteSource>(&*it)) {
          std::erase(owned_sources_, d->address);
        }
      }
      return st;
    }
    if (const auto* c = std::get_if<CreateTunnel>(&op)) undo.push_back(DeleteTunnel{c->name});
    if (const auto* a = std::get_if<AddSource>(&op)) {
      undo.push_back(DeleteSource{a->dev, a->address});
    }
    if (const auto* d = std::get_if<DeleteSource>(&op)) std::erase(owned_sources_, d->address);
  }
  return {};
}

Status NetlinkStateSink::apply(const client::DesiredState& state) {
  log_.logf(LogLevel::kNotice, "apply: %s", describe_state(state).c_str());
  auto kernel = kernel_->snapshot(config_);
  if (!kernel) return kernel.error();
  // Sources someone else removed are no longer lwb4's to remove.
  std::erase_if(owned_sources_, [&](const Ipv6Address& a) {
    return std::none_of(kernel->uplink_addresses.begin(), kernel->uplink_addresses.end(),
                        [&](const ObservedAddress6& o) { return o.address == a; });
  });
  auto ops = plan_apply(state, config_, *kernel, owned_sources_);
  if (!ops) return ops.error();
  if (ops->empty()) {
    log_.logf(LogLevel::kDebug, "kernel: %s is up to date", config_.softwire.c_str());
  }
  // Recorded before running: a source added (or found as a /128 after a
  // restart) stays lwb4's to remove even if a later step fails.
  if (state.source_is_constructed && std::find(owned_sources_.begin(), owned_sources_.end(),
                                               state.softwire_source) == owned_sources_.end()) {
    owned_sources_.push_back(state.softwire_source);
  }
  return run(*ops);
}

Status NetlinkStateSink::withdraw(std::string_view reason) {
  log_.logf(LogLevel::kNotice, "withdraw: %.*s", static_cast<int>(reason.size()), reason.data());
  auto kernel = kernel_->snapshot(config_);
  if (!kernel) return kernel.error();
  return run(plan_withdraw(config_, *kernel, owned_sources_));
}

}  // namespace lwb4::platform
