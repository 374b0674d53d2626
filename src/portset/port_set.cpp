#include "lwb4/portset/port_set.hpp"

#include <cstdio>

namespace lwb4 {

Result<PortSet> PortSet::create(unsigned offset, unsigned psid_len, unsigned psid) {
  // RFC 7597 §5.1: a is 0..15 and a + k <= 16 (m >= 0).
  if (offset > kMaxOffset) return make_error("offset %u > %u", offset, kMaxOffset);
  if (psid_len > 16) return make_error("PSID-len %u > 16", psid_len);
  if (offset + psid_len > 16) {
    return make_error("offset %u + PSID-len %u > 16", offset, psid_len);
  }
  if (psid_len == 0) {
    if (psid != 0) return make_error("PSID %u given with PSID-len 0", psid);
  } else if (psid >= (1u << psid_len)) {
    return make_error("PSID %u does not fit in PSID-len %u (max %u)", psid, psid_len,
                      (1u << psid_len) - 1);
  }
  PortSet set(static_cast<uint8_t>(offset), static_cast<uint8_t>(psid_len),
              static_cast<uint16_t>(psid));
  if (set.count() == 0) {
    return make_error("PSID %u with offset %u and PSID-len %u leaves no usable port", psid, offset,
                      psid_len);
  }
  return set;
}

Result<PortSet> PortSet::from_wire(uint8_t offset, uint8_t psid_len, uint16_t psid_field) {
  // RFC 7618 §4: with PSID-len 0 the PSID field is ignored.
  if (psid_len == 0) return create(offset, 0, 0);
  if (psid_len > 16) return make_error("PSID-len %u > 16", psid_len);
  unsigned pad_bits = 16u - psid_len;
  // RFC 7618 §4 / RFC 7598 §4.5: the PSID is left-aligned; the rest is zero.
  if (pad_bits > 0 && (psid_field & ((1u << pad_bits) - 1)) != 0) {
    return make_error("PSID field 0x%04x has non-zero bits past PSID-len %u", psid_field, psid_len);
  }
  return create(offset, psid_len, static_cast<unsigned>(psid_field) >> pad_bits);
}

Result<PortSet> PortSet::contiguous(uint32_t first, uint32_t count) {
  if (count == 0) return make_error("empty port range at %u", first);
  uint32_t last = first + count - 1;
  if (first == 0 || last > 65535) {
    return make_error("port range %u-%u is outside 1-65535", first, last);
  }
  if (first == 1 && last == 65535) return full();
  // RFC 7597 §5.1 with a = 0: block PSID of 2^m ports at PSID * 2^m (the
  // block of PSID 0 without port 0).
  for (unsigned m = 0; m < 16; ++m) {
    uint32_t size = 1u << m;
    if ((count == size && first % size == 0) || (first == 1 && count == size - 1)) {
      return create(0, 16 - m, first >> m);
    }
  }
  PortSet set(0, 0, 0);
  set.range_first_ = static_cast<uint16_t>(first);
  set.range_last_ = static_cast<uint16_t>(last);
  return set;
}

uint16_t PortSet::psid_field() const {
  if (psid_len_ == 0) return 0;
  return static_cast<uint16_t>(psid_ << (16u - psid_len_));
}

bool PortSet::excludes_port_zero() const {
  // RFC 7597 App. B: with a = 0 the range of PSID 0 starts at port 0.
  return !is_full() && !is_range() && offset_ == 0 && psid_ == 0;
}

uint32_t PortSet::count() const {
  if (is_range()) return uint32_t{range_last_} - range_first_ + 1;
  if (is_full()) return 65535;
  uint32_t per_range = 1u << m();
  if (offset_ == 0) return per_range - (excludes_port_zero() ? 1 : 0);
  // RFC 7597 §5.1: A = 0 is excluded, so 2^a - 1 ranges.
  return ((1u << offset_) - 1) * per_range;
}

bool PortSet::contains(uint16_t port) const {
  if (port == 0) return false;
  if (is_range()) return port >= range_first_ && port <= range_last_;
  if (is_full()) return true;
  if (offset_ > 0 && port < (1u << (16u - offset_))) return false;
  return ((port >> m()) & ((1u << psid_len_) - 1)) == psid_;
}

std::vector<PortRange> PortSet::ranges() const {
  std::vector<PortRange> out;
  if (is_range()) {
    out.push_back({range_first_, range_last_});
    return out;
  }
  if (is_full()) {
    out.push_back({1, 65535});
    return out;
  }
  uint32_t span = 1u << m();
  uint32_t psid_bits = uint32_t{psid_} << m();
  if (offset_ == 0) {
    uint32_t first = psid_bits + (excludes_port_zero() ? 1 : 0);
    out.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(psid_bits + span - 1)});
    return out;
  }
  out.reserve((1u << offset_) - 1);
  for (uint32_t a = 1; a < (1u << offset_); ++a) {
    uint32_t first = a << (16u - offset_) | psid_bits;
    out.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(first + span - 1)});
  }
  return out;
}

uint16_t PortSet::port_at(uint32_t index) const {
  if (is_range()) return static_cast<uint16_t>(range_first_ + index);
  if (is_full()) return static_cast<uint16_t>(index + 1);
  uint32_t psid_bits = uint32_t{psid_} << m();
  if (offset_ == 0) {
    return static_cast<uint16_t>(psid_bits + index + (excludes_port_zero() ? 1 : 0));
  }
  // protocol-facts §10: A = 1 + (i >> m), j = i & (2^m - 1).
  uint32_t a = 1 + (index >> m());
  uint32_t j = index & ((1u << m()) - 1);
  return static_cast<uint16_t>(a << (16u - offset_) | psid_bits | j);
}

std::optional<uint32_t> PortSet::index_of(uint16_t port) const {
  if (!contains(port)) return std::nullopt;
  if (is_range()) return uint32_t{port} - range_first_;
  if (is_full()) return port - 1u;
  if (offset_ == 0) {
    return port - (uint32_t{psid_} << m()) - (excludes_port_zero() ? 1u : 0u);
  }
  uint32_t a = port >> (16u - offset_);
  uint32_t j = port & ((1u << m()) - 1);
  return (a - 1) << m() | j;
}

PortMask PortSet::mask() const {
  if (is_range()) {
    // The smallest aligned block holding the range, cut to it by the bounds.
    unsigned differing = 0;
    for (uint32_t x = uint32_t{range_first_} ^ range_last_; x != 0; x >>= 1)
      ++differing;
    auto mask = static_cast<uint16_t>(0xffffu << differing);
    return PortMask{mask, static_cast<uint16_t>(range_first_ & mask), range_first_, range_last_};
  }
  if (is_full()) return PortMask{0, 0, 1};
  PortMask pm;
  pm.mask = static_cast<uint16_t>(((1u << psid_len_) - 1) << m());
  pm.value = static_cast<uint16_t>(uint32_t{psid_} << m());
  pm.min_port = offset_ > 0 ? static_cast<uint16_t>(1u << (16u - offset_)) : uint16_t{1};
  return pm;
}

std::string PortSet::describe() const {
  if (is_full()) return "all ports (PSID-len 0, unshared)";
  char buf[96];
  if (is_range()) {
    std::snprintf(buf, sizeof buf, "ports %u-%u (contiguous)", range_first_, range_last_);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "offset %u, PSID-len %u, PSID %u (0x%x)", offset_, psid_len_,
                psid_, psid_);
  return buf;
}

Result<PortSet> read_port_params(wire::Bytes body) {
  if (body.size() != kPortParamsLength) {
    return make_error("port params length %zu, expected %zu", body.size(), kPortParamsLength);
  }
  wire::Reader r(body);
  uint8_t offset = r.u8();
  uint8_t psid_len = r.u8();
  uint16_t psid_field = r.u16();
  return PortSet::from_wire(offset, psid_len, psid_field);
}

void write_port_params(wire::Writer& w, const PortSet& set) {
  w.u8(set.offset());
  w.u8(set.psid_len());
  w.u16(set.psid_field());
}

}  // namespace lwb4
