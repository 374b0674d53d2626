// IPv4/IPv6 addresses and prefixes as plain byte arrays in network order,
// plus bit-field helpers for the MAP arithmetic (bit 0 = most significant).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lwb4/util/result.hpp"

namespace lwb4 {

struct Ipv4Address {
  std::array<uint8_t, 4> bytes{};

  static Ipv4Address from_u32(uint32_t v);
  static Result<Ipv4Address> parse(std::string_view text);
  uint32_t to_u32() const;
  std::string to_string() const;
  bool is_zero() const { return to_u32() == 0; }

  auto operator<=>(const Ipv4Address&) const = default;
};

struct Ipv6Address {
  std::array<uint8_t, 16> bytes{};

  static Result<Ipv6Address> parse(std::string_view text);
  std::string to_string() const;
  bool is_zero() const;
  bool is_multicast() const { return bytes[0] == 0xff; }
  bool is_link_local() const { return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }

  auto operator<=>(const Ipv6Address&) const = default;
};

struct Ipv4Prefix {
  Ipv4Address address;  // bits past `length` are zero
  uint8_t length = 0;   // 0..32

  // "a.b.c.d/len"; bits past len are cleared.
  static Result<Ipv4Prefix> parse(std::string_view text);
  static Result<Ipv4Prefix> make(Ipv4Address address, unsigned length);
  bool contains(Ipv4Address a) const;
  std::string to_string() const;

  auto operator<=>(const Ipv4Prefix&) const = default;
};

struct Ipv6Prefix {
  Ipv6Address address;  // bits past `length` are zero
  uint8_t length = 0;   // 0..128

  // "x::/len"; bits past len are cleared.
  static Result<Ipv6Prefix> parse(std::string_view text);
  static Result<Ipv6Prefix> make(const Ipv6Address& address, unsigned length);
  bool contains(const Ipv6Address& a) const;
  // True when `other` lies inside this prefix (other.length >= length).
  bool contains(const Ipv6Prefix& other) const;
  std::string to_string() const;

  auto operator<=>(const Ipv6Prefix&) const = default;
};

namespace bits {
// Reads n (<= 64) bits starting at bit `start` (bit 0 = MSB of bytes[0]).
// The caller guarantees start + n <= 8 * bytes.size().
uint64_t get(std::span<const uint8_t> bytes, unsigned start, unsigned n);
// Writes the low n (<= 64) bits of value at bit `start`.
void set(std::span<uint8_t> bytes, unsigned start, unsigned n, uint64_t value);
// Clears every bit from `start` to the end.
void clear_from(std::span<uint8_t> bytes, unsigned start);
}  // namespace bits

}  // namespace lwb4
