#include "daemon/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace lwb4::platform {
namespace {

constexpr uint64_t bit(int cap) {
  return uint64_t{1} << cap;
}

Status capset_all(uint64_t permitted, uint64_t effective) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  data[0].permitted = static_cast<uint32_t>(permitted);
  data[1].permitted = static_cast<uint32_t>(permitted >> 32);
  data[0].effective = static_cast<uint32_t>(effective);
  data[1].effective = static_cast<uint32_t>(effective >> 32);
  if (::syscall(SYS_capset, &header, data) < 0) {
    return make_error("capset: %s", std::strerror(errno));
  }
  return {};
}

}  // namespace

uint64_t kept_capabilities() {
  return bit(CAP_NET_ADMIN) | bit(CAP_NET_BIND_SERVICE) | bit(CAP_NET_RAW);
}

Result<UserIds> lookup_user(const std::string& name) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int err = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (err != 0) return make_error("--user %s: %s", name.c_str(), std::strerror(err));
  if (!found) return make_error("--user %s: no such user", name.c_str());
  return UserIds{name, found->pw_uid, found->pw_gid};
}

Result<uint64_t> effective_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) < 0) {
    return make_error("capget: %s", std::strerror(errno));
  }
  return uint64_t{data[0].effective} | uint64_t{data[1].effective} << 32;
}

Status drop_privileges(const UserIds& ids) {
  // Keep the permitted set across setuid(), then cut it down.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
    return make_error("prctl(PR_SET_KEEPCAPS): %s", std::strerror(errno));
  }
  if (::setgroups(1, &ids.gid) < 0) return make_error("setgroups: %s", std::strerror(errno));
  if (::setgid(ids.gid) < 0) {
    return make_error("setgid(%u): %s", static_cast<unsigned>(ids.gid), std::strerror(errno));
  }
  if (::setuid(ids.uid) < 0) {
    return make_error("setuid(%u): %s", static_cast<unsigned>(ids.uid), std::strerror(errno));
  }
  if (auto st = capset_all(kept_capabilities(), kept_capabilities()); !st) return st;
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (ids.uid != 0 && ::setuid(0) == 0) return make_error("setuid(0) still works after the drop");
  auto effective = effective_capabilities();
  if (!effective) return effective.error();
  if (*effective != kept_capabilities()) {
    return make_error("effective capabilities are %#llx, not %#llx",
                      static_cast<unsigned long long>(*effective),
                      static_cast<unsigned long long>(kept_capabilities()));
  }
  return {};
}

}  // namespace lwb4::platform
