#include "lwb4/s46/map_rule.hpp"

#include <string>

namespace lwb4::s46 {
namespace {

// RFC 7597 §6: the IID, before the End-user prefix is laid over it.
std::array<uint8_t, 8> make_iid(Ipv4Address ipv4, uint16_t psid, IidLayout layout) {
  std::array<uint8_t, 8> iid{};
  // RFC 7597 §6: IPv4 at IID bytes 2..5, PSID at 6..7; the legacy
  // (draft-ietf-softwire-map-03) layout shifts both one byte left.
  size_t at = layout == IidLayout::kLegacy ? 1 : 2;
  for (size_t i = 0; i < 4; ++i)
    iid[at + i] = ipv4.bytes[i];
  iid[at + 4] = static_cast<uint8_t>(psid >> 8);
  iid[at + 5] = static_cast<uint8_t>(psid);
  return iid;
}

// RFC 7597 §6: End-user prefix | subnet-id 0 | IID. A prefix longer than 64
// bits overwrites the top of the IID.
Ipv6Address make_ce_address(const Ipv6Prefix& end_user_prefix, const std::array<uint8_t, 8>& iid) {
  Ipv6Address a;
  for (size_t i = 0; i < 8; ++i)
    a.bytes[8 + i] = iid[i];
  for (unsigned bit = 0; bit < end_user_prefix.length; ++bit) {
    bits::set(a.bytes, bit, 1, bits::get(end_user_prefix.address.bytes, bit, 1));
  }
  return a;
}

}  // namespace

unsigned default_offset(const MapOptions& options) {
  if (options.mechanism == Mechanism::kLw4o6) return kLwDefaultOffset;
  if (options.layout == IidLayout::kLegacy) return kLegacyDefaultOffset;
  return PortSet::kDefaultMapOffset;
}

Result<MapResult> derive(const Rule& bmr, const Ipv6Prefix& end_user_prefix,
                         const MapOptions& options) {
  const unsigned n = bmr.ipv6_prefix.length;
  const unsigned r = bmr.ipv4_prefix.length;
  const unsigned o = bmr.ea_len;
  const unsigned eu_len = end_user_prefix.length;

  if (o > kMaxEaLen) return make_error("EA-len %u > %u (RFC 7598 §4.1)", o, kMaxEaLen);
  if (!bmr.ipv6_prefix.contains(end_user_prefix)) {
    return make_error("End-user prefix %s is not inside rule IPv6 prefix %s",
                      end_user_prefix.to_string().c_str(), bmr.ipv6_prefix.to_string().c_str());
  }
  // RFC 7597 §5.2: n + o <= End-user prefix length.
  if (n + o > eu_len) {
    return make_error(
        "rule IPv6 prefix /%u + EA-len %u = %u bits, longer than the End-user prefix /%u", n, o,
        n + o, eu_len);
  }

  MapResult out;
  out.ea_len = static_cast<uint8_t>(o);
  out.ea_bits = bits::get(end_user_prefix.address.bytes, n, o);

  // RFC 7597 §5.2: p = o when o + r <= 32, else p = 32 - r and q = o - p.
  const unsigned p = o + r <= 32 ? o : 32 - r;
  const unsigned q = o - p;
  if (q > kMaxPsidLen) {
    return make_error("EA-len %u with IPv4 prefix /%u leaves %u PSID bits (max %u)", o, r, q,
                      kMaxPsidLen);
  }
  const uint64_t suffix = out.ea_bits >> q;
  uint32_t ipv4 = bmr.ipv4_prefix.address.to_u32();
  if (p > 0) ipv4 |= static_cast<uint32_t>(suffix << (32 - r - p));

  const unsigned explicit_len = bmr.ports ? bmr.ports->psid_len() : 0;
  const unsigned offset = bmr.ports ? bmr.ports->offset() : default_offset(options);

  if (o + r < 32) {
    // RFC 7597 §5.2: an IPv4 prefix of length r + o. RFC 7598 §4.5: an
    // explicit PSID MUST be discarded without a full IPv4 address.
    out.kind = AddressKind::kPrefix;
    auto prefix = Ipv4Prefix::make(Ipv4Address::from_u32(ipv4), r + o);
    if (!prefix) return prefix.error();
    out.ipv4 = *prefix;
  } else {
    out.ipv4 = Ipv4Prefix{Ipv4Address::from_u32(ipv4), 32};
    // Explicit PSID-len wins over q (see the header; RFC 7597 is silent).
    const unsigned k = explicit_len > 0 ? explicit_len : q;
    if (k == 0) {
      out.kind = AddressKind::kFull;
    } else {
      uint16_t psid = 0;
      if (explicit_len > 0 && (bmr.ports->psid() != 0 || q == 0)) {
        // RFC 7598 §4.5: an explicit PSID MUST be used.
        psid = bmr.ports->psid();
        out.psid_source = PsidSource::kPortParams;
      } else {
        if (k > o) {
          return make_error("PORTPARAMS PSID-len %u is longer than EA-len %u", k, o);
        }
        psid = static_cast<uint16_t>(out.ea_bits & ((uint64_t{1} << k) - 1));
        out.psid_source = PsidSource::kEaBits;
      }
      auto set = PortSet::create(offset, k, psid);
      if (!set) return set.error().wrap("port set");
      out.kind = AddressKind::kShared;
      out.ports = *set;
      out.psid = psid;
    }
  }

  // RFC 7597 §6: for a prefix the IPv4 field is the prefix padded with zeros,
  // and an unshared address has PSID 0.
  std::array<uint8_t, 8> iid = make_iid(out.ipv4.address, out.psid, options.layout);
  out.ce_address = make_ce_address(end_user_prefix, iid);
  for (size_t i = 0; i < 8; ++i)
    out.interface_id[i] = out.ce_address.bytes[8 + i];
  return out;
}

Rule bind_as_rule(const V4V6Bind& bind) {
  Rule rule;
  rule.ea_len = 0;
  rule.ipv4_prefix = Ipv4Prefix{bind.ipv4, 32};
  rule.ipv6_prefix = bind.bind_prefix;
  rule.ports = bind.ports;
  return rule;
}

Result<size_t> select_bmr(std::span<const Rule> rules, const Ipv6Prefix& end_user_prefix) {
  std::optional<size_t> best;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].ipv6_prefix.contains(end_user_prefix)) continue;
    if (!best || rules[i].ipv6_prefix.length > rules[*best].ipv6_prefix.length) best = i;
  }
  if (!best) {
    return make_error("no BMR matches %s (%zu rule%s)", end_user_prefix.to_string().c_str(),
                      rules.size(), rules.size() == 1 ? "" : "s");
  }
  return *best;
}

std::vector<FmrRoute> fmr_routes(std::span<const Rule> rules) {
  std::vector<FmrRoute> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].fmr) out.push_back(FmrRoute{rules[i].ipv4_prefix, i});
  }
  return out;
}

}  // namespace lwb4::s46
