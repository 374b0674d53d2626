#include "lwb4/wire/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace lwb4 {
namespace {

// Splits "addr/len" and parses len in [0, max].
Result<unsigned> split_prefix(std::string_view text, std::string_view& addr, unsigned max) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return make_error("missing '/length'");
  addr = text.substr(0, slash);
  std::string_view len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size() ||
      len > max) {
    return make_error("bad prefix length '%.*s' (0..%u)", static_cast<int>(len_text.size()),
                      len_text.data(), max);
  }
  return len;
}

}  // namespace

Ipv4Address Ipv4Address::from_u32(uint32_t v) {
  return Ipv4Address{{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                      static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}};
}

uint32_t Ipv4Address::to_u32() const {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  char buf[INET_ADDRSTRLEN];
  Ipv4Address a;
  if (text.size() >= sizeof buf) return make_error("not an IPv4 address");
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) {
    return make_error("not an IPv4 address: '%s'", buf);
  }
  return a;
}

std::string Ipv4Address::to_string() const {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<Ipv6Address> Ipv6Address::parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  Ipv6Address a;
  if (text.size() >= sizeof buf) return make_error("not an IPv6 address");
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
    return make_error("not an IPv6 address: '%s'", buf);
  }
  return a;
}

std::string Ipv6Address::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool Ipv6Address::is_zero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

Result<Ipv4Prefix> Ipv4Prefix::make(Ipv4Address address, unsigned length) {
  if (length > 32) return make_error("IPv4 prefix length %u > 32", length);
  bits::clear_from(address.bytes, length);
  return Ipv4Prefix{address, static_cast<uint8_t>(length)};
}

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  std::string_view addr;
  auto len = split_prefix(text, addr, 32);
  if (!len) return len.error();
  auto a = Ipv4Address::parse(addr);
  if (!a) return a.error();
  return make(*a, *len);
}

bool Ipv4Prefix::contains(Ipv4Address a) const {
  bits::clear_from(a.bytes, length);
  return a == address;
}

std::string Ipv4Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

Result<Ipv6Prefix> Ipv6Prefix::make(const Ipv6Address& address, unsigned length) {
  if (length > 128) return make_error("IPv6 prefix length %u > 128", length);
  Ipv6Prefix p{address, static_cast<uint8_t>(length)};
  bits::clear_from(p.address.bytes, length);
  return p;
}

Result<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  std::string_view addr;
  auto len = split_prefix(text, addr, 128);
  if (!len) return len.error();
  auto a = Ipv6Address::parse(addr);
  if (!a) return a.error();
  return make(*a, *len);
}

bool Ipv6Prefix::contains(const Ipv6Address& a) const {
  Ipv6Address masked = a;
  bits::clear_from(masked.bytes, length);
  return masked == address;
}

bool Ipv6Prefix::contains(const Ipv6Prefix& other) const {
  return other.length >= length && contains(other.address);
}

std::string Ipv6Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

namespace bits {

uint64_t get(std::span<const uint8_t> bytes, unsigned start, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = start; i < start + n; ++i) {
    v = v << 1 | ((bytes[i / 8] >> (7 - i % 8)) & 1u);
  }
  return v;
}

void set(std::span<uint8_t> bytes, unsigned start, unsigned n, uint64_t value) {
  for (unsigned k = 0; k < n; ++k) {
    unsigned i = start + k;
    uint8_t mask = static_cast<uint8_t>(1u << (7 - i % 8));
    if ((value >> (n - 1 - k)) & 1u) {
      bytes[i / 8] |= mask;
    } else {
      bytes[i / 8] &= static_cast<uint8_t>(~mask);
    }
  }
}

void clear_from(std::span<uint8_t> bytes, unsigned start) {
  unsigned total = static_cast<unsigned>(bytes.size() * 8);
  for (unsigned i = start; i < total; ++i) {
    bytes[i / 8] &= static_cast<uint8_t>(~(1u << (7 - i % 8)));
  }
}

}  // namespace bits
}  // namespace lwb4
