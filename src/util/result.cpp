#include "lwb4/util/result.hpp"

#include <cstdio>

namespace lwb4 {

Error make_error(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return Error(buf);
}

}  // namespace lwb4
