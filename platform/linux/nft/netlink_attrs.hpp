// Attribute iteration for C++: libmnl's mnl_attr_for_each macros convert
// void* implicitly, which C++ rejects.
#pragma once

#include <libmnl/libmnl.h>

namespace lwb4::nft {

template <class F>
void for_each_attr(const void* start, size_t len, F&& f) {
  const auto* a = static_cast<const nlattr*>(start);
  int rest = static_cast<int>(len);
  while (mnl_attr_ok(a, rest)) {
    f(a);
    rest -= static_cast<int>(MNL_ALIGN(a->nla_len));
    a = mnl_attr_next(a);
  }
}

// The attributes of a message after its `header` bytes of family header.
template <class F>
void for_each_attr(const nlmsghdr* h, size_t header, F&& f) {
  const void* start = mnl_nlmsg_get_payload_offset(h, header);
  const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(h));
  for_each_attr(start, static_cast<size_t>(tail - static_cast<const char*>(start)), f);
}

template <class F>
void for_each_nested(const nlattr* nest, F&& f) {
  for_each_attr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), f);
}

}  // namespace lwb4::nft
