#include "daemon/getrandom_random.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

namespace lwb4::platform {
namespace {

// Transaction ids and retransmission jitter need unpredictability, not key
// strength: GRND_INSECURE (Linux 5.6+) never blocks early in boot, which is
// when a router starts its uplink client. Older kernels reject the flag.
bool fill_getrandom(uint8_t* out, size_t size) {
  static int flags = GRND_INSECURE;
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::getrandom(out + done, size - done, flags);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && flags != 0) {
      flags = 0;
      continue;
    }
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool fill_urandom(uint8_t* out, size_t size) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == size;
}

}  // namespace

void GetrandomRandom::refill() {
  auto* bytes = reinterpret_cast<uint8_t*>(pool_.data());
  size_t size = sizeof(pool_);
  if (!fill_getrandom(bytes, size) && !fill_urandom(bytes, size)) {
    // Without randomness every transaction id would be predictable.
    std::fputs("lwb4d: no source of randomness (getrandom, /dev/urandom)\n", stderr);
    std::abort();
  }
  left_ = pool_.size();
}

uint32_t GetrandomRandom::next_u32() {
  if (left_ == 0) refill();
  return pool_[--left_];
}

}  // namespace lwb4::platform
