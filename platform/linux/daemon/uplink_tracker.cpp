#include "daemon/uplink_tracker.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>

namespace lwb4::platform {
namespace {

// Usable per RFC 4862: not tentative (§5.4), not a duplicate (§5.4.5), not
// deprecated (§5.5.4: no new communication from it).
constexpr uint32_t kUnusableFlags = IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED;
// The dedicated link-local is deprecated by design; only DAD matters.
constexpr uint32_t kUnusableDedicatedFlags = IFA_F_TENTATIVE | IFA_F_DADFAILED;

// FNV-1a, 64 bits: stable and spread enough for an interface identifier.
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(uint64_t h, std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes)
    h = (h ^ b) * kFnvPrime;
  return h;
}

bool reserved_interface_id(const std::array<uint8_t, 8>& id) {
  // RFC 5453 §3: the subnet-router anycast (all zero) and fdff:ffff:ffff:ff80/121.
  static constexpr std::array<uint8_t, 7> kAnycastHigh{0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  bool zero = std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
  bool anycast = std::equal(kAnycastHigh.begin(), kAnycastHigh.end(), id.begin()) && id[7] >= 0x80;
  return zero || anycast;
}

}  // namespace

Ipv6Address dedicated_link_local(std::span<const uint8_t> duid, uint32_t attempt,
                                 const std::optional<MacAddress>& mac) {
  std::optional<std::array<uint8_t, 8>> eui64;
  if (mac) {
    // RFC 4291 §2.5.1 / Appendix A: modified EUI-64 from a 48-bit MAC.
    const MacAddress& m = *mac;
    eui64 = std::array<uint8_t, 8>{
        static_cast<uint8_t>(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
  }
  static constexpr std::array<uint8_t, 5> kLabel{'l', 'w', 'b', '4', 0};
  for (uint32_t salt = 0;; ++salt) {
    uint64_t h = fnv1a(kFnvOffset, kLabel);
    h = fnv1a(h, duid);
    const std::array<uint8_t, 8> counters{
        static_cast<uint8_t>(attempt >> 24), static_cast<uint8_t>(attempt >> 16),
        static_cast<uint8_t>(attempt >> 8),  static_cast<uint8_t>(attempt),
        static_cast<uint8_t>(salt >> 24),    static_cast<uint8_t>(salt >> 16),
        static_cast<uint8_t>(salt >> 8),     static_cast<uint8_t>(salt)};
    h = fnv1a(h, counters);
    std::array<uint8_t, 8> id;
    for (size_t i = 0; i < id.size(); ++i)
      id[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
    if (reserved_interface_id(id) || (eui64 && id == *eui64)) continue;
    Ipv6Address a;
    a.bytes[0] = 0xfe;
    a.bytes[1] = 0x80;
    std::copy(id.begin(), id.end(), a.bytes.begin() + 8);
    return a;
  }
}

void UplinkTracker::on_link(const LinkInfo& link) {
  if (link.name != name_) {
    // Renamed away from our name.
    if (link_ && link.ifindex == link_->ifindex) on_link_removed(link);
    return;
  }
  if (link_ && link_->ifindex != link.ifindex) addresses_.clear();
  link_ = link;
}

void UplinkTracker::on_link_removed(const LinkInfo& link) {
  if (!link_ || link.ifindex != link_->ifindex) return;
  link_.reset();
  addresses_.clear();
}

void UplinkTracker::on_address(const AddressInfo& address) {
  if (!link_ || address.ifindex != link_->ifindex) return;
  for (AddressInfo& a : addresses_) {
    if (a.address == address.address) {
      a = address;
      return;
    }
  }
  addresses_.push_back(address);
}

void UplinkTracker::on_address_removed(const AddressInfo& address) {
  std::erase_if(addresses_, [&](const AddressInfo& a) {
    return a.ifindex == address.ifindex && a.address == address.address;
  });
}

const AddressInfo* UplinkTracker::find(const Ipv6Address& address) const {
  for (const AddressInfo& a : addresses_) {
    if (a.address == address) return &a;
  }
  return nullptr;
}

void UplinkTracker::clear() {
  link_.reset();
  addresses_.clear();
}

client::UplinkState UplinkTracker::state() const {
  client::UplinkState s;
  if (!link_) return s;
  s.up = (link_->flags & IFF_UP) && (link_->flags & IFF_RUNNING);
  std::vector<Ipv6Address> link_locals;
  for (const AddressInfo& a : addresses_) {
    if (dedicated_ && a.address == *dedicated_) {
      if (!(a.flags & kUnusableDedicatedFlags)) s.link_local = a.address;
      continue;
    }
    if (a.flags & kUnusableFlags) continue;
    if (a.address.is_link_local()) {
      link_locals.push_back(a.address);
    } else if (a.scope == RT_SCOPE_UNIVERSE && !a.address.is_multicast()) {
      s.global.push_back({a.address, a.prefix_length});
    }
  }
  std::sort(link_locals.begin(), link_locals.end());
  if (!link_locals.empty() && !dedicated_) s.link_local = link_locals.front();
  std::sort(s.global.begin(), s.global.end(),
            [](const client::UplinkAddress& x, const client::UplinkAddress& y) {
              return x.address < y.address;
            });
  return s;
}

}  // namespace lwb4::platform
