// A PSID port set (RFC 7597 §5.1): port = A(a bits) | PSID(k bits) | j(m bits),
// m = 16 - a - k. Carried on the wire by DHCPv4 option 159 (RFC 7618) and
// DHCPv6 S46_PORTPARAMS 93 (RFC 7598) with the PSID left-aligned.
//
// Or a contiguous range [first, last], as PCP PORT_SET grants it (RFC 7753
// §4); a range that is itself a PSID set (an aligned power-of-two block) is
// built as that PSID set.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4 {

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;  // inclusive
  uint32_t size() const { return uint32_t{last} - first + 1; }
  bool operator==(const PortRange&) const = default;
};

// Membership as one mask/value test plus bounds; O(1) in the number of
// ranges, which is what the nftables rules use:
//   port in set  <=>  (port & mask) == value && min_port <= port <= max_port
// max_port is below 65535 only for a contiguous range.
struct PortMask {
  uint16_t mask = 0;
  uint16_t value = 0;
  uint16_t min_port = 1;
  uint16_t max_port = 65535;
  bool operator==(const PortMask&) const = default;
};

class PortSet {
 public:
  static constexpr unsigned kMaxOffset = 15;        // RFC 7597 §5.1: a in 0..15
  static constexpr unsigned kDefaultMapOffset = 6;  // RFC 7597 §5.1 default a

  // Validates a in 0..15, a + k <= 16, PSID < 2^k and that at least one
  // usable port remains. k = 0 means an unshared address (every port).
  static Result<PortSet> create(unsigned offset, unsigned psid_len, unsigned psid);
  // From the wire form: PSID left-aligned in 16 bits, pad bits must be zero.
  // With k = 0 the PSID field is ignored (RFC 7618 §4).
  static Result<PortSet> from_wire(uint8_t offset, uint8_t psid_len, uint16_t psid_field);
  // Every port 1..65535 (no sharing).
  static PortSet full() { return PortSet(0, 0, 0); }
  // The ports first .. first + count - 1 (1 <= first, last <= 65535,
  // count >= 1). An aligned power-of-two block, or 1 .. 2^j - 1, comes back
  // as the PSID set with offset 0 holding exactly those ports; 1..65535 as
  // full().
  static Result<PortSet> contiguous(uint32_t first, uint32_t count);

  // A contiguous range that is no PSID set: offset, PSID-len and PSID are
  // all 0 and mean nothing (use ranges()); is_full() is false.
  bool is_range() const { return range_first_ != 0; }
  uint8_t offset() const { return offset_; }
  uint8_t psid_len() const { return psid_len_; }
  uint16_t psid() const { return psid_; }
  // PSID left-aligned in 16 bits, as options 159 and 93 carry it.
  uint16_t psid_field() const;
  // m: the number of contiguous-port bits.
  unsigned m() const { return 16u - offset_ - psid_len_; }
  bool is_full() const { return psid_len_ == 0 && !is_range(); }

  uint32_t count() const;
  bool contains(uint16_t port) const;
  // Ascending, disjoint ranges; port 0 is never included.
  std::vector<PortRange> ranges() const;
  // The index-th usable port, index in [0, count()), ascending order.
  uint16_t port_at(uint32_t index) const;
  std::optional<uint32_t> index_of(uint16_t port) const;
  PortMask mask() const;

  // "offset 6, PSID-len 8, PSID 0x34 (52)" for logs and errors.
  std::string describe() const;

  bool operator==(const PortSet&) const = default;

 private:
  PortSet(uint8_t offset, uint8_t psid_len, uint16_t psid)
      : offset_(offset), psid_len_(psid_len), psid_(psid) {}

  // True when the first range (A = 0, a = 0) starts at port 0, which is
  // excluded.
  bool excludes_port_zero() const;

  uint8_t offset_;
  uint8_t psid_len_;
  uint16_t psid_;
  uint16_t range_first_ = 0;  // non-zero: a contiguous range (is_range())
  uint16_t range_last_ = 0;
};

// The 4-byte PORTPARAMS body shared by DHCPv4 option 159 and DHCPv6 option 93:
// offset(8) PSID-len(8) PSID(16, left-aligned).
constexpr size_t kPortParamsLength = 4;
Result<PortSet> read_port_params(wire::Bytes body);
// PSID sets only: a contiguous range has no PORTPARAMS form.
void write_port_params(wire::Writer& w, const PortSet& set);

}  // namespace lwb4
