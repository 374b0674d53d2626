// Helpers for the platform tests: a temporary directory, a private network
// namespace, and the sample values the tests share.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "lwb4/client/desired_state.hpp"

namespace lwb4::platform::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lwb4-test-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Moves the calling thread into a fresh network namespace (only a down
// "lo") and back on destruction. ok() is false without CAP_SYS_ADMIN.
class ScopedNetns {
 public:
  ScopedNetns() {
    original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ >= 0 && ::unshare(CLONE_NEWNET) == 0) ok_ = true;
  }
  ~ScopedNetns() {
    if (ok_) ::setns(original_, CLONE_NEWNET);
    if (original_ >= 0) ::close(original_);
  }
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

  bool ok() const { return ok_; }

 private:
  int original_ = -1;
  bool ok_ = false;
};

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// RFC 7597 Appendix A example 1 port set on a documentation address.
inline client::Lease sample_lease(client::TimePoint acquired) {
  client::Lease l;
  l.address = *Ipv4Address::parse("192.0.2.18");
  l.ports = *PortSet::create(6, 8, 52);
  l.server_id = *Ipv4Address::parse("192.0.2.1");
  l.transport_source = *Ipv6Address::parse("2001:db8:1::2");
  l.softwire_source = *Ipv6Address::parse("2001:db8:1::3");
  l.br = *Ipv6Address::parse("2001:db8:ffff::1");
  l.dns_servers = {*Ipv4Address::parse("192.0.2.53"), *Ipv4Address::parse("192.0.2.54")};
  l.acquired = acquired;
  l.lease_time = client::Seconds(3600);
  l.t1 = client::Seconds(1800);
  l.t2 = client::Seconds(3150);
  return l;
}

}  // namespace lwb4::platform::testing
