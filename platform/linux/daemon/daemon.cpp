#include "daemon/daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <variant>

#include "daemon/clock_sample.hpp"
#include "netlink/netlink_state_sink.hpp"
#if LWB4_HAVE_NFT
#include "nft/nft_state_sink.hpp"
#endif

namespace lwb4::platform {
namespace {

constexpr size_t kMaxDatagram = 65535;  // the largest UDP payload
constexpr int kMaxDatagramsPerWake = 32;
// A deadline the engine leaves in the past after on_timer() would spin the
// loop; after this many in a row the timer backs off.
constexpr int kMaxStuckTimers = 100;
constexpr client::Millis kStuckBackoff{1000};
constexpr std::chrono::milliseconds kScriptExitWait{3000};  // within netifd's 5 s

std::string describe_uplink(const client::UplinkState& s) {
  std::string out = s.up ? "up" : "down";
  out += ", link-local " + (s.link_local ? s.link_local->to_string() : std::string("none"));
  for (const client::UplinkAddress& a : s.global) {
    out += ", " + a.address.to_string() + "/" + std::to_string(a.prefix_length);
  }
  return out;
}

const char* outcome_name(StoreOutcome outcome) {
  switch (outcome) {
    case StoreOutcome::kWritten:
      return "written";
    case StoreOutcome::kUnchanged:
      return "unchanged, not rewritten";
    case StoreOutcome::kRemoved:
      return "removed";
    case StoreOutcome::kAbsent:
      return "absent";
  }
  return "?";
}

}  // namespace

Daemon::Daemon(DaemonConfig config, CommandLine command_line, Logger& log)
    : config_(std::move(config)),
      command_line_(std::move(command_line)),
      log_(log),
      buffer_(kMaxDatagram) {}

Daemon::~Daemon() = default;

Status Daemon::setup() {
  ::signal(SIGPIPE, SIG_IGN);
  auto signals = SignalSource::create({SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD});
  if (!signals) return signals.error();
  signals_.emplace(std::move(*signals));
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  loop_.emplace(std::move(*loop));
  auto timer = DeadlineTimer::create();
  if (!timer) return timer.error();
  timer_.emplace(std::move(*timer));

  auto uplink = NetlinkUplink::open(config_.uplink);
  if (!uplink) return uplink.error();
  uplink_ = std::move(*uplink);
  const UplinkTracker& tracker = uplink_->tracker();
  if (tracker.ifindex() == 0)
    return make_error("uplink %s: no such interface", config_.uplink.c_str());

  client::EngineConfig engine_config;
  std::optional<MacAddress> mac = tracker.mac();
  if (mac) engine_config.mac = *mac;
  if (config_.duid) {
    engine_config.duid = *config_.duid;
  } else if (mac) {
    // RFC 8415 §11.4: DUID-LL from the uplink's link-layer address.
    auto duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, *mac);
    if (!duid) return duid.error();
    engine_config.duid = *duid;
  } else {
    return make_error("uplink %s has no Ethernet address to derive a DUID from: give --duid",
                      config_.uplink.c_str());
  }
  engine_config.iaid = config_.iaid;
  engine_config.offer_policy = config_.offer_policy;
  engine_config.offer_window = config_.offer_window;
  engine_config.start_delays = config_.start_delays;
  engine_config.softwire_source = config_.softwire_source;
  engine_config.mode = config_.mode;
  engine_config.dhcp4o6_servers = config_.dhcp4o6_servers;
  engine_config.s46_rules = config_.s46_rules;
  engine_config.s46.end_user_prefix = config_.prefix;
  engine_config.s46.psid_len = config_.psid_len;
  engine_config.s46.legacy_map = config_.legacy_map;

  // Coexistence with the uplink's own DHCPv6 client: a raw socket that
  // takes no datagram away from it, multicast from a link-local of our own
  // (dhcp_socket.hpp).
  wire::Bytes duid = engine_config.duid.bytes();
  if (config_.mode_pcp) {
    // PCP sends from a global address; no DHCP, no link-local of our own.
  } else if (auto st = uplink_->claim_link_local({duid.begin(), duid.end()}, mac); !st) {
    log_.logf(LogLevel::kWarning, "%s", st.error().reason().c_str());
  }
  auto dhcp = DhcpSocketSet::open(config_.uplink, tracker.ifindex());
  if (!dhcp) return dhcp.error();
  dhcp_.emplace(std::move(*dhcp));

  if (config_.kernel == KernelBackend::kNetlink) {
    KernelConfig kernel{config_.uplink,      config_.softwire,     config_.mtu,
                        config_.encap_limit, config_.route_metric, config_.route_table};
    auto sink = NetlinkStateSink::open(std::move(kernel), log_);
    if (!sink) return sink.error();
    auto watch = KernelWatch::open(**sink, log_);
    if (!watch) return watch.error();
    kernel_watch_ = std::move(*watch);
    sink_ = std::move(*sink);
  } else {
    sink_ = std::make_unique<LoggingStateSink>(log_);
  }
  if (auto st = open_nat(); !st) return st;

  // main() has checked that the script is executable (a usage error).
  if (!config_.script.empty()) script_ = std::make_unique<ScriptRunner>(config_.script, log_);

  auto control =
      ControlServer::open(config_.control_path, *loop_, kControlListen, kControlConnection);
  if (!control) return control.error();
  control_ = std::move(*control);

  for (auto [fd, kind] : {std::pair{signals_->fd(), kSignal}, std::pair{timer_->fd(), kTimer},
                          std::pair{uplink_->fd(), kNetlink}, std::pair{dhcp_->fd(), kDhcp},
                          std::pair{sink_->watch_fd(), kSink}}) {
    if (fd < 0) continue;
    if (auto st = loop_->add(fd, kind); !st) return st;
  }
  if (kernel_watch_) {
    if (auto st = loop_->add(kernel_watch_->fd(), kKernelWatch); !st) return st;
  }

  lease_store_.emplace(config_.state_dir, config_.uplink);
  auto lease = lease_store_->load(ClockSample::read());
  if (!lease) {
    log_.logf(LogLevel::kWarning, "ignoring the stored lease: %s", lease.error().reason().c_str());
  } else if (*lease) {
    stored_lease_ = **lease;
    log_.logf(LogLevel::kInfo, "stored lease %s from %s", (*lease)->address.to_string().c_str(),
              lease_store_->path().c_str());
  }

  if (config_.mode_pcp) {
    client::PcpClientConfig pcp_config;
    pcp_config.server = *config_.pcp_server;
    pcp_config.port_count = config_.pcp_ports;
    pcp_config.parity = config_.pcp_parity;
    pcp_ = std::make_unique<PcpDriver>(std::move(pcp_config), config_.softwire_source,
                                       config_.uplink, tracker.ifindex(), random_, log_);
    if (auto st = pcp_->open(*loop_, kPcp); !st) return st;
    log_.logf(LogLevel::kNotice, "mode pcp: server %s, asking for %u ports%s",
              config_.pcp_server->to_string().c_str(), config_.pcp_ports,
              config_.pcp_parity ? " with parity" : "");
  }
  log_.logf(LogLevel::kNotice, "lwb4d %s on %s (ifindex %d), DUID %s, IAID %u, control %s",
            LWB4_VERSION, config_.uplink.c_str(), tracker.ifindex(),
            engine_config.duid.to_string().c_str(), config_.iaid, config_.control_path.c_str());
  if (const auto& ll = tracker.dedicated_link_local()) {
    log_.logf(LogLevel::kInfo, "dedicated link-local %s on %s", ll->to_string().c_str(),
              config_.uplink.c_str());
  }
  engine_.emplace(std::move(engine_config), random_);
  return {};
}

// --nat: the nftables port-set table around the softwire sink. The default
// follows --kernel: a stand-in softwire (--kernel none) asks for it.
Status Daemon::open_nat() {
  bool on = config_.nat.value_or(config_.kernel == KernelBackend::kNetlink);
  if (!on) return {};
#if LWB4_HAVE_NFT
  auto nat = NftStateSink::open(NftStateSink::settings_from(config_), std::move(sink_), log_);
  if (!nat) return nat.error();
  sink_ = std::move(*nat);
  return {};
#else
  if (config_.nat) return make_error("--nat on: lwb4d was built without nftables (libnftnl)");
  log_.log(LogLevel::kWarning, "built without nftables: NAT is not confined to the port set");
  return {};
#endif
}

void Daemon::update_log_target() {
  log_.set_level(config_.log_level);
  log_.use_syslog(config_.syslog || !config_.foreground);
}

int Daemon::run() {
  update_log_target();
  now_ = boot_now();
  uplink_state_ = uplink_->tracker().state();
  log_.logf(LogLevel::kInfo, "uplink %s: %s", config_.uplink.c_str(),
            describe_uplink(uplink_state_).c_str());
  if (pcp_) {
    pcp_->start(uplink_state_, now_);
  } else {
    engine_->start(now_, stored_lease_);
    engine_->on_uplink(uplink_state_, now_);
  }
  perform_actions();
  while (!stop_) {
    arm_timer();
    auto events = loop_->wait(-1);
    if (!events) {
      log_.logf(LogLevel::kError, "%s", events.error().reason().c_str());
      return 1;
    }
    now_ = boot_now();
    for (const Event& e : *events) {
      handle(e);
      perform_actions();
      if (stop_) break;
    }
  }
  if (auto st = uplink_->release_link_local(); !st) {
    log_.logf(LogLevel::kWarning, "%s", st.error().reason().c_str());
  }
  // The script hears the last state (withdrawn after the release) before
  // lwb4d goes; bounded, so netifd's 5 s before SIGKILL are kept.
  if (script_) script_->finish(kScriptExitWait);
  return 0;
}

void Daemon::handle(const Event& e) {
  switch (e.token.kind) {
    case kSignal:
      on_signal();
      break;
    case kTimer:
      on_timer();
      break;
    case kDhcp:
      on_datagrams(e.token.fd);
      break;
    case kNetlink:
      on_uplink_change();
      break;
    case kControlListen:
      control_->on_listen_readable();
      break;
    case kControlConnection:
      on_control(e.token.fd, e.events);
      break;
    case kPcp:
      if (pcp_) pcp_->on_readable(e.token.fd, buffer_, now_);
      break;
    case kSink:
      sink_->on_watch_readable();
      break;
    case kKernelWatch:
      kernel_watch_->process();
      break;
  }
}

void Daemon::on_signal() {
  while (auto signo = signals_->next()) {
    switch (*signo) {
      case SIGTERM:
      case SIGINT:
        log_.logf(LogLevel::kNotice, "%s: releasing and exiting",
                  *signo == SIGTERM ? "SIGTERM" : "SIGINT");
        release();
        stop_ = true;
        return;
      case SIGUSR1:
        log_.log(LogLevel::kNotice, "SIGUSR1: renewing");
        renew();
        break;
      case SIGHUP:
        reload();
        break;
      case SIGCHLD:
        if (script_) script_->reap();
        break;
    }
  }
}

void Daemon::on_timer() {
  timer_->acknowledge();
  if (now_ < next_deadline()) return;
  if (pcp_) {
    pcp_->on_timer(now_);
  } else {
    engine_->on_timer(now_);
  }
  stuck_timer_ = next_deadline() <= now_ ? stuck_timer_ + 1 : 0;
}

client::TimePoint Daemon::next_deadline() const {
  return pcp_ ? pcp_->next_deadline() : engine_->next_deadline();
}

void Daemon::renew() {
  if (pcp_) {
    pcp_->renew(now_);
  } else {
    engine_->renew(now_);
  }
}

void Daemon::release() {
  if (pcp_) {
    pcp_->stop(now_);
  } else {
    engine_->release(now_);
  }
}

void Daemon::arm_timer() {
  client::TimePoint deadline = next_deadline();
  if (stuck_timer_ >= kMaxStuckTimers) {
    if (stuck_timer_ == kMaxStuckTimers) {
      log_.log(LogLevel::kError, "engine deadline stays in the past; backing off");
    }
    deadline = now_ + kStuckBackoff;
  }
  if (auto st = timer_->arm(deadline); !st) {
    log_.logf(LogLevel::kError, "%s", st.error().reason().c_str());
  }
}

void Daemon::on_datagrams(int fd) {
  if (!dhcp_ || fd != dhcp_->fd()) return;
  for (int i = 0; i < kMaxDatagramsPerWake; ++i) {
    auto d = dhcp_->receive(buffer_);
    if (!d) {
      log_.logf(LogLevel::kDebug, "%s", d.error().reason().c_str());
      continue;
    }
    if (!*d) return;
    const Datagram& dg = **d;
    if (dg.ifindex != 0 && dg.ifindex != dhcp_->ifindex()) {
      log_.logf(LogLevel::kDebug, "dropped a datagram from %s on ifindex %d",
                dg.from.to_string().c_str(), dg.ifindex);
      continue;
    }
    wire::Bytes payload(buffer_.data(), dg.size);
    // Another client may listen on this address too, bound before or after
    // us (dhcp_socket.hpp): what is its, we leave alone.
    if (!engine_->is_ours(payload)) {
      ++other_clients_;
      log_.logf(LogLevel::kDebug, "left a %zu-byte message from [%s]:%u to %s for the other client",
                dg.size, dg.from.to_string().c_str(), dg.from_port, dg.to.to_string().c_str());
      continue;
    }
    log_.logf(LogLevel::kDebug, "received %zu bytes from [%s]:%u to %s", dg.size,
              dg.from.to_string().c_str(), dg.from_port, dg.to.to_string().c_str());
    engine_->on_datagram(payload, dg.from, now_);
  }
}

void Daemon::on_uplink_change() {
  if (auto st = uplink_->process(); !st) {
    log_.logf(LogLevel::kWarning, "%s", st.error().reason().c_str());
  }
  if (auto st = uplink_->keep_link_local(); !st) {
    log_.logf(LogLevel::kWarning, "%s", st.error().reason().c_str());
  }
  client::UplinkState state = uplink_->tracker().state();
  sync_dhcp_sockets(state);
  if (state == uplink_state_) return;
  uplink_state_ = std::move(state);
  log_.logf(LogLevel::kInfo, "uplink %s: %s", config_.uplink.c_str(),
            describe_uplink(uplink_state_).c_str());
  if (pcp_) {
    pcp_->on_uplink(uplink_state_, uplink_->tracker().ifindex(), now_);
  } else {
    engine_->on_uplink(uplink_state_, now_);
  }
}

// Sources the uplink lost are dropped (with their guards); the next send
// takes one into use anew. A re-created interface (new ifindex) drops them
// all and binds the raw socket to the new one.
void Daemon::sync_dhcp_sockets(const client::UplinkState& state) {
  int ifindex = uplink_->tracker().ifindex();
  if (ifindex != 0 && dhcp_->ifindex() != ifindex) {
    if (auto st = dhcp_->reset(ifindex); !st) {
      log_.logf(LogLevel::kError, "%s (retried on the next uplink change)",
                st.error().reason().c_str());
    } else {
      log_.logf(LogLevel::kInfo, "uplink %s is ifindex %d now; DHCP sources reset",
                config_.uplink.c_str(), ifindex);
    }
  }
  std::vector<Ipv6Address> keep;
  if (state.link_local) keep.push_back(*state.link_local);
  for (const client::UplinkAddress& a : state.global)
    keep.push_back(a.address);
  dhcp_->retain(keep);
}

void Daemon::on_control(int fd, uint32_t events) {
  auto request = control_->on_connection_readable(fd, events);
  if (!request) return;
  switch (*request) {
    case ControlRequest::kStatus:
      control_->reply(fd, status_json(snapshot()));
      return;
    case ControlRequest::kStatusText:
      control_->reply(fd, status_text(snapshot()));
      return;
    case ControlRequest::kRenew:
      log_.log(LogLevel::kNotice, "control: renewing");
      renew();
      break;
    case ControlRequest::kRelease:
      log_.log(LogLevel::kNotice, "control: releasing");
      release();
      break;
  }
  control_->reply(fd, kReplyOk);
}

DaemonStatus Daemon::snapshot() const {
  DaemonStatus s;
  s.uplink = config_.uplink;
  s.uplink_state = uplink_state_;
  s.engine = engine_->status();
  if (pcp_) {
    s.pcp = pcp_->snapshot();
    s.engine.applied = pcp_desired_;
  }
  s.applied = applied_;
  s.other_clients = other_clients_;
  s.tunnel_interface = tunnel_interface(config_, applied_.has_value());
  s.now = now_;
  sink_->fill_status(s);
  return s;
}

void Daemon::reload() {
  if (!command_line_.config_file) {
    log_.log(LogLevel::kNotice, "SIGHUP: no --config file to re-read");
    return;
  }
  const std::string& path = *command_line_.config_file;
  auto text = read_config_file(path);
  if (!text) {
    log_.logf(LogLevel::kError, "SIGHUP: %s; keeping the running configuration",
              text.error().reason().c_str());
    return;
  }
  auto settings = parse_config_text(*text, path);
  if (!settings) {
    log_.logf(LogLevel::kError, "SIGHUP: %s; keeping the running configuration",
              settings.error().reason().c_str());
    return;
  }
  auto reloaded = make_config(*settings, command_line_.settings);
  if (!reloaded) {
    log_.logf(LogLevel::kError, "SIGHUP: %s; keeping the running configuration",
              reloaded.error().reason().c_str());
    return;
  }
  for (std::string_view key : keys_needing_restart(config_, *reloaded)) {
    log_.logf(LogLevel::kWarning, "SIGHUP: %.*s changed in %s; restart lwb4d to apply it",
              static_cast<int>(key.size()), key.data(), path.c_str());
  }
  config_.log_level = reloaded->log_level;
  config_.syslog = reloaded->syslog;
  update_log_target();
  log_.logf(LogLevel::kNotice, "SIGHUP: re-read %s (log-level %s%s)", path.c_str(),
            log_level_name(config_.log_level), config_.syslog ? ", syslog" : "");
}

void Daemon::perform_actions() {
  client::Outbox actions = pcp_ ? pcp_->take_actions() : engine_->take_actions();
  for (const client::Action& action : actions) {
    if (const auto* t = std::get_if<client::Transmit>(&action)) {
      log_.logf(LogLevel::kDebug, "sending %zu bytes from %s to [%s]:%u", t->payload.size(),
                t->source.to_string().c_str(), t->destination.to_string().c_str(), t->port);
      const size_t sources = dhcp_->size();
      if (auto st = dhcp_->send(*t); !st) {
        log_.logf(LogLevel::kWarning, "not sent: %s", st.error().reason().c_str());
        continue;
      }
      if (dhcp_->size() > sources) {
        log_.logf(LogLevel::kInfo, "DHCP source [%s]:%u on %s (%s)", t->source.to_string().c_str(),
                  kDhcp6ClientPort, config_.uplink.c_str(),
                  dhcp_->guarded(t->source) ? "guarded"
                                            : "shared: another client holds it; replies sorted");
      }
    } else if (const auto* a = std::get_if<client::Apply>(&action)) {
      if (pcp_) pcp_desired_ = a->state;
      if (auto st = sink_->apply(a->state); !st) {
        log_.logf(LogLevel::kError, "apply failed: %s", st.error().reason().c_str());
      } else {
        applied_ = a->state;
        if (script_) script_->run(script_environment(&a->state, config_.softwire));
      }
      if (kernel_watch_) kernel_watch_->rearm();
    } else if (const auto* w = std::get_if<client::Withdraw>(&action)) {
      if (pcp_) pcp_desired_.reset();
      if (auto st = sink_->withdraw(w->reason); !st) {
        log_.logf(LogLevel::kError, "withdraw failed: %s", st.error().reason().c_str());
      } else {
        applied_.reset();
        if (script_) script_->run(script_environment(nullptr, config_.softwire, w->reason));
      }
    } else if (const auto* s = std::get_if<client::StoreLease>(&action)) {
      auto outcome = lease_store_->store(s->lease, ClockSample::read());
      if (!outcome) {
        log_.logf(LogLevel::kWarning, "lease file: %s", outcome.error().reason().c_str());
      } else {
        log_.logf(LogLevel::kDebug, "lease file %s: %s", lease_store_->path().c_str(),
                  outcome_name(*outcome));
      }
    } else if (const auto* l = std::get_if<client::Log>(&action)) {
      log_.log(l->level, l->text);
    }
  }
}

}  // namespace lwb4::platform
