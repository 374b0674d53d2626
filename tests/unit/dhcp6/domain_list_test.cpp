#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp6/domain_list.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

std::string decode_error(const std::vector<uint8_t>& body) {
  auto r = decode_domain_list(body);
  return r ? std::string("(decoded)") : r.error().reason();
}

std::string encode_error(const std::vector<std::string>& names) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  Status s = encode_domain_list(w, names);
  return s ? std::string("(encoded)") : s.error().reason();
}

const std::vector<uint8_t> kTwoNames = {
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',  // label "example"
    0x03, 'c', 'o', 'm',                      // label "com"
    0x00,                                     // root: end of name 1
    0x03, 'l', 'a', 'n',                      // label "lan"
    0x00,                                     // root: end of name 2
};

TEST(DomainList, DecodesUncompressedNames) {
  auto names = decode_domain_list(kTwoNames);
  ASSERT_TRUE(names) << names.error().reason();
  EXPECT_EQ(*names, (std::vector<std::string>{"example.com", "lan"}));
}

TEST(DomainList, EncodesCanonicalBytes) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_domain_list(w, {"example.com", "lan"}));
  EXPECT_EQ(out, kTwoNames);
}

TEST(DomainList, EmptyBodyIsEmptyList) {
  auto names = decode_domain_list({});
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty());
}

TEST(DomainList, AcceptsMaximalLabelAndName) {
  std::vector<uint8_t> body;
  // 3 labels of 63 + 1 label of 61 bytes: 4 + 250 + root = 255 bytes.
  for (int len : {63, 63, 63, 61}) {
    body.push_back(static_cast<uint8_t>(len));
    body.insert(body.end(), len, 'a');
  }
  body.push_back(0);
  ASSERT_EQ(body.size(), 255u);
  auto names = decode_domain_list(body);
  ASSERT_TRUE(names) << names.error().reason();
  std::vector<uint8_t> out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_domain_list(w, *names));
  EXPECT_EQ(out, body);
}

TEST(DomainList, RejectsCompressionPointer) {
  const std::vector<uint8_t> body = {
      0x03, 'l',  'a', 'n',  // label "lan"
      0x00,                  // end of name 1
      0x03, 'w',  'w', 'w',  // label "www"
      0xc0, 0x00,            // pointer to offset 0
  };
  EXPECT_TRUE(Contains(decode_error(body), "compression pointer at byte 9"));
}

TEST(DomainList, RejectsReservedLabelType) {
  const std::vector<uint8_t> body = {
      0x40, 'x',  // 0b01 label type (extended), length field 64
      0x00,       // root
  };
  EXPECT_TRUE(Contains(decode_error(body), "label length 64 at byte 0 > 63"));
}

TEST(DomainList, RejectsLabelPastEnd) {
  const std::vector<uint8_t> body = {
      0x07, 'e', 'x', 'a',  // label claims 7 bytes, 3 present
  };
  EXPECT_TRUE(Contains(decode_error(body), "label at byte 0 runs past the end"));
}

TEST(DomainList, RejectsUnterminatedName) {
  const std::vector<uint8_t> body = {
      0x03, 'l', 'a', 'n',  // label "lan", then no root label
  };
  EXPECT_TRUE(Contains(decode_error(body), "not terminated"));
}

TEST(DomainList, RejectsNameOver255Bytes) {
  std::vector<uint8_t> body;
  for (int i = 0; i < 4; ++i) {  // 4 * 64 = 256 bytes before the root
    body.push_back(63);
    body.insert(body.end(), 63, 'a');
  }
  body.push_back(0);
  EXPECT_TRUE(Contains(decode_error(body), "longer than 255 bytes"));
}

TEST(DomainList, RejectsRootName) {
  const std::vector<uint8_t> body = {
      0x00,  // the root name alone
  };
  EXPECT_TRUE(Contains(decode_error(body), "empty (root) domain name"));
}

TEST(DomainList, RejectsUnsafeLabelBytes) {
  const std::vector<uint8_t> newline = {
      0x04, 'a', '\n', 'b', 'c',  // label with a newline
      0x00,                       // root
  };
  EXPECT_TRUE(Contains(decode_error(newline), "byte 0x0a"));
  const std::vector<uint8_t> dot = {
      0x03, 'a', '.', 'b',  // label containing a dot
      0x00,                 // root
  };
  EXPECT_TRUE(Contains(decode_error(dot), "byte 0x2e"));
  const std::vector<uint8_t> space = {
      0x03, 'a', ' ', 'b',  // label containing a space
      0x00,                 // root
  };
  EXPECT_TRUE(Contains(decode_error(space), "byte 0x20"));
}

TEST(DomainList, EncoderRejectsWhatDecoderWould) {
  EXPECT_TRUE(Contains(encode_error({""}), "empty domain name"));
  EXPECT_TRUE(Contains(encode_error({"a..b"}), "label length 0"));
  EXPECT_TRUE(Contains(encode_error({"example.com."}), "label length 0"));
  EXPECT_TRUE(Contains(encode_error({std::string(64, 'a') + ".com"}), "label length 64"));
  EXPECT_TRUE(Contains(encode_error({"a b.com"}), "byte 0x20"));
  std::string long_name;
  for (int i = 0; i < 4; ++i)
    long_name += std::string(63, 'a') + (i < 3 ? "." : "");
  EXPECT_TRUE(Contains(encode_error({long_name}), "longer than 255 bytes"));
}

}  // namespace
}  // namespace lwb4::dhcp6
