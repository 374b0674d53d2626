#include "netlink/kernel_watch.hpp"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lwb4::platform {
namespace {

constexpr int kEventBufferBytes = 256 * 1024;
constexpr int kMaxMessagesPerWake = 256;
constexpr int kMaxDrain = 4096;

struct Batch {
  std::vector<KernelEvent> events;
};

int on_message(nl_msg* msg, void* arg) {
  if (auto e = kernel_event_from(nlmsg_hdr(msg))) static_cast<Batch*>(arg)->events.push_back(*e);
  return NL_OK;
}

template <class Duration>
long long ms(Duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

std::optional<KernelEvent> kernel_event_from(const nlmsghdr* msg) {
  auto* hdr = const_cast<nlmsghdr*>(msg);
  KernelEvent e;
  e.sender = msg->nlmsg_pid;
  switch (msg->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      if (!nlmsg_valid_hdr(hdr, sizeof(ifinfomsg))) return std::nullopt;
      const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(hdr));
      if (ifi->ifi_family != AF_UNSPEC) return std::nullopt;  // bridge-port reports
      e.kind = KernelEvent::Kind::kLink;
      e.removed = msg->nlmsg_type == RTM_DELLINK;
      e.ifindex = ifi->ifi_index;
      if (nlattr* name = nlmsg_find_attr(hdr, sizeof(ifinfomsg), IFLA_IFNAME)) {
        e.name.assign(
            static_cast<const char*>(nla_data(name)),
            strnlen(static_cast<const char*>(nla_data(name)), static_cast<size_t>(nla_len(name))));
      }
      return e;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      if (!nlmsg_valid_hdr(hdr, sizeof(ifaddrmsg))) return std::nullopt;
      const auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(hdr));
      e.removed = msg->nlmsg_type == RTM_DELADDR;
      e.ifindex = static_cast<int>(ifa->ifa_index);
      if (ifa->ifa_family == AF_INET) {
        e.kind = KernelEvent::Kind::kAddress4;
        return e;
      }
      if (ifa->ifa_family != AF_INET6) return std::nullopt;
      e.kind = KernelEvent::Kind::kAddress6;
      nlattr* a = nlmsg_find_attr(hdr, sizeof(ifaddrmsg), IFA_ADDRESS);
      if (!a || nla_len(a) != 16) return std::nullopt;
      std::memcpy(e.address.bytes.data(), nla_data(a), 16);
      return e;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      if (!nlmsg_valid_hdr(hdr, sizeof(rtmsg))) return std::nullopt;
      const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(hdr));
      if (rtm->rtm_family != AF_INET) return std::nullopt;
      e.kind = KernelEvent::Kind::kRoute4;
      e.removed = msg->nlmsg_type == RTM_DELROUTE;
      e.dst_len = rtm->rtm_dst_len;
      e.table = rtm->rtm_table;
      if (nlattr* t = nlmsg_find_attr(hdr, sizeof(rtmsg), RTA_TABLE); t && nla_len(t) == 4) {
        e.table = nla_get_u32(t);
      }
      return e;
    }
    default:
      return std::nullopt;
  }
}

bool needs_reconcile(const KernelEvent& e, const WatchScope& scope) {
  if (scope.own_port != 0 && e.sender == scope.own_port) return false;
  auto is = [](int ifindex, int ours) { return ours != 0 && ifindex == ours; };
  switch (e.kind) {
    case KernelEvent::Kind::kLink:
      // Deleted, renamed, re-created, taken down, its parameters or MTU
      // changed; or the uplink it rides on changed.
      return e.name == scope.softwire || e.name == scope.uplink ||
             is(e.ifindex, scope.softwire_ifindex) || is(e.ifindex, scope.uplink_ifindex);
    case KernelEvent::Kind::kAddress4:
      return is(e.ifindex, scope.softwire_ifindex);
    case KernelEvent::Kind::kAddress6:
      return is(e.ifindex, scope.uplink_ifindex) &&
             std::find(scope.sources.begin(), scope.sources.end(), e.address) !=
                 scope.sources.end();
    case KernelEvent::Kind::kRoute4:
      return e.dst_len == 0 && e.table == scope.route_table;
  }
  return false;
}

std::optional<HealLimiter::Clock::time_point> HealLimiter::hold_until(Clock::time_point now) {
  std::erase_if(recent_, [&](Clock::time_point t) { return now - t >= kWindow; });
  if (recent_.size() < kBurst) return std::nullopt;
  return recent_.front() + kWindow;
}

void HealLimiter::record(Clock::time_point now) {
  recent_.push_back(now);
}

Result<std::unique_ptr<KernelWatch>> KernelWatch::open(NetlinkStateSink& sink, Logger& log) {
  std::unique_ptr<KernelWatch> self(new KernelWatch(sink, log));
  self->events_ = nl_socket_alloc();
  if (!self->events_) return make_error("netlink: out of memory");
  nl_sock* ev = self->events_;
  nl_socket_disable_seq_check(ev);
  if (int err = nl_connect(ev, NETLINK_ROUTE); err < 0) {
    return make_error("netlink monitor: connect: %s", nl_geterror(err));
  }
  if (int err = nl_socket_add_memberships(ev, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
                                          RTNLGRP_IPV6_IFADDR, 0);
      err < 0) {
    return make_error("netlink monitor: subscribe: %s", nl_geterror(err));
  }
  if (int err = nl_socket_set_nonblocking(ev); err < 0) {
    return make_error("netlink monitor: nonblocking: %s", nl_geterror(err));
  }
  nl_socket_set_buffer_size(ev, kEventBufferBytes, 0);

  self->timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!self->timer_.valid()) return make_error("timerfd_create: %s", std::strerror(errno));
  self->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!self->epoll_.valid()) return make_error("epoll_create1: %s", std::strerror(errno));
  for (int fd : {nl_socket_get_fd(ev), self->timer_.get()}) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    if (::epoll_ctl(self->epoll_.get(), EPOLL_CTL_ADD, fd, &e) < 0) {
      return make_error("epoll_ctl: %s", std::strerror(errno));
    }
  }
  return self;
}

KernelWatch::~KernelWatch() {
  if (events_) nl_socket_free(events_);
}

WatchScope KernelWatch::scope() const {
  const KernelConfig& config = sink_.config();
  WatchScope s;
  s.uplink = config.uplink;
  s.softwire = config.softwire;
  s.uplink_ifindex = static_cast<int>(::if_nametoindex(config.uplink.c_str()));
  s.softwire_ifindex = static_cast<int>(::if_nametoindex(config.softwire.c_str()));
  s.own_port = sink_.port();
  s.route_table = config.route_table;
  s.sources = sink_.owned_sources();
  if (const auto& d = sink_.desired(); d && d->source_is_constructed) {
    s.sources.push_back(d->softwire_source);
  }
  return s;
}

void KernelWatch::read_events(Clock::time_point now) {
  Batch batch;
  nl_socket_modify_cb(events_, NL_CB_VALID, NL_CB_CUSTOM, &on_message, &batch);
  bool overflow = false;
  for (int i = 0; i < kMaxMessagesPerWake; ++i) {
    int err = nl_recvmsgs_default(events_);
    if (err == -NLE_AGAIN) break;
    if (err == -NLE_NOMEM) {
      // ENOBUFS: notifications were lost; a reconcile reads everything anew.
      overflow = true;
      for (int j = 0; j < kMaxDrain && nl_recvmsgs_default(events_) != -NLE_AGAIN; ++j) {
      }
      break;
    }
    if (err < 0) {
      log_.logf(LogLevel::kWarning, "netlink monitor: %s", nl_geterror(err));
      break;
    }
  }
  nl_socket_modify_cb(events_, NL_CB_VALID, NL_CB_CUSTOM, &on_message, nullptr);
  if (!sink_.desired()) return;  // nothing applied: nothing to keep
  if (overflow) {
    log_.log(LogLevel::kWarning, "netlink monitor: notifications lost (ENOBUFS); reconciling");
    if (!heal_at_) heal_at_ = now + kDebounce;
    if (!first_event_) first_event_ = now;
    ++relevant_;
    return;
  }
  if (batch.events.empty()) return;
  WatchScope s = scope();
  const auto& dad = sink_.pending_dad();
  for (const KernelEvent& e : batch.events) {
    if (!needs_reconcile(e, s)) continue;
    ++relevant_;
    if (!first_event_) first_event_ = now;
    // The source's DAD ending is the awaited event itself: no debounce.
    bool dad_event = dad && e.kind == KernelEvent::Kind::kAddress6 && e.address == dad->address;
    Clock::time_point at = dad_event ? now : now + kDebounce;
    if (!heal_at_ || at < *heal_at_) heal_at_ = at;
  }
}

void KernelWatch::heal(Clock::time_point now) {
  if (auto hold = limiter_.hold_until(now)) {
    if (!limited_logged_) {
      log_.logf(LogLevel::kWarning,
                "kernel: %zu heals within %lld s: something keeps changing %s; next heal in %lld "
                "ms",
                HealLimiter::kBurst, static_cast<long long>(HealLimiter::kWindow.count()),
                sink_.config().softwire.c_str(), ms(*hold - now));
      limited_logged_ = true;
    }
    heal_at_ = *hold;
    return;
  }
  heal_at_.reset();
  size_t events = std::exchange(relevant_, 0);
  Clock::time_point first = std::exchange(first_event_, std::nullopt).value_or(now);
  auto performed = sink_.reconcile();
  if (!performed) {
    limiter_.record(now);
    log_.logf(LogLevel::kError, "kernel: heal failed: %s; retried on the next change",
              performed.error().reason().c_str());
    return;
  }
  if (*performed == 0) {
    log_.logf(LogLevel::kDebug, "kernel: %zu change notifications, %s still as applied", events,
              sink_.config().softwire.c_str());
    return;
  }
  ++heals_;
  limiter_.record(now);
  limited_logged_ = false;
  std::string what;
  for (const KernelOp& op : sink_.last_operations()) {
    if (std::holds_alternative<WaitDad>(op)) continue;
    if (!what.empty()) what += "; ";
    what += describe(op);
  }
  Clock::time_point done = Clock::now();
  log_.logf(LogLevel::kNotice,
            "kernel: healed %lld ms after an outside change (%zu operations in %lld ms): %s",
            ms(done - first), *performed, ms(done - now), what.c_str());
}

void KernelWatch::rearm() {
  std::optional<Clock::time_point> next = heal_at_;
  // While heals are held back the DAD timeout waits for the hold as well:
  // only a heal reports it, and an overdue one would fire the timer again
  // and again until then.
  if (const auto& dad = sink_.pending_dad(); dad && !dad->timeout_reported && !heal_at_) {
    Clock::time_point timeout = dad->since + NetlinkStateSink::kDadTimeout;
    if (!next || timeout < *next) next = timeout;
  }
  itimerspec spec{};
  if (next) {
    auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(next->time_since_epoch()).count();
    if (ns <= 0) ns = 1;
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  if (::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
    log_.logf(LogLevel::kError, "timerfd_settime: %s", std::strerror(errno));
  }
}

void KernelWatch::process() {
  uint64_t expirations = 0;
  while (::read(timer_.get(), &expirations, sizeof expirations) < 0 && errno == EINTR) {
  }
  Clock::time_point now = Clock::now();
  read_events(now);
  const auto& dad = sink_.pending_dad();
  bool dad_overdue =
      dad && !dad->timeout_reported && now - dad->since >= NetlinkStateSink::kDadTimeout;
  if ((heal_at_ && now >= *heal_at_) || dad_overdue) heal(now);
  rearm();
}

}  // namespace lwb4::platform
