// Self-healing: a netlink monitor (links, IPv4 addresses, IPv4 routes, IPv6
// addresses) that notices when someone else removes or alters lwb4's kernel
// objects (the softwire, its endpoints or MTU, the /32, the default route,
// the constructed /128) and re-applies the last desired state through the
// NetlinkStateSink, after a short debounce and under a rate limit. The
// notifications of lwb4's own changes carry the sink's netlink port and are
// ignored; anything else that may concern the objects costs one snapshot,
// and the planner decides whether anything must change (usually not). It
// also carries a pending DAD on: the source's change to non-tentative is an
// address event like any other.
//
// One descriptor for the daemon's loop (an epoll of the netlink socket and a
// timerfd); process() when it is readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/logger.hpp"
#include "daemon/unique_fd.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"
#include "netlink/netlink_state_sink.hpp"

struct nl_sock;
struct nlmsghdr;

namespace lwb4::platform {

// One rtnetlink notification, reduced to what decides its relevance.
struct KernelEvent {
  enum class Kind : uint8_t { kLink, kAddress4, kAddress6, kRoute4 };
  Kind kind = Kind::kLink;
  bool removed = false;
  uint32_t sender = 0;  // nlmsg_pid: the port of the socket that asked for it
  int ifindex = 0;      // links and addresses
  std::string name;     // links
  Ipv6Address address;  // IPv6 addresses
  uint32_t table = 0;   // routes
  uint8_t dst_len = 0;  // routes
};

// nullopt for messages of other kinds or families.
std::optional<KernelEvent> kernel_event_from(const nlmsghdr* msg);

// What lwb4 has in the kernel right now, to match events against.
struct WatchScope {
  std::string uplink;
  std::string softwire;
  int uplink_ifindex = 0;
  int softwire_ifindex = 0;
  uint32_t own_port = 0;  // the sink's netlink port (0: unknown)
  uint32_t route_table = 0;
  std::vector<Ipv6Address> sources;  // constructed sources on the uplink
};

// Whether `event` may concern lwb4's objects and was not lwb4's own change.
bool needs_reconcile(const KernelEvent& event, const WatchScope& scope);

// At most kBurst heals that changed something per kWindow; past that the
// next one waits for the window to end.
class HealLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kBurst = 10;
  static constexpr std::chrono::seconds kWindow{10};

  // nullopt: may heal now; else the earliest time it may.
  std::optional<Clock::time_point> hold_until(Clock::time_point now);
  void record(Clock::time_point now);

 private:
  std::vector<Clock::time_point> recent_;
};

class KernelWatch {
 public:
  using Clock = std::chrono::steady_clock;
  // Between the first relevant event and the reconcile: a burst of changes
  // (a device deleted takes its addresses and routes along) is one heal.
  static constexpr std::chrono::milliseconds kDebounce{50};

  static Result<std::unique_ptr<KernelWatch>> open(NetlinkStateSink& sink, Logger& log);
  ~KernelWatch();
  KernelWatch(const KernelWatch&) = delete;
  KernelWatch& operator=(const KernelWatch&) = delete;

  int fd() const { return epoll_.get(); }
  // Reads the pending notifications and the timer; heals when due.
  void process();
  // After the sink was given a new state: a DAD it now waits for arms its
  // timeout.
  void rearm();
  uint64_t heals() const { return heals_; }

 private:
  KernelWatch(NetlinkStateSink& sink, Logger& log) : sink_(sink), log_(log) {}
  void read_events(Clock::time_point now);
  void heal(Clock::time_point now);
  WatchScope scope() const;

  NetlinkStateSink& sink_;
  Logger& log_;
  nl_sock* events_ = nullptr;
  UniqueFd timer_;
  UniqueFd epoll_;
  std::optional<Clock::time_point> heal_at_;
  HealLimiter limiter_;
  bool limited_logged_ = false;
  uint64_t heals_ = 0;
  size_t relevant_ = 0;                           // relevant events since the last heal
  std::optional<Clock::time_point> first_event_;  // the first of them
};

}  // namespace lwb4::platform
