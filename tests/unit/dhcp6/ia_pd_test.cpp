#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp6/ia_pd.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

std::string decode_error(const Bytes& body) {
  auto ia = decode_ia_pd(body);
  return ia ? std::string("(decoded)") : ia.error().reason();
}

// IA_PD with one /56, a nested unknown option in the IAPREFIX and a status.
const Bytes kIaPd = {
    0x00, 0x19, 0x00, 0x3b,                          // IA_PD, len 59
    0x00, 0x00, 0x00, 0x01,                          // IAID 1
    0x00, 0x00, 0x07, 0x08,                          // T1 1800
    0x00, 0x00, 0x0b, 0x40,                          // T2 2880
    0x00, 0x1a, 0x00, 0x1e,                          //   IAPREFIX, len 30
    0x00, 0x00, 0x0e, 0x10,                          //   preferred 3600
    0x00, 0x00, 0x1c, 0x20,                          //   valid 7200
    0x38,                                            //   prefix-length 56
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34, 0x00,  // prefix 2001:db8:12:3400::
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x43, 0x00, 0x01,                          //     option 67 (PD_EXCLUDE, kept raw), len 1
    0x40,                                            //     data
    0x00, 0x0d, 0x00, 0x09,                          //   STATUS_CODE, len 9
    0x00, 0x00,                                      //   Success
    'a',  'l',  'l',  ' ',  'g',  'o',  'o',         //   "all goo"
};

TEST(IaPd, DecodesNestedOptions) {
  auto ia = decode_ia_pd(wire::Bytes(kIaPd).subspan(4));
  ASSERT_TRUE(ia) << ia.error().reason();
  EXPECT_EQ(ia->iaid, 1u);
  EXPECT_EQ(ia->t1, 1800u);
  EXPECT_EQ(ia->t2, 2880u);
  ASSERT_EQ(ia->prefixes.size(), 1u);
  const IaPrefix& p = ia->prefixes[0];
  EXPECT_EQ(p.preferred, 3600u);
  EXPECT_EQ(p.valid, 7200u);
  EXPECT_EQ(p.prefix.to_string(), "2001:db8:12:3400::/56");
  EXPECT_FALSE(p.status.has_value());
  ASSERT_EQ(p.other.size(), 1u);
  EXPECT_EQ(p.other[0], (RawOption{67, {0x40}}));
  ASSERT_TRUE(ia->status.has_value());
  EXPECT_EQ(ia->status->code, kStatusSuccess);
  EXPECT_EQ(ia->status->message, "all goo");
  EXPECT_TRUE(ia->other.empty());
}

TEST(IaPd, RoundTripsCanonicalBytes) {
  auto ia = decode_ia_pd(wire::Bytes(kIaPd).subspan(4));
  ASSERT_TRUE(ia);
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_ia_pd(w, *ia));
  EXPECT_EQ(out, kIaPd);
}

TEST(IaPd, NoPrefixAvailWithoutPrefixes) {
  const Bytes body = {
      0x00, 0x00, 0x00, 0x07,  // IAID 7
      0x00, 0x00, 0x00, 0x00,  // T1 0
      0x00, 0x00, 0x00, 0x00,  // T2 0
      0x00, 0x0d, 0x00, 0x02,  // STATUS_CODE, len 2
      0x00, 0x06,              // NoPrefixAvail, empty message
  };
  auto ia = decode_ia_pd(body);
  ASSERT_TRUE(ia) << ia.error().reason();
  EXPECT_TRUE(ia->prefixes.empty());
  ASSERT_TRUE(ia->status.has_value());
  EXPECT_EQ(ia->status->code, kStatusNoPrefixAvail);
  EXPECT_EQ(ia->status->message, "");
}

TEST(IaPd, ClearsPrefixBitsPastLength) {
  const Bytes body = {
      0x00, 0x00, 0x00, 0x01,                          // IAID 1
      0x00, 0x00, 0x00, 0x00,                          // T1
      0x00, 0x00, 0x00, 0x00,                          // T2
      0x00, 0x1a, 0x00, 0x19,                          // IAPREFIX, len 25
      0xff, 0xff, 0xff, 0xff,                          // preferred infinity
      0xff, 0xff, 0xff, 0xff,                          // valid infinity
      0x30,                                            // prefix-length 48
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34, 0x56,  // bits past /48 set
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
  };
  auto ia = decode_ia_pd(body);
  ASSERT_TRUE(ia) << ia.error().reason();
  ASSERT_EQ(ia->prefixes.size(), 1u);
  EXPECT_EQ(ia->prefixes[0].prefix.to_string(), "2001:db8:12::/48");
  EXPECT_EQ(ia->prefixes[0].valid, kInfiniteLifetime);
}

TEST(IaPd, KeepsUnknownNestedOptionsAndPreferredAboveValid) {
  const Bytes body = {
      0x00, 0x00, 0x00, 0x01,  // IAID 1
      0x00, 0x00, 0x00, 0x05,  // T1 5
      0x00, 0x00, 0x00, 0x04,  // T2 4 (T1 > T2: the client's call)
      0x00, 0x1a, 0x00, 0x19,  // IAPREFIX, len 25
      0x00, 0x00, 0x00, 0x09,  // preferred 9
      0x00, 0x00, 0x00, 0x08,  // valid 8 (preferred > valid: the client's call)
      0x40,                    // prefix-length 64
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01,  // 2001:db8:0:1::/64
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
      0xff, 0x00, 0x00, 0x02,                          // option 65280 (unknown), len 2
      0xaa, 0xbb,                                      // data
  };
  auto ia = decode_ia_pd(body);
  ASSERT_TRUE(ia) << ia.error().reason();
  EXPECT_EQ(ia->t1, 5u);
  EXPECT_EQ(ia->prefixes[0].preferred, 9u);
  ASSERT_EQ(ia->other.size(), 1u);
  EXPECT_EQ(ia->other[0], (RawOption{0xff00, {0xaa, 0xbb}}));
}

TEST(IaPd, RejectsMalformedBodies) {
  const Bytes short_ia = {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_TRUE(Contains(decode_error(short_ia), "option 25: length 11, expected at least 12"));

  Bytes short_prefix = {
      0x00, 0x00, 0x00, 0x01,  // IAID
      0x00, 0x00, 0x00, 0x00,  // T1
      0x00, 0x00, 0x00, 0x00,  // T2
      0x00, 0x1a, 0x00, 0x18,  // IAPREFIX, len 24
  };
  short_prefix.insert(short_prefix.end(), 24, 0x00);
  EXPECT_TRUE(Contains(decode_error(short_prefix),
                       "option 25: option 26: length 24, expected at least 25"));

  Bytes long_plen = {
      0x00, 0x00, 0x00, 0x01,  // IAID
      0x00, 0x00, 0x00, 0x00,  // T1
      0x00, 0x00, 0x00, 0x00,  // T2
      0x00, 0x1a, 0x00, 0x19,  // IAPREFIX, len 25
      0x00, 0x00, 0x00, 0x00,  // preferred
      0x00, 0x00, 0x00, 0x00,  // valid
      0x81,                    // prefix-length 129
  };
  long_plen.insert(long_plen.end(), 16, 0x00);
  EXPECT_TRUE(Contains(decode_error(long_plen), "option 26: prefix length 129 > 128"));

  const Bytes overrun = {
      0x00, 0x00, 0x00, 0x01,  // IAID
      0x00, 0x00, 0x00, 0x00,  // T1
      0x00, 0x00, 0x00, 0x00,  // T2
      0x00, 0x1a, 0x00, 0x19,  // IAPREFIX, len 25, but nothing follows
  };
  EXPECT_TRUE(Contains(decode_error(overrun),
                       "option 25: option 26 at offset 12: length 25 runs past the end"));

  const Bytes two_status = {
      0x00, 0x00, 0x00, 0x01,              // IAID
      0x00, 0x00, 0x00, 0x00,              // T1
      0x00, 0x00, 0x00, 0x00,              // T2
      0x00, 0x0d, 0x00, 0x02, 0x00, 0x00,  // STATUS_CODE Success
      0x00, 0x0d, 0x00, 0x02, 0x00, 0x06,  // STATUS_CODE NoPrefixAvail
  };
  EXPECT_TRUE(Contains(decode_error(two_status), "more than one nested STATUS_CODE"));

  const Bytes short_status = {
      0x00, 0x00, 0x00, 0x01,  // IAID
      0x00, 0x00, 0x00, 0x00,  // T1
      0x00, 0x00, 0x00, 0x00,  // T2
      0x00, 0x0d, 0x00, 0x01,  // STATUS_CODE, len 1
      0x00,                    //
  };
  EXPECT_TRUE(Contains(decode_error(short_status), "option 13: length 1, expected at least 2"));
}

TEST(IaPd, EncoderRejectsTypedCodesInOtherAndBadPrefixes) {
  Bytes out;
  wire::Writer w(out);
  IaPd ia;
  ia.other.push_back(RawOption{kOptIaPrefix, {}});
  EXPECT_TRUE(Contains(encode_ia_pd(w, ia).error().reason(), "option 26 belongs in its typed"));
  ia.other.clear();
  IaPrefix p;
  p.prefix = Ipv6Prefix{*Ipv6Address::parse("2001:db8::1"), 64};
  ia.prefixes.push_back(p);
  EXPECT_TRUE(Contains(encode_ia_pd(w, ia).error().reason(), "not a canonical prefix"));
  ia.prefixes[0].prefix = *Ipv6Prefix::parse("2001:db8::/64");
  ia.prefixes[0].other.push_back(RawOption{kOptStatusCode, {0, 0}});
  EXPECT_TRUE(Contains(encode_ia_pd(w, ia).error().reason(), "IAPREFIX: option 13"));
}

}  // namespace
}  // namespace lwb4::dhcp6
