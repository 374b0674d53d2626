// The StateSink of lwb4d --nat on: confines NAT on the softwire to the port
// set (nft/nat_plan.hpp) around an inner sink that configures the softwire
// itself (NetlinkStateSink, or the logging sink with --kernel none).
//
// Order, so that no packet leaves the softwire unconfined:
//  * apply: the NAT table first (one atomic replace: the old set's rules
//    until the new set's are complete), then the conntrack state of the old
//    binding is flushed, then the softwire (its address, route) follows;
//  * withdraw: the softwire first (no route, no traffic), then the table.
// A failed table apply leaves the softwire alone; a failed softwire
// withdraw keeps the table.
//
// While a state is applied, a foreign change to the table (another
// process's nf_tables transaction touching it) restores the table within a
// fraction of a second, at most kRestoreInterval apart.
//
// Software flow offloading: while a flowtable holds the softwire (listed
// after each apply, on every flowtable change and on every change of the
// softwire's link), the port rewrite moves to the softwire's netdev hooks
// (`table netdev NAME`, the same batch as the ip table): outbound from
// postrouting, which the flowtable's fast path skips, to egress; inbound
// from prerouting to ingress, ahead of the flowtable's own lookup there. When
// no flowtable is left, back. Deleting the device takes netdev chains with
// it, and the flowtable loses the device too: the link watch then puts the
// rewrite back at prerouting/postrouting before the softwire returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/daemon_config.hpp"
#include "daemon/logger.hpp"
#include "daemon/state_sink.hpp"
#include "daemon/unique_fd.hpp"
#include "nft/nat_plan.hpp"
#include "nft/table_monitor.hpp"

namespace lwb4::platform {

class NftStateSink final : public StateSink {
 public:
  struct Settings {
    std::string table{nft::kDefaultTable};
    std::string softwire;  // the device NAT applies to
    std::vector<PortRange> reserve_ports;
    std::vector<nft::Forward> forwards;
  };
  static Settings settings_from(const DaemonConfig& config);

  static Result<std::unique_ptr<NftStateSink>> open(Settings settings,
                                                    std::unique_ptr<StateSink> inner, Logger& log);
  ~NftStateSink() override;

  Status apply(const client::DesiredState& state) override;
  Status withdraw(std::string_view reason) override;
  int watch_fd() const override { return epoll_.get(); }
  void on_watch_readable() override;
  void fill_status(DaemonStatus& status) const override;

  StateSink& inner() { return *inner_; }

 private:
  struct Binding {
    Ipv4Address address;
    PortSet ports = PortSet::full();
  };

  NftStateSink(Settings settings, std::unique_ptr<StateSink> inner, Logger& log,
               nft::TableMonitor monitor, UniqueFd epoll, UniqueFd timer, UniqueFd links);
  // The plan for `state`: forwards outside the set are left out (and
  // logged), reserved ports outside it ignored.
  Result<nft::NatPlan> plan_for(const client::DesiredState& state);
  void flush_binding(const Binding& old);
  void on_monitor();
  void restore();
  // The rewrite belongs on the softwire's netdev hooks: a flowtable exists,
  // the kernel has not refused the hooks, the device exists.
  bool wants_device() const;
  // Applies `plan`; a plan with netdev chains that the kernel refuses falls
  // back to prerouting/postrouting.
  Status install(nft::NatPlan plan, const client::DesiredState& state);
  void on_links();
  // Which flowtables hold the softwire; logs a change.
  void check_flowtables();

  Settings settings_;
  std::unique_ptr<StateSink> inner_;
  Logger& log_;
  nft::TableMonitor monitor_;
  UniqueFd epoll_;  // the monitor socket and the restore timer
  UniqueFd timer_;
  UniqueFd links_;                    // rtnetlink RTNLGRP_LINK: the softwire's link changes
  std::optional<nft::NatPlan> plan_;  // what the kernel should have
  std::optional<Binding> binding_;
  std::vector<NatStatus::Forward> forward_status_;
  std::vector<PortRange> reserved_;  // inside the current set
  bool restore_pending_ = false;
  int lost_in_a_row_ = 0;
  int64_t last_restore_ms_ = -1'000'000;
  uint64_t restored_ = 0;
  uint64_t flushed_ = 0;
  std::vector<std::string> offloading_;        // flowtables holding the softwire
  std::optional<client::DesiredState> state_;  // what plan_ was made for
  bool device_table_ = false;                  // our netdev table is in the kernel
  bool device_unsupported_ = false;            // the kernel refused the netdev chains
  // The softwire's ifindex when the netdev chain went on it: a device
  // deleted and re-created between two looks (its chain silently gone
  // with it before Linux 6.16) has another.
  unsigned device_ifindex_ = 0;
};

}  // namespace lwb4::platform
