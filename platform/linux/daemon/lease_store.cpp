#include "daemon/lease_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "daemon/file_util.hpp"
#include "daemon/unique_fd.hpp"

namespace lwb4::platform {
namespace {

constexpr size_t kMaxLeaseFile = 16 * 1024;
constexpr int64_t kFutureToleranceSeconds = 60;

constexpr std::array<std::string_view, 14> kLeaseKeys = {
    "version",         "address", "offset", "psid-len",   "psid", "server-id", "transport-source",
    "softwire-source", "br",      "dns",    "lease-time", "t1",   "t2",        "acquired",
};

std::string errno_text() {
  return std::strerror(errno);
}

int quote_len(std::string_view s) {
  return static_cast<int>(std::min<size_t>(s.size(), 64));
}

std::optional<int64_t> parse_int(std::string_view text, int64_t min, int64_t max) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) return std::nullopt;
  return v;
}

Status write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("write: %s", errno_text().c_str());
    text.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Status sync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) < 0) {
    return make_error("fsync %s: %s", dir.c_str(), errno_text().c_str());
  }
  return {};
}

}  // namespace

std::string format_lease(const client::Lease& lease, const ClockSample& clocks) {
  std::string dns;
  for (const Ipv4Address& a : lease.dns_servers) {
    if (!dns.empty()) dns += ',';
    dns += a.to_string();
  }
  std::string out = "# lwb4d DHCPv4 lease; acquired is wall-clock Unix seconds\n";
  auto line = [&out](std::string_view key, const std::string& value) {
    out.append(key).append("=").append(value).append("\n");
  };
  line("version", std::to_string(kLeaseFileVersion));
  line("address", lease.address.to_string());
  line("offset", std::to_string(lease.ports.offset()));
  line("psid-len", std::to_string(lease.ports.psid_len()));
  line("psid", std::to_string(lease.ports.psid()));
  line("server-id", lease.server_id.to_string());
  line("transport-source", lease.transport_source.to_string());
  line("softwire-source", lease.softwire_source.to_string());
  line("br", lease.br.to_string());
  line("dns", dns);
  line("lease-time", std::to_string(lease.lease_time.count()));
  line("t1", std::to_string(lease.t1.count()));
  line("t2", std::to_string(lease.t2.count()));
  line("acquired", std::to_string(clocks.wall_seconds_of(lease.acquired)));
  return out;
}

Result<client::Lease> parse_lease(std::string_view text, const ClockSample& clocks) {
  if (text.empty()) return make_error("empty file");
  if (text.back() != '\n') return make_error("truncated: no newline at the end");
  std::array<std::optional<std::string_view>, kLeaseKeys.size()> values;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return make_error("line %zu: no '='", line_no);
    std::string_view key = line.substr(0, eq);
    auto it = std::find(kLeaseKeys.begin(), kLeaseKeys.end(), key);
    if (it == kLeaseKeys.end()) {
      return make_error("line %zu: unknown key '%.*s'", line_no, quote_len(key), key.data());
    }
    auto& slot = values[static_cast<size_t>(it - kLeaseKeys.begin())];
    if (slot) return make_error("line %zu: %.*s given twice", line_no, quote_len(key), key.data());
    slot = line.substr(eq + 1);
  }
  for (size_t i = 0; i < kLeaseKeys.size(); ++i) {
    if (!values[i]) {
      return make_error("missing %.*s", quote_len(kLeaseKeys[i]), kLeaseKeys[i].data());
    }
  }
  auto value = [&](std::string_view key) {
    return *values[static_cast<size_t>(std::find(kLeaseKeys.begin(), kLeaseKeys.end(), key) -
                                       kLeaseKeys.begin())];
  };
  auto bad = [](std::string_view key, std::string_view v, const char* what) {
    return make_error("%.*s '%.*s' %s", quote_len(key), key.data(), quote_len(v), v.data(), what);
  };
  auto number = [&](std::string_view key, int64_t min, int64_t max) -> Result<int64_t> {
    auto n = parse_int(value(key), min, max);
    if (!n) return bad(key, value(key), "is not a number in range");
    return *n;
  };
  auto ipv4 = [&](std::string_view key) -> Result<Ipv4Address> {
    auto a = Ipv4Address::parse(value(key));
    if (!a) return bad(key, value(key), "is not an IPv4 address");
    return *a;
  };
  auto ipv6 = [&](std::string_view key) -> Result<Ipv6Address> {
    auto a = Ipv6Address::parse(value(key));
    if (!a) return bad(key, value(key), "is not an IPv6 address");
    return *a;
  };

  auto version = number("version", 0, 1 << 30);
  if (!version) return version.error();
  if (*version != kLeaseFileVersion) {
    return make_error("version %lld is not supported (expected %d)",
                      static_cast<long long>(*version), kLeaseFileVersion);
  }
  client::Lease lease;
  for (auto [key, out] :
       {std::pair{"address", &lease.address}, std::pair{"server-id", &lease.server_id}}) {
    auto a = ipv4(key);
    if (!a) return a.error();
    *out = *a;
  }
  for (auto [key, out] :
       {std::pair{"transport-source", &lease.transport_source},
        std::pair{"softwire-source", &lease.softwire_source}, std::pair{"br", &lease.br}}) {
    auto a = ipv6(key);
    if (!a) return a.error();
    *out = *a;
  }

  auto offset = number("offset", 0, 255);
  auto psid_len = number("psid-len", 0, 255);
  auto psid = number("psid", 0, 0xffff);
  auto lease_time = number("lease-time", 0, 0xffffffff);
  auto t1 = number("t1", 0, 0xffffffff);
  auto t2 = number("t2", 0, 0xffffffff);
  auto acquired = number("acquired", INT64_MIN / 2, INT64_MAX / 2);
  for (const auto* n : {&offset, &psid_len, &psid, &lease_time, &t1, &t2, &acquired}) {
    if (!*n) return n->error();
  }
  auto ports = PortSet::create(static_cast<unsigned>(*offset), static_cast<unsigned>(*psid_len),
                               static_cast<unsigned>(*psid));
  if (!ports) return ports.error().wrap("port set");
  lease.ports = *ports;
  lease.lease_time = client::Seconds(*lease_time);
  lease.t1 = client::Seconds(*t1);
  lease.t2 = client::Seconds(*t2);

  std::string_view dns = value("dns");
  while (!dns.empty()) {
    size_t comma = dns.find(',');
    std::string_view item = dns.substr(0, comma);
    auto a = Ipv4Address::parse(item);
    if (!a) return bad("dns", item, "is not an IPv4 address");
    lease.dns_servers.push_back(*a);
    dns = comma == std::string_view::npos ? std::string_view() : dns.substr(comma + 1);
    if (comma != std::string_view::npos && dns.empty())
      return bad("dns", value("dns"), "ends in ','");
  }

  int64_t wall_now_s = clocks.wall_ms / 1000;
  if (*acquired > wall_now_s + kFutureToleranceSeconds) {
    return make_error("acquired %lld is %lld s in the future (was the clock set back?)",
                      static_cast<long long>(*acquired),
                      static_cast<long long>(*acquired - wall_now_s));
  }
  lease.acquired = clocks.boot_of(*acquired);
  return lease;
}

LeaseStore::LeaseStore(std::string dir, std::string_view uplink)
    : dir_(std::move(dir)), name_(std::string(uplink) + ".lease"), path_(dir_ + "/" + name_) {}

Result<std::optional<client::Lease>> LeaseStore::load(const ClockSample& clocks) {
  if (DIR* d = ::opendir(dir_.c_str())) {
    std::string temp_prefix = "." + name_ + ".";
    while (dirent* e = ::readdir(d)) {
      if (std::string_view(e->d_name).starts_with(temp_prefix)) {
        ::unlinkat(::dirfd(d), e->d_name, 0);
      }
    }
    ::closedir(d);
  }
  auto text = read_file(path_, kMaxLeaseFile);
  if (!text) return text.error();
  if (!*text) return std::optional<client::Lease>();
  auto lease = parse_lease(**text, clocks);
  if (!lease) return lease.error().wrap(path_);
  last_lease_ = *lease;
  last_text_ = **text;
  return std::optional<client::Lease>(*lease);
}

Result<StoreOutcome> LeaseStore::store(const std::optional<client::Lease>& lease,
                                       const ClockSample& clocks) {
  if (!lease) {
    last_lease_.reset();
    last_text_.clear();
    if (::unlink(path_.c_str()) < 0) {
      if (errno == ENOENT) return StoreOutcome::kAbsent;
      return make_error("unlink %s: %s", path_.c_str(), errno_text().c_str());
    }
    if (auto st = sync_dir(dir_); !st) return st.error();
    return StoreOutcome::kRemoved;
  }
  std::string text =
      last_lease_ && *last_lease_ == *lease ? last_text_ : format_lease(*lease, clocks);
  auto current = read_file(path_, kMaxLeaseFile);
  if (current && *current && **current == text) {
    last_lease_ = *lease;
    last_text_ = std::move(text);
    return StoreOutcome::kUnchanged;
  }
  if (auto st = make_dirs(dir_); !st) return st.error();
  std::string temp = dir_ + "/." + name_ + ".XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) return make_error("create %s: %s", temp.c_str(), errno_text().c_str());
  Status written = write_all(fd.get(), text);
  if (written && ::fchmod(fd.get(), 0644) < 0) {
    written = make_error("fchmod: %s", errno_text().c_str());
  }
  if (written && ::fsync(fd.get()) < 0) written = make_error("fsync: %s", errno_text().c_str());
  if (written && ::close(fd.release()) < 0) {
    written = make_error("close: %s", errno_text().c_str());
  }
  if (written && ::rename(temp.c_str(), path_.c_str()) < 0) {
    written = make_error("rename to %s: %s", path_.c_str(), errno_text().c_str());
  }
  if (!written) {
    ::unlink(temp.c_str());
    return written.error().wrap(temp);
  }
  last_lease_ = *lease;
  last_text_ = std::move(text);
  if (auto st = sync_dir(dir_); !st) return st.error();
  return StoreOutcome::kWritten;
}

}  // namespace lwb4::platform
