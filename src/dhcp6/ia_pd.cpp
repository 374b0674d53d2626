#include "lwb4/dhcp6/ia_pd.hpp"

namespace lwb4::dhcp6 {
namespace {

Result<IaPrefix> decode_ia_prefix(const OptionView& option) {
  if (option.data.size() < kIaPrefixFixedLength) {
    return make_error("option %u: length %zu, expected at least %zu", option.code,
                      option.data.size(), kIaPrefixFixedLength);
  }
  wire::Reader r(option.data);
  IaPrefix out;
  out.preferred = r.u32();
  out.valid = r.u32();
  uint8_t plen = r.u8();
  Ipv6Address address{r.array<16>()};
  if (plen > 128) return make_error("option %u: prefix length %u > 128", option.code, plen);
  // RFC 8415 §21.22: bits past prefix-length are ignored by the receiver.
  out.prefix = *Ipv6Prefix::make(address, plen);
  auto nested = split_options(r.rest(), option.offset + 4 + kIaPrefixFixedLength);
  if (!nested) return nested.error().wrap("option 26");
  for (const OptionView& sub : *nested) {
    if (sub.code == kOptStatusCode) {
      if (out.status) return make_error("option 26: more than one nested STATUS_CODE");
      auto status = decode_status_code(sub.data);
      if (!status) return status.error().wrap("option 26");
      out.status = std::move(*status);
    } else {
      out.other.push_back(RawOption{sub.code, {sub.data.begin(), sub.data.end()}});
    }
  }
  return out;
}

Status check_other(const std::vector<RawOption>& other, uint16_t a, uint16_t b, const char* where) {
  for (const RawOption& o : other) {
    if (o.code == a || o.code == b) {
      return make_error("%s: option %u belongs in its typed field, not in `other`", where, o.code);
    }
  }
  return {};
}

Status write_other(wire::Writer& w, const std::vector<RawOption>& other) {
  for (const RawOption& o : other) {
    if (Status s = write_option(w, o.code, o.data); !s) return s;
  }
  return {};
}

}  // namespace

Result<IaPd> decode_ia_pd(wire::Bytes body, size_t offset) {
  if (body.size() < kIaPdFixedLength) {
    return make_error("option %u: length %zu, expected at least %zu", kOptIaPd, body.size(),
                      kIaPdFixedLength);
  }
  wire::Reader r(body);
  IaPd out;
  out.iaid = r.u32();
  out.t1 = r.u32();
  out.t2 = r.u32();
  auto nested = split_options(r.rest(), offset + kIaPdFixedLength);
  if (!nested) return nested.error().wrap("option 25");
  for (const OptionView& sub : *nested) {
    if (sub.code == kOptIaPrefix) {
      auto prefix = decode_ia_prefix(sub);
      if (!prefix) return prefix.error().wrap("option 25");
      out.prefixes.push_back(std::move(*prefix));
    } else if (sub.code == kOptStatusCode) {
      if (out.status) return make_error("option 25: more than one nested STATUS_CODE");
      auto status = decode_status_code(sub.data);
      if (!status) return status.error().wrap("option 25");
      out.status = std::move(*status);
    } else {
      out.other.push_back(RawOption{sub.code, {sub.data.begin(), sub.data.end()}});
    }
  }
  return out;
}

Status encode_ia_pd(wire::Writer& w, const IaPd& ia) {
  if (Status s = check_other(ia.other, kOptIaPrefix, kOptStatusCode, "IA_PD"); !s) return s;
  OptionStart pd = begin_option(w, kOptIaPd);
  w.u32(ia.iaid);
  w.u32(ia.t1);
  w.u32(ia.t2);
  for (const IaPrefix& p : ia.prefixes) {
    auto canonical = Ipv6Prefix::make(p.prefix.address, p.prefix.length);
    if (!canonical || *canonical != p.prefix) {
      return make_error("IAPREFIX: %s is not a canonical prefix", p.prefix.to_string().c_str());
    }
    if (Status s = check_other(p.other, kOptStatusCode, kOptStatusCode, "IAPREFIX"); !s) return s;
    OptionStart sub = begin_option(w, kOptIaPrefix);
    w.u32(p.preferred);
    w.u32(p.valid);
    w.u8(p.prefix.length);
    w.bytes(p.prefix.address.bytes);
    if (p.status) {
      if (Status s = encode_status_code(w, *p.status); !s) return s;
    }
    if (Status s = write_other(w, p.other); !s) return s;
    if (Status s = end_option(w, sub); !s) return s;
  }
  if (ia.status) {
    if (Status s = encode_status_code(w, *ia.status); !s) return s;
  }
  if (Status s = write_other(w, ia.other); !s) return s;
  return end_option(w, pd);
}

}  // namespace lwb4::dhcp6
