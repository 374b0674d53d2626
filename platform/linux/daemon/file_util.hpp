// Small file-system helpers shared by the lease store, the config file and
// the control socket.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "lwb4/util/result.hpp"

namespace lwb4::platform {

// The whole file, or nullopt when it does not exist; an Error when it
// cannot be read or is larger than `limit` bytes.
Result<std::optional<std::string>> read_file(const std::string& path, size_t limit);
// mkdir -p with `mode` for the directories it creates.
Status make_dirs(const std::string& dir, mode_t mode = 0755);

}  // namespace lwb4::platform
