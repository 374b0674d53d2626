#include "nft/nft_state_sink.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "nft/conntrack_flush.hpp"
#include "nft/netlink_attrs.hpp"
#include "nft/nft_batch.hpp"

namespace lwb4::platform {
namespace {

// Restores closer together than this wait for the timer, so that a process
// fighting over the table cannot make lwb4d spin.
constexpr int64_t kRestoreIntervalMs = 250;
// Restores in a row on lost notifications alone (no foreign change seen).
constexpr int kMaxLostRestores = 3;

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

std::vector<PortRange> to_ranges(const std::vector<uint16_t>& sorted) {
  std::vector<PortRange> out;
  for (uint16_t p : sorted) {
    if (!out.empty() && out.back().last + 1 == p) {
      out.back().last = p;
    } else {
      out.push_back({p, p});
    }
  }
  return out;
}

Error nat_error(const Error& e) {
  return make_error("nat: %s", e.reason().c_str());
}

// IFLA_IFNAME of an RTM_NEWLINK/RTM_DELLINK message; "" without one.
std::string link_name(const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return {};
  std::string name;
  nft::for_each_attr(h, sizeof(ifinfomsg), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_get_payload_len(a) > 0) {
      const char* s = static_cast<const char*>(mnl_attr_get_payload(a));
      name.assign(s, strnlen(s, mnl_attr_get_payload_len(a)));
    }
  });
  return name;
}

// A non-blocking rtnetlink socket on RTNLGRP_LINK.
Result<UniqueFd> open_link_watch() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return make_error("nat: link watch socket: %s", std::strerror(errno));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    return make_error("nat: link watch bind: %s", std::strerror(errno));
  }
  return fd;
}

}  // namespace

NftStateSink::Settings NftStateSink::settings_from(const DaemonConfig& config) {
  Settings s;
  s.table = config.nft_table;
  s.softwire = config.softwire;
  s.reserve_ports = config.reserve_ports;
  for (const PortForward& f : config.forwards) {
    s.forwards.push_back({f.proto, f.external_port, f.lan_address, f.lan_port});
  }
  return s;
}

Result<std::unique_ptr<NftStateSink>> NftStateSink::open(Settings settings,
                                                         std::unique_ptr<StateSink> inner,
                                                         Logger& log) {
  if (!nft::is_table_name(settings.table)) {
    return make_error("nat: '%s' is not a table name", settings.table.c_str());
  }
  auto monitor = nft::TableMonitor::open(settings.table);
  if (!monitor) return monitor.error();
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return make_error("epoll_create1: %s", std::strerror(errno));
  UniqueFd timer(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer.valid()) return make_error("timerfd_create: %s", std::strerror(errno));
  auto links = open_link_watch();
  if (!links) return links.error();
  for (int fd : {monitor->fd(), timer.get(), links->get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
      return make_error("epoll_ctl: %s", std::strerror(errno));
    }
  }
  // A netdev table of ours left by an lwb4d that did not exit cleanly would
  // keep rewriting ports on the softwire: the first apply or withdraw
  // removes it when it knows it is there.
  bool stale_device_table = false;
  if (auto exists = nft::table_exists(NFPROTO_NETDEV, settings.table); !exists) {
    log.logf(LogLevel::kWarning, "nat: %s", exists.error().reason().c_str());
  } else {
    stale_device_table = *exists;
  }
  std::unique_ptr<NftStateSink> sink(new NftStateSink(std::move(settings), std::move(inner), log,
                                                      std::move(*monitor), std::move(epoll),
                                                      std::move(timer), std::move(*links)));
  sink->device_table_ = stale_device_table;
  return sink;
}

NftStateSink::NftStateSink(Settings settings, std::unique_ptr<StateSink> inner, Logger& log,
                           nft::TableMonitor monitor, UniqueFd epoll, UniqueFd timer,
                           UniqueFd links)
    : settings_(std::move(settings)),
      inner_(std::move(inner)),
      log_(log),
      monitor_(std::move(monitor)),
      epoll_(std::move(epoll)),
      timer_(std::move(timer)),
      links_(std::move(links)) {}

NftStateSink::~NftStateSink() = default;

Result<nft::NatPlan> NftStateSink::plan_for(const client::DesiredState& state) {
  nft::NatConfig config;
  config.address = state.ipv4;
  config.ports = state.ports;
  config.oifname = settings_.softwire;
  config.table = settings_.table;
  config.egress_on_device = wants_device();

  std::vector<uint16_t> reserved;
  size_t outside = 0;
  for (const PortRange& r : settings_.reserve_ports) {
    for (uint32_t p = r.first; p <= r.last; ++p) {
      if (state.ports.contains(static_cast<uint16_t>(p))) {
        reserved.push_back(static_cast<uint16_t>(p));
      } else {
        ++outside;
      }
    }
  }
  if (outside > 0) {
    log_.logf(LogLevel::kInfo, "nat: %zu reserved port(s) outside the port set (%s) ignored",
              outside, state.ports.describe().c_str());
  }
  forward_status_.clear();
  for (const nft::Forward& f : settings_.forwards) {
    bool inside = state.ports.contains(f.external_port);
    forward_status_.push_back({nft::describe(f), inside});
    if (inside) {
      config.forwards.push_back(f);
    } else {
      // RFC 7597 §5.1: only ports of the set reach this CPE.
      log_.logf(LogLevel::kError,
                "nat: forward %s refused: external port %u is outside the port set (%s: %s)",
                nft::describe(f).c_str(), f.external_port, state.ports.describe().c_str(),
                state.ipv4.to_string().c_str());
    }
  }
  std::sort(reserved.begin(), reserved.end());
  reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
  if (!state.ports.is_full()) config.reserved = reserved;
  for (const nft::Forward& f : config.forwards)
    reserved.push_back(f.external_port);
  std::sort(reserved.begin(), reserved.end());
  reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
  reserved_ = state.ports.is_full() ? std::vector<PortRange>{} : to_ranges(reserved);
  return nft::plan_nat(config);
}

bool NftStateSink::wants_device() const {
  // The netdev chain needs the device; before it exists (the first apply
  // creates it after the table) the rewrite stays at postrouting.
  return !offloading_.empty() && !device_unsupported_ &&
         if_nametoindex(settings_.softwire.c_str()) != 0;
}

Status NftStateSink::install(nft::NatPlan plan, const client::DesiredState& state) {
  const unsigned ifindex = if_nametoindex(settings_.softwire.c_str());
  Status st = nft::apply_plan(plan, device_table_);
  if (!st && plan.device) {
    bool gone = if_nametoindex(settings_.softwire.c_str()) == 0;
    log_.logf(LogLevel::kError,
              "nat: the rewrite on the netdev hooks of %s: %s; rewriting at prerouting and "
              "postrouting%s",
              settings_.softwire.c_str(), st.error().reason().c_str(),
              gone ? " (the device is gone)"
                   : ", which flows a flowtable offloads skip: they would leave with ports "
                     "outside the set; turn flow offloading off (firewall4: flow_offloading)");
    auto fallback = plan_for(state);
    if (!fallback) return fallback.error();
    plan = std::move(*fallback);
    st = nft::apply_plan(plan, device_table_);
    // Only the netdev part failed: the kernel does not take it (no netdev
    // family or egress hook). Tried again when the flowtables change.
    if (st && !gone) device_unsupported_ = true;
  }
  if (!st) return st;
  device_table_ = plan.device.has_value();
  device_ifindex_ = plan.device ? ifindex : 0;
  plan_ = std::move(plan);
  state_ = state;
  return {};
}

Status NftStateSink::apply(const client::DesiredState& state) {
  auto plan = plan_for(state);
  if (!plan) return nat_error(plan.error());
  if (auto st = install(std::move(*plan), state); !st) return nat_error(st.error());
  lost_in_a_row_ = 0;
  const char* where = plan_->device ? " (rewrite on the softwire's netdev hooks)" : "";
  if (plan_->virtual_count == 0) {
    log_.logf(LogLevel::kInfo, "nat: table ip %s on %s: plain SNAT to %s", plan_->table.c_str(),
              settings_.softwire.c_str(), state.ipv4.to_string().c_str());
  } else {
    log_.logf(LogLevel::kInfo, "nat: table ip %s on %s: %s, pool %u-%u (%u ports)%s",
              plan_->table.c_str(), settings_.softwire.c_str(), state.ports.describe().c_str(),
              plan_->virtual_first, plan_->virtual_first + plan_->virtual_count - 1,
              plan_->virtual_count, where);
  }
  // RFC 7596 §5.1: NAPT state of the old address or port set must go.
  if (binding_ && (binding_->address != state.ipv4 || binding_->ports != state.ports)) {
    flush_binding(*binding_);
  }
  binding_ = Binding{state.ipv4, state.ports};
  Status st = inner_->apply(state);
  check_flowtables();
  return st;
}

Status NftStateSink::withdraw(std::string_view reason) {
  if (auto st = inner_->withdraw(reason); !st) return st;
  plan_.reset();
  state_.reset();
  offloading_.clear();
  if (auto st = nft::remove_table(settings_.table, device_table_); !st) {
    return nat_error(st.error());
  }
  device_table_ = false;
  log_.logf(LogLevel::kInfo, "nat: table ip %s removed", settings_.table.c_str());
  if (binding_) flush_binding(*binding_);
  binding_.reset();
  return {};
}

void NftStateSink::flush_binding(const Binding& old) {
  auto n = nft::flush_conntrack(old.address);
  if (!n) {
    log_.logf(LogLevel::kWarning, "nat: flushing the conntrack entries of %s: %s",
              old.address.to_string().c_str(), n.error().reason().c_str());
    return;
  }
  flushed_ += *n;
  log_.logf(LogLevel::kInfo, "nat: %zu conntrack entries of %s (%s) flushed", *n,
            old.address.to_string().c_str(),
            old.ports.is_full() ? "all ports" : old.ports.describe().c_str());
}

void NftStateSink::on_watch_readable() {
  epoll_event events[3];
  int n = epoll_wait(epoll_.get(), events, 3, 0);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == timer_.get()) {
      uint64_t expirations;
      if (::read(timer_.get(), &expirations, sizeof expirations) < 0 && errno != EAGAIN) {
        log_.logf(LogLevel::kWarning, "nat: restore timer: %s", std::strerror(errno));
      }
      if (restore_pending_) restore();
    } else if (events[i].data.fd == links_.get()) {
      on_links();
    } else {
      on_monitor();
    }
  }
}

void NftStateSink::on_monitor() {
  auto change = monitor_.read();
  if (!change) {
    log_.logf(LogLevel::kWarning, "%s", change.error().reason().c_str());
    return;
  }
  if (change->flowtables || change->lost) check_flowtables();
  if (!change->changed && !change->lost) {
    lost_in_a_row_ = 0;
    return;
  }
  if (!plan_) return;  // nothing of ours to restore
  if (change->changed) {
    lost_in_a_row_ = 0;
    log_.logf(LogLevel::kWarning, "nat: table ip %s changed by another process (pid %u, %s)",
              settings_.table.c_str(), change->pid,
              change->process.empty() ? "?" : change->process.c_str());
  } else {
    // Our own restore notifies ~2 per port; should even those overflow the
    // socket, restoring on every loss would never end.
    if (++lost_in_a_row_ > kMaxLostRestores) {
      if (lost_in_a_row_ == kMaxLostRestores + 1) {
        log_.logf(LogLevel::kError,
                  "nat: nftables notifications keep overflowing; no more restores on loss alone");
      }
      return;
    }
    log_.logf(LogLevel::kWarning, "nat: nftables notifications lost; restoring table ip %s",
              settings_.table.c_str());
  }
  if (restore_pending_) return;
  int64_t wait = last_restore_ms_ + kRestoreIntervalMs - monotonic_ms();
  if (wait <= 0) {
    restore();
    return;
  }
  itimerspec its{};
  its.it_value.tv_sec = wait / 1000;
  its.it_value.tv_nsec = (wait % 1000) * 1'000'000;
  if (timerfd_settime(timer_.get(), 0, &its, nullptr) < 0) {
    log_.logf(LogLevel::kWarning, "nat: restore timer: %s", std::strerror(errno));
    restore();
    return;
  }
  restore_pending_ = true;
}

void NftStateSink::restore() {
  restore_pending_ = false;
  last_restore_ms_ = monotonic_ms();
  if (!plan_ || !state_) return;
  if (auto st = install(*plan_, *state_); !st) {
    log_.logf(LogLevel::kError, "nat: restoring table ip %s: %s", settings_.table.c_str(),
              st.error().reason().c_str());
    return;
  }
  ++restored_;
  log_.logf(LogLevel::kNotice, "nat: table ip %s restored (%llu since start)",
            settings_.table.c_str(), static_cast<unsigned long long>(restored_));
}

void NftStateSink::on_links() {
  bool ours = false;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    ssize_t n = ::recv(links_.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // lost some: maybe the softwire's
        ours = true;
        continue;
      }
      break;  // EAGAIN: all read
    }
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      if (link_name(h) == settings_.softwire) ours = true;
    }
  }
  if (ours) check_flowtables();
}

void NftStateSink::check_flowtables() {
  std::vector<std::string> now;
  // A full address is plain SNAT, which conntrack applies on the fast path
  // too; only the port rewrite of a set is skipped there.
  if (plan_ && plan_->virtual_count > 0) {
    auto listed = nft::flowtables_with_devices();
    if (!listed) {
      log_.logf(LogLevel::kWarning, "nat: %s", listed.error().reason().c_str());
      return;
    }
    now = std::move(*listed);
  }
  for (const std::string& f : now) {
    if (std::find(offloading_.begin(), offloading_.end(), f) != offloading_.end()) continue;
    // A new flowtable is a new try of the netdev layout: a refusal may have
    // been passing (a clash with another transaction). install() logs if
    // the kernel refuses it again.
    device_unsupported_ = false;
    log_.logf(LogLevel::kNotice,
              "nat: flowtable %s can offload flows to %s; its fast path skips postrouting, so "
              "the rewrite into the port set goes on the softwire's netdev hooks",
              f.c_str(), settings_.softwire.c_str());
  }
  if (now.empty() && !offloading_.empty()) {
    log_.logf(LogLevel::kNotice, "nat: no flowtable any more");
  }
  offloading_ = std::move(now);
  // Also without a change of flowtables: the softwire may have come or gone.
  if (!state_ || !plan_ || plan_->virtual_count == 0) return;
  bool to_device = wants_device();
  // The same layout is enough unless the softwire was re-created under a
  // netdev chain (deleted and back between two reads of the link watch).
  const bool moved = plan_->device && if_nametoindex(settings_.softwire.c_str()) != device_ifindex_;
  if (to_device == plan_->device.has_value() && !moved) return;
  auto plan = plan_for(*state_);
  if (!plan) {
    log_.logf(LogLevel::kError, "nat: %s", plan.error().reason().c_str());
    return;
  }
  if (auto st = install(std::move(*plan), *state_); !st) {
    log_.logf(LogLevel::kError, "nat: %s", st.error().reason().c_str());
    return;
  }
  log_.logf(LogLevel::kNotice, "nat: the rewrite into the port set is %s",
            to_device && plan_->device ? "on the netdev hooks of the softwire now"
                                       : "at prerouting and postrouting again");
}

void NftStateSink::fill_status(DaemonStatus& status) const {
  inner_->fill_status(status);
  NatStatus n;
  n.table = settings_.table;
  n.installed = plan_.has_value();
  if (plan_) {
    n.reserved = reserved_;
    n.pool_first = plan_->virtual_first;
    n.pool_size = plan_->virtual_count;
    n.forwards = forward_status_;
    if (auto counters = nft::read_counters(settings_.table)) n.dropped = std::move(*counters);
  } else {
    for (const nft::Forward& f : settings_.forwards)
      n.forwards.push_back({nft::describe(f), false});
  }
  n.restored = restored_;
  n.conntrack_flushed = flushed_;
  n.offloading_flowtables = offloading_;
  n.rewrite_on_device = plan_ && plan_->device.has_value();
  status.nat = std::move(n);
}

}  // namespace lwb4::platform
