#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/control_client.hpp"
#include "daemon/control_protocol.hpp"
#include "daemon/control_server.hpp"
#include "daemon/event_loop.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

using testing::contains;
using testing::TempDir;

constexpr uint32_t kListen = 1;
constexpr uint32_t kConnection = 2;

Result<ControlCommand> parse(std::string_view command, std::vector<std::string_view> args) {
  return parse_control_args(command, args);
}

std::string parse_error(std::string_view command, std::vector<std::string_view> args) {
  auto r = parse(command, args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "(no error)" : r.error().reason();
}

TEST(ControlProtocol, Requests) {
  EXPECT_EQ(parse_control_request("status"), ControlRequest::kStatus);
  EXPECT_EQ(parse_control_request("status-text\n"), ControlRequest::kStatusText);
  EXPECT_EQ(parse_control_request("renew"), ControlRequest::kRenew);
  EXPECT_EQ(parse_control_request("release"), ControlRequest::kRelease);
  EXPECT_FALSE(parse_control_request("Status"));
  EXPECT_FALSE(parse_control_request("status\n\n"));
  EXPECT_FALSE(parse_control_request(""));
  EXPECT_EQ(default_control_path("wan"), "/var/run/lwb4/wan.sock");
}

TEST(ControlArgs, Commands) {
  auto status = parse("status", {});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->request, ControlRequest::kStatusText);
  EXPECT_FALSE(status->uplink);
  EXPECT_FALSE(status->control_path);
  auto json = parse("status", {"--json", "--uplink", "wan"});
  ASSERT_TRUE(json);
  EXPECT_EQ(json->request, ControlRequest::kStatus);
  EXPECT_EQ(json->uplink, "wan");
  auto renew = parse("renew", {"--control=/tmp/x.sock"});
  ASSERT_TRUE(renew);
  EXPECT_EQ(renew->request, ControlRequest::kRenew);
  EXPECT_EQ(renew->control_path, "/tmp/x.sock");
  auto release = parse("release", {"--uplink=wan"});
  ASSERT_TRUE(release);
  EXPECT_EQ(release->request, ControlRequest::kRelease);
  auto help = parse("status", {"--uplink", "wan", "--help"});
  ASSERT_TRUE(help);
  EXPECT_TRUE(help->help);
  EXPECT_TRUE(control_usage().starts_with("usage: lwb4ctl status  [--uplink IF | --control PATH]"));
}

TEST(ControlArgs, Errors) {
  EXPECT_EQ(parse_error("stop", {}), "unknown command 'stop'");
  EXPECT_EQ(parse_error("status", {"wan"}), "unexpected argument 'wan'");
  EXPECT_EQ(parse_error("renew", {"--json"}), "unknown option '--json' for 'renew'");
  EXPECT_EQ(parse_error("status", {"--verbose"}), "unknown option '--verbose' for 'status'");
  EXPECT_EQ(parse_error("status", {"--json=1"}), "--json takes no value");
  EXPECT_EQ(parse_error("status", {"--json", "--json"}), "--json given twice");
  EXPECT_EQ(parse_error("status", {"--uplink"}), "--uplink needs a value");
  EXPECT_EQ(parse_error("status", {"--uplink", "--json"}), "--uplink needs a value");
  EXPECT_EQ(parse_error("status", {"--control="}), "--control is empty");
  EXPECT_EQ(parse_error("status", {"--uplink", "a", "--uplink=b"}), "--uplink given twice");
  EXPECT_EQ(parse_error("status", {"--uplink", "../x"}),
            "--uplink '../x' is not an interface name");
  EXPECT_EQ(parse_error("status", {"--uplink", "a", "--control", "/b"}),
            "give --uplink or --control, not both");
}

TEST(ControlArgs, ResolvePath) {
  TempDir dir;
  ControlCommand c;
  c.control_path = "/x/y.sock";
  EXPECT_EQ(*resolve_control_path(c, dir.path()), "/x/y.sock");
  c = ControlCommand{};
  c.uplink = "wan";
  EXPECT_EQ(*resolve_control_path(c, dir.path()), dir.file("wan.sock"));

  c = ControlCommand{};
  auto none = resolve_control_path(c, dir.path());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason(),
            "no lwb4d control socket in " + dir.path() + " (is lwb4d running?)");
  std::ofstream(dir.file("wan.sock")) << "";
  std::ofstream(dir.file("notes.txt")) << "";
  EXPECT_EQ(*resolve_control_path(c, dir.path()), dir.file("wan.sock"));
  std::ofstream(dir.file("wan6.sock")) << "";
  auto two = resolve_control_path(c, dir.path());
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().reason(), "2 lwb4d sockets in " + dir.path() +
                                      " (wan.sock, wan6.sock): choose one with --uplink or "
                                      "--control");
  auto no_dir = resolve_control_path(c, dir.file("missing"));
  ASSERT_FALSE(no_dir);
  EXPECT_EQ(no_dir.error().reason(), "no lwb4d control socket: " + dir.file("missing") +
                                         ": No such file or directory (is lwb4d running?)");
}

// A connected client socket that sends `text` (if any) and stays open.
int connect_to(const std::string& path, std::string_view text = {}) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  if (!text.empty()) ::send(fd, text.data(), text.size(), 0);
  return fd;
}

std::string receive_reply(int fd) {
  std::string buffer(kMaxControlReply, '\0');
  ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
  buffer.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buffer;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    loop_.emplace(std::move(*loop));
    path_ = dir_.file("run/lwb4/wan0.sock");
    auto server = ControlServer::open(path_, *loop_, kListen, kConnection);
    ASSERT_TRUE(server) << server.error().reason();
    server_ = std::move(*server);
  }

  // One pass of the daemon's loop; answers status with `reply` and
  // returns the requests seen.
  std::vector<ControlRequest> pump(int timeout_ms, const std::string& reply = "{}\n") {
    std::vector<ControlRequest> seen;
    auto events = loop_->wait(timeout_ms);
    EXPECT_TRUE(events);
    for (const Event& e : *events) {
      if (e.token.kind == kListen) {
        server_->on_listen_readable();
      } else if (e.token.kind == kConnection) {
        auto r = server_->on_connection_readable(e.token.fd, e.events);
        if (!r) continue;
        seen.push_back(*r);
        server_->reply(e.token.fd, *r == ControlRequest::kStatus ? reply : kReplyOk);
      }
    }
    return seen;
  }

  TempDir dir_;
  std::string path_;
  std::optional<EventLoop> loop_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, SocketIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ControlServerTest, ExchangeWithTheClient) {
  Result<std::string> reply = make_error("not run");
  std::thread client([&] { reply = control_exchange(path_, ControlRequest::kStatus); });
  std::vector<ControlRequest> seen;
  for (int i = 0; i < 10 && seen.empty(); ++i) {
    auto s = pump(1000, "{\"uplink\":{}}\n");
    seen.insert(seen.end(), s.begin(), s.end());
  }
  client.join();
  EXPECT_EQ(seen, std::vector<ControlRequest>{ControlRequest::kStatus});
  ASSERT_TRUE(reply) << reply.error().reason();
  EXPECT_EQ(*reply, "{\"uplink\":{}}\n");
  EXPECT_EQ(server_->pending(), 0u);

  std::thread renew([&] { reply = control_exchange(path_, ControlRequest::kRenew); });
  seen.clear();
  for (int i = 0; i < 10 && seen.empty(); ++i)
    seen = pump(1000);
  renew.join();
  EXPECT_EQ(seen, std::vector<ControlRequest>{ControlRequest::kRenew});
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, kReplyOk);
}

TEST_F(ControlServerTest, BadRequestsAreAnsweredWithAnError) {
  int garbage = connect_to(path_, "shutdown\x01now");
  int too_long = connect_to(path_, std::string(200, 's'));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(pump(100).empty());
  EXPECT_EQ(receive_reply(garbage),
            "error: unknown request 'shutdown?now' (status, status-text, renew, release)\n");
  EXPECT_EQ(receive_reply(too_long), "error: request too long\n");
  ::close(garbage);
  ::close(too_long);
  EXPECT_EQ(server_->pending(), 0u);
}

TEST_F(ControlServerTest, ErrorReplyBecomesAnError) {
  // A client talking to something that answers "error: ...".
  int fd = connect_to(path_);
  pump(100);
  ASSERT_EQ(server_->pending(), 1u);
  ::close(fd);
  pump(100);  // the hang-up closes it
  EXPECT_EQ(server_->pending(), 0u);
}

TEST_F(ControlServerTest, SilentClientsAreBounded) {
  std::vector<int> clients;
  for (size_t i = 0; i < ControlServer::kMaxPending + 2; ++i) {
    clients.push_back(connect_to(path_));
    pump(50);  // accepted one by one, as a busy loop would
  }
  EXPECT_EQ(server_->pending(), ControlServer::kMaxPending);
  EXPECT_EQ(server_->dropped(), 2u);
  // The two oldest were closed: they read end-of-file.
  EXPECT_EQ(receive_reply(clients[0]), "");
  // A newer one is still served.
  ::send(clients.back(), "status", 6, 0);
  EXPECT_EQ(pump(1000), std::vector<ControlRequest>{ControlRequest::kStatus});
  EXPECT_EQ(receive_reply(clients.back()), "{}\n");
  for (int fd : clients)
    ::close(fd);
}

TEST_F(ControlServerTest, OutOfDescriptorsTheWaitingClientIsClosedNotSpunOn) {
  int client = connect_to(path_);
  // Use up every descriptor the process may have.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  std::vector<int> hogs;
  rlimit low = old;
  low.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;)
    hogs.push_back(fd);
  server_->on_listen_readable();
  for (int fd : hogs)
    ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  // Nothing left waiting on the listening socket, so the loop will not
  // wake for it again; the client was closed.
  pollfd p{server_->listen_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  EXPECT_EQ(server_->dropped(), 1u);
  EXPECT_EQ(receive_reply(client), "");
  ::close(client);
  // And the server still serves once descriptors are back.
  int next = connect_to(path_, "status");
  std::vector<ControlRequest> seen;
  for (int i = 0; i < 5 && seen.empty(); ++i)
    seen = pump(1000);
  EXPECT_EQ(seen, std::vector<ControlRequest>{ControlRequest::kStatus});
  EXPECT_EQ(receive_reply(next), "{}\n");
  ::close(next);
}

TEST_F(ControlServerTest, SecondServerOnTheSamePathIsRefused) {
  auto second = ControlServer::open(path_, *loop_, kListen, kConnection);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().reason(), path_ + ": another lwb4d is running on it");
}

TEST_F(ControlServerTest, StaleSocketIsReplacedAndRemovedAtExit) {
  server_.reset();  // as if the daemon had been killed: recreate a dead socket file
  EXPECT_FALSE(std::filesystem::exists(path_));
  int dead = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path_.data(), path_.size());
  ASSERT_EQ(::bind(dead, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(dead);
  ASSERT_TRUE(std::filesystem::exists(path_));
  auto again = ControlServer::open(path_, *loop_, kListen, kConnection);
  ASSERT_TRUE(again) << again.error().reason();
  again->reset();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST(ControlServer, OpenErrors) {
  TempDir dir;
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  std::ofstream(dir.file("plain")) << "x";
  auto not_socket = ControlServer::open(dir.file("plain"), *loop, kListen, kConnection);
  ASSERT_FALSE(not_socket);
  EXPECT_EQ(not_socket.error().reason(), dir.file("plain") + " exists and is not a socket");
  auto too_long = ControlServer::open("/" + std::string(120, 'x'), *loop, kListen, kConnection);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().reason(), "control socket path must be 1..107 bytes");
}

TEST(ControlClient, NoDaemon) {
  TempDir dir;
  auto r = control_exchange(dir.file("none.sock"), ControlRequest::kStatus);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "cannot connect to " + dir.file("none.sock") +
                                    ": No such file or directory (is lwb4d running?)");
}

TEST(ControlClient, SilentDaemonTimesOut) {
  TempDir dir;
  std::string path = dir.file("mute.sock");
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  auto r = control_exchange(path, ControlRequest::kStatus, 50);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "no reply from lwb4d within 50 ms");
  ::close(fd);
}

TEST(ControlClient, ErrorReply) {
  TempDir dir;
  std::string path = dir.file("err.sock");
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  std::thread server([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    char buf[64];
    ::recv(c, buf, sizeof buf, 0);
    ::send(c, "error: engine busy\n", 19, 0);
    ::close(c);
  });
  auto r = control_exchange(path, ControlRequest::kRenew);
  server.join();
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "lwb4d: engine busy");
}

}  // namespace
}  // namespace lwb4::platform
