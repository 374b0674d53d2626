#include "netlink/netlink_state_sink.hpp"

#include <algorithm>

namespace lwb4::platform {

Result<std::unique_ptr<NetlinkStateSink>> NetlinkStateSink::open(KernelConfig config, Logger& log) {
  auto kernel = NetlinkKernel::open();
  if (!kernel) return kernel.error();
  return std::unique_ptr<NetlinkStateSink>(
      new NetlinkStateSink(std::move(config), log, std::move(*kernel)));
}

void NetlinkStateSink::log_dad_done() {
  if (!pending_dad_) return;
  log_.logf(LogLevel::kInfo, "kernel: DAD of %s done after %lld ms",
            pending_dad_->address.to_string().c_str(),
            static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       Clock::now() - pending_dad_->since)
                                       .count()));
  pending_dad_.reset();
}

Status NetlinkStateSink::run(const std::vector<KernelOp>& ops) {
  last_.clear();
  // What this run created, undone when a later step fails: the device
  // (with whatever was put on it) and the source added to the uplink.
  std::vector<KernelOp> undo;
  // A source added by a run that then stopped for its DAD belongs to the
  // run that carries on.
  if (unfinished_source_) undo.push_back(*unfinished_source_);
  auto fail = [&](Status st) {
    unfinished_source_.reset();
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      log_.logf(LogLevel::kInfo, "kernel: undo: %s", describe(*it).c_str());
      if (auto u = kernel_->execute(*it); !u) {
        log_.logf(LogLevel::kWarning, "kernel: undo failed: %s", u.error().reason().c_str());
      } else if (const auto* d = std::get_if<DeleteSource>(&*it)) {
        std::erase(owned_sources_, d->address);
      }
    }
    return st;
  };
  for (const KernelOp& op : ops) {
    last_.push_back(op);
    if (const auto* w = std::get_if<WaitDad>(&op)) {
      auto done = kernel_->dad_done(*w);
      if (!done) {
        pending_dad_.reset();
        return fail(done.error());
      }
      if (*done) {
        log_dad_done();
        continue;
      }
      // RFC 4862 §5.4: not usable while tentative. The rest follows when
      // the address changes (KernelWatch); the source stays.
      if (!pending_dad_ || pending_dad_->address != w->address) {
        pending_dad_ = PendingDad{w->address, Clock::now()};
        log_.logf(LogLevel::kInfo, "kernel: %s (tentative; the softwire follows)",
                  describe(op).c_str());
      }
      for (const KernelOp& u : undo) {
        if (const auto* d = std::get_if<DeleteSource>(&u)) unfinished_source_ = *d;
      }
      return {};
    }
    log_.logf(LogLevel::kInfo, "kernel: %s", describe(op).c_str());
    if (auto st = kernel_->execute(op); !st) return fail(st);
    if (const auto* c = std::get_if<CreateTunnel>(&op)) undo.push_back(DeleteTunnel{c->name});
    if (const auto* a = std::get_if<AddSource>(&op)) {
      undo.push_back(DeleteSource{a->dev, a->address});
    }
    if (const auto* d = std::get_if<DeleteSource>(&op)) std::erase(owned_sources_, d->address);
  }
  unfinished_source_.reset();
  return {};
}

Status NetlinkStateSink::converge(const client::DesiredState& state, bool quiet) {
  auto kernel = kernel_->snapshot(config_);
  if (!kernel) return kernel.error();
  // Sources someone else removed are no longer lwb4's to remove.
  std::erase_if(owned_sources_, [&](const Ipv6Address& a) {
    return std::none_of(kernel->uplink_addresses.begin(), kernel->uplink_addresses.end(),
                        [&](const ObservedAddress6& o) { return o.address == a; });
  });
  auto ops = plan_apply(state, config_, *kernel, owned_sources_);
  if (!ops) return ops.error();
  if (pending_dad_ && std::none_of(ops->begin(), ops->end(), [](const KernelOp& op) {
        return std::holds_alternative<WaitDad>(op);
      })) {
    log_dad_done();
  }
  if (ops->empty()) {
    last_.clear();
    unfinished_source_.reset();
    if (!quiet) log_.logf(LogLevel::kDebug, "kernel: %s is up to date", config_.softwire.c_str());
    return {};
  }
  // Recorded before running: a source added (or found as a /128 after a
  // restart) stays lwb4's to remove even if a later step fails.
  if (state.source_is_constructed && std::find(owned_sources_.begin(), owned_sources_.end(),
                                               state.softwire_source) == owned_sources_.end()) {
    owned_sources_.push_back(state.softwire_source);
  }
  return run(*ops);
}

Status NetlinkStateSink::apply(const client::DesiredState& state) {
  log_.logf(LogLevel::kNotice, "apply: %s", describe_state(state).c_str());
  desired_ = state;
  withdraw_pending_ = false;  // converging to the new state replaces it
  if (pending_dad_ && pending_dad_->address != state.softwire_source) pending_dad_.reset();
  if (unfinished_source_ && unfinished_source_->address != state.softwire_source) {
    unfinished_source_.reset();
  }
  return converge(state, false);
}

Result<size_t> NetlinkStateSink::reconcile() {
  if (!desired_) {
    // A withdraw that failed is tried again on the next change.
    if (!withdraw_pending_) return size_t{0};
    auto kernel = kernel_->snapshot(config_);
    if (!kernel) return kernel.error();
    std::vector<KernelOp> ops = plan_withdraw(config_, *kernel, owned_sources_);
    if (auto st = run(ops); !st) return st.error();
    withdraw_pending_ = false;
    return ops.size();
  }
  if (pending_dad_ && !pending_dad_->timeout_reported &&
      Clock::now() - pending_dad_->since >= kDadTimeout) {
    pending_dad_->timeout_reported = true;
    log_.logf(LogLevel::kError,
              "kernel: softwire source %s on %s still tentative after %lld ms (uplink without "
              "carrier?); the softwire waits for it",
              pending_dad_->address.to_string().c_str(), config_.uplink.c_str(),
              static_cast<long long>(kDadTimeout.count()));
  }
  if (auto st = converge(*desired_, true); !st) return st.error();
  // Waiting for DAD changes nothing.
  return static_cast<size_t>(std::count_if(last_.begin(), last_.end(), [](const KernelOp& op) {
    return !std::holds_alternative<WaitDad>(op);
  }));
}

Status NetlinkStateSink::withdraw(std::string_view reason) {
  log_.logf(LogLevel::kNotice, "withdraw: %.*s", static_cast<int>(reason.size()), reason.data());
  desired_.reset();
  pending_dad_.reset();
  unfinished_source_.reset();
  withdraw_pending_ = true;
  auto kernel = kernel_->snapshot(config_);
  if (!kernel) return kernel.error();
  if (auto st = run(plan_withdraw(config_, *kernel, owned_sources_)); !st) return st;
  withdraw_pending_ = false;
  return {};
}

}  // namespace lwb4::platform
