#include "daemon/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/unique_fd.hpp"

namespace lwb4::platform {

Result<std::optional<std::string>> read_file(const std::string& path, size_t limit) {
  // The state directory may belong to --user: no symlink followed, no FIFO
  // waited on (root reads the lease before dropping privileges).
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) return make_error("%s: a symbolic link, not read", path.c_str());
    return make_error("%s: %s", path.c_str(), std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return make_error("%s: %s", path.c_str(), std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return make_error("%s: not a regular file, not read", path.c_str());
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("%s: %s", path.c_str(), std::strerror(errno));
    if (n == 0) return std::optional<std::string>(std::move(text));
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > limit) return make_error("%s: larger than %zu bytes", path.c_str(), limit);
  }
}

Status make_dirs(const std::string& dir, mode_t mode) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST) {
      return make_error("mkdir %s: %s", part.c_str(), std::strerror(errno));
    }
  }
  return {};
}

}  // namespace lwb4::platform
