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

}  // namespace

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
    if (a.flags & kUnusableFlags) continue;
    if (a.address.is_link_local()) {
      link_locals.push_back(a.address);
    } else if (a.scope == RT_SCOPE_UNIVERSE && !a.address.is_multicast()) {
      s.global.push_back({a.address, a.prefix_length});
    }
  }
  std::sort(link_locals.begin(), link_locals.end());
  if (!link_locals.empty()) s.link_local = link_locals.front();
  std::sort(s.global.begin(), s.global.end(),
            [](const client::UplinkAddress& x, const client::UplinkAddress& y) {
              return x.address < y.address;
            });
  return s;
}

}  // namespace lwb4::platform
