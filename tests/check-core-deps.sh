#!/bin/sh
# Fails if the core archive references anything beyond the C/C++ runtime
# that would mean I/O, clocks, randomness or a networking library: the core
# is sans-IO (docs/design.md). Usage: check-core-deps.sh liblwb4core.a
set -eu
lib=$1
NM=${NM:-nm}
undef=$($NM -u --format=posix "$lib" 2>/dev/null | awk '{print $1}' | sort -u)
bad=$(printf '%s\n' "$undef" | grep -E \
  '^(socket|bind|connect|send|sendto|sendmsg|recv|recvfrom|recvmsg|read|write|open|open64|openat|close|ioctl|poll|select|epoll_.*|clock_gettime|gettimeofday|time|getrandom|rand|random|srand|arc4random|sleep|usleep|nanosleep|fork|exec.*|system|getenv|std::cout|_ZSt4cout|_ZSt4cerr|nl_.*|rtnl_.*|nftnl_.*|mnl_.*|ubus_.*|__cxa_throw|__cxa_allocate_exception)(@.*)?$' || true)
if [ -n "$bad" ]; then
  echo "lwb4core must stay sans-IO and runtime-only; it references:" >&2
  printf '%s\n' "$bad" | sed 's/^/  /' >&2
  exit 1
fi
echo "lwb4core: $(printf '%s\n' "$undef" | grep -c .) undefined symbols, all from the C/C++ runtime"
