// lwb4d's one thread: an epoll loop over the signalfd, the deadline timer,
// the DHCP socket, the netlink uplink monitor and the control socket,
// feeding events to client::Engine and performing the actions it returns.
// Between events it sleeps; an idle bound client makes no syscalls until
// the engine's next deadline.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "daemon/control_server.hpp"
#include "daemon/daemon_config.hpp"
#include "daemon/deadline_timer.hpp"
#include "daemon/dhcp_socket.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/getrandom_random.hpp"
#include "daemon/lease_store.hpp"
#include "daemon/logger.hpp"
#include "daemon/netlink_uplink.hpp"
#include "daemon/pcp_driver.hpp"
#include "daemon/script_runner.hpp"
#include "daemon/signal_source.hpp"
#include "daemon/state_sink.hpp"
#include "daemon/status_report.hpp"
#include "lwb4/client/engine.hpp"
#include "netlink/kernel_watch.hpp"

namespace lwb4::platform {

class Daemon {
 public:
  Daemon(DaemonConfig config, CommandLine command_line, Logger& log);
  ~Daemon();

  // Opens everything (signals, timer, netlink, the DHCP and control
  // sockets) and loads the stored lease. An Error means exit status 1.
  Status setup();
  // Starts the engine and runs until SIGTERM/SIGINT; the exit status.
  int run();

 private:
  enum Kind : uint32_t {
    kSignal,
    kTimer,
    kDhcp,
    kNetlink,
    kControlListen,
    kControlConnection,
    kPcp,
    kSink,
    kKernelWatch
  };

  Status open_nat();
  void handle(const Event& event);
  void on_signal();
  void on_timer();
  void on_datagrams(int fd);
  void on_uplink_change();
  void on_control(int fd, uint32_t events);
  void reload();
  void sync_dhcp_sockets(const client::UplinkState& state);
  void perform_actions();
  client::TimePoint next_deadline() const;
  void renew();
  void release();
  void arm_timer();
  DaemonStatus snapshot() const;
  void update_log_target();

  DaemonConfig config_;
  CommandLine command_line_;
  Logger& log_;
  GetrandomRandom random_;
  std::optional<EventLoop> loop_;
  std::optional<SignalSource> signals_;
  std::optional<DeadlineTimer> timer_;
  std::unique_ptr<NetlinkUplink> uplink_;
  std::optional<DhcpSocketSet> dhcp_;
  uint64_t other_clients_ = 0;  // datagrams left to another client (dhcp_socket.hpp)
  std::unique_ptr<ControlServer> control_;
  std::optional<LeaseStore> lease_store_;
  std::optional<client::Lease> stored_lease_;
  std::unique_ptr<StateSink> sink_;
  std::unique_ptr<ScriptRunner> script_;
  // With --kernel netlink: heals the sink's objects (kernel_watch.hpp).
  std::unique_ptr<KernelWatch> kernel_watch_;
  std::optional<client::DesiredState> applied_;
  // --mode pcp: the state the PCP client last asked for (the engine, which
  // holds this otherwise, does not run); status compares it with applied_.
  std::optional<client::DesiredState> pcp_desired_;
  std::optional<client::Engine> engine_;
  std::unique_ptr<PcpDriver> pcp_;  // --mode pcp: drives the PCP client instead of engine_
  client::UplinkState uplink_state_;
  std::vector<uint8_t> buffer_;
  client::TimePoint now_{};
  int stuck_timer_ = 0;
  bool stop_ = false;
};

}  // namespace lwb4::platform
