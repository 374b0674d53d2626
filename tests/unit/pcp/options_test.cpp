#include "lwb4/pcp/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace lwb4::pcp {
namespace {

bool has(const Error& e, const std::string& needle) {
  return e.reason().find(needle) != std::string::npos;
}

std::vector<uint8_t> write(const Options& o) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  write_options(w, o);
  return out;
}

// A PORT_SET option as it appears on the wire: 12 bytes.
const std::vector<uint8_t> kPortSet100At50000 = {
    0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
    0x00, 0x64,              //   port set size 100
    0xc3, 0x50,              //   first internal port 50000
    0x00,                    //   reserved, P = 0
    0x00, 0x00, 0x00,        //   padding
};

std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(Options, EmptyListDecodes) {
  Result<Options> got = decode_options({});
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_FALSE(got->port_set.has_value());
  EXPECT_TRUE(got->others.empty());
}

TEST(Options, TypesPortSetAndKeepsOthersRawInOrder) {
  const std::vector<uint8_t> bytes = join({
      {
          0x01, 0x00, 0x00, 0x10,  // option 1 (THIRD_PARTY), len 16
          0x00, 0x00, 0x00, 0x00,  //   internal IP ::ffff:192.168.1.20
          0x00, 0x00, 0x00, 0x00,  //
          0x00, 0x00, 0xff, 0xff,  //
          0xc0, 0xa8, 0x01, 0x14,  //
          0xc8, 0x00, 0x00, 0x03,  // option 200 (unknown, optional), len 3
          0xaa, 0xbb, 0xcc,        //   data
          0x00,                    //   padding
      },
      kPortSet100At50000,  // option 130 (PORT_SET)
      {
          0x05, 0x00, 0x00, 0x00,  // option 5 (unknown, mandatory), len 0
      },
  });
  Result<Options> got = decode_options(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  ASSERT_TRUE(got->port_set.has_value());
  EXPECT_EQ(*got->port_set, (PortSetOption{100, 50000, false}));
  ASSERT_EQ(got->others.size(), 3u);
  EXPECT_EQ(got->others[0].code, kOptThirdParty);
  EXPECT_EQ(got->others[0].data, (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                                       0xc0, 0xa8, 0x01, 0x14}));
  EXPECT_EQ(got->others[1].code, 200);
  EXPECT_EQ(got->others[1].data, (std::vector<uint8_t>{0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(got->others[2].code, 5);
  EXPECT_TRUE(got->others[2].data.empty());
  // The codec only keeps unknown options; RFC 6887 §7.3 says which ones a
  // receiver must understand, and clients ignore unknown ones in responses.
  EXPECT_TRUE(is_mandatory_option(got->others[2].code));
  EXPECT_FALSE(is_mandatory_option(got->others[1].code));
  EXPECT_FALSE(is_mandatory_option(kOptPortSet));
  EXPECT_TRUE(got->has(kOptPortSet));
  EXPECT_TRUE(got->has(kOptThirdParty));
  EXPECT_FALSE(got->has(kOptPreferFailure));
  ASSERT_NE(got->find(200), nullptr);
  EXPECT_EQ(got->find(200)->data.size(), 3u);
  EXPECT_EQ(got->find(kOptPortSet), nullptr);  // typed, not raw
}

TEST(Options, EncodesPortSetFirstThenRawInOrder) {
  Options o;
  o.others.push_back(RawOption{200, {0xaa, 0xbb, 0xcc}});
  o.others.push_back(RawOption{5, {}});
  o.port_set = PortSetOption{100, 50000, false};
  const std::vector<uint8_t> want = join({
      kPortSet100At50000,  // option 130 (PORT_SET) comes first
      {
          0xc8, 0x00, 0x00, 0x03,  // option 200, len 3
          0xaa, 0xbb, 0xcc,        //   data
          0x00,                    //   padding
          0x05, 0x00, 0x00, 0x00,  // option 5, len 0, no padding
      },
  });
  EXPECT_EQ(write(o), want);
}

TEST(Options, PaddingForEveryRemainder) {
  Options o;
  o.others.push_back(RawOption{201, {1}});
  o.others.push_back(RawOption{202, {1, 2}});
  o.others.push_back(RawOption{203, {1, 2, 3, 4}});
  const std::vector<uint8_t> want = {
      0xc9, 0x00, 0x00, 0x01,  // option 201, len 1
      0x01, 0x00, 0x00, 0x00,  //   data, 3 bytes padding
      0xca, 0x00, 0x00, 0x02,  // option 202, len 2
      0x01, 0x02, 0x00, 0x00,  //   data, 2 bytes padding
      0xcb, 0x00, 0x00, 0x04,  // option 203, len 4
      0x01, 0x02, 0x03, 0x04,  //   data, no padding
  };
  EXPECT_EQ(write(o), want);
  Result<Options> back = decode_options(want);
  ASSERT_TRUE(back.ok()) << back.error().reason();
  EXPECT_EQ(*back, o);
}

TEST(Options, IgnoresReservedByte) {
  const uint8_t bytes[] = {
      0x02, 0x5a, 0x00, 0x00,  // option 2 (PREFER_FAILURE), reserved 0x5a, len 0
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  ASSERT_EQ(got->others.size(), 1u);
  EXPECT_EQ(got->others[0], (RawOption{kOptPreferFailure, {}}));
  EXPECT_EQ(write(*got), (std::vector<uint8_t>{0x02, 0x00, 0x00, 0x00}));
}

TEST(Options, FilterMayRepeat) {
  std::vector<uint8_t> filter = {
      0x00, 0x78, 0x00, 0x00,  // reserved, prefix length 120, port 0 (all)
      0x00, 0x00, 0x00, 0x00,  // remote peer ::ffff:198.51.100.0
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0xff, 0xff,  //
      0xc6, 0x33, 0x64, 0x00,  //
  };
  Options o;
  o.others.push_back(RawOption{kOptFilter, filter});
  o.others.push_back(RawOption{kOptFilter, filter});
  const std::vector<uint8_t> bytes = write(o);
  ASSERT_EQ(bytes.size(), 2u * (4 + 20));
  Result<Options> got = decode_options(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(*got, o);
}

TEST(Options, RejectsTruncatedHeader) {
  const uint8_t bytes[] = {
      0xc8, 0x00,  // half an option header
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "offset 0: truncated header, 2 bytes left")) << got.error().reason();
}

TEST(Options, RejectsLengthOverrun) {
  const uint8_t bytes[] = {
      0xc8, 0x00, 0x00, 0x10,  // option 200, len 16
      0x01, 0x02, 0x03, 0x04,  // only 8 bytes follow
      0x05, 0x06, 0x07, 0x08,  //
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 200 (unknown) at offset 0: length 16 overruns the message"))
      << got.error().reason();
}

TEST(Options, RejectsOverrunOfSecondOption) {
  const uint8_t bytes[] = {
      0x05, 0x00, 0x00, 0x00,  // option 5, len 0
      0x01, 0x00, 0x00, 0x10,  // option 1 (THIRD_PARTY), len 16
      0x00, 0x00, 0x00, 0x00,  // only 4 bytes follow
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 1 (THIRD_PARTY) at offset 4: length 16 overruns"))
      << got.error().reason();
}

TEST(Options, RejectsMissingPaddingAtEnd) {
  const uint8_t bytes[] = {
      0xc8, 0x00, 0x00, 0x05,        // option 200, len 5
      0x01, 0x02, 0x03, 0x04, 0x05,  // data, but no padding follows
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "length 5 needs 3 padding bytes, 0 left")) << got.error().reason();
}

TEST(Options, RejectsNonZeroPadding) {
  // An encoder that forgot the padding: the next option's header lands in
  // the padding slot.
  const uint8_t bytes[] = {
      0xc8, 0x00, 0x00, 0x01,  // option 200, len 1
      0xaa,                    //   data
      0xc9, 0x00, 0x00,        //   "padding" = start of the next option
      0x00, 0x00, 0x00, 0x00,  //
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 200 (unknown) at offset 0: non-zero padding"))
      << got.error().reason();
}

TEST(Options, RejectsKnownOptionsWithWrongLength) {
  const uint8_t third_party[] = {
      0x01, 0x00, 0x00, 0x04,  // option 1 (THIRD_PARTY), len 4: expected 16
      0xc0, 0x00, 0x02, 0x01,  //   an IPv4 address, not mapped
  };
  Result<Options> got = decode_options(third_party);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 1 (THIRD_PARTY) at offset 0: length 4, expected 16"))
      << got.error().reason();

  const uint8_t prefer_failure[] = {
      0x02, 0x00, 0x00, 0x04,  // option 2 (PREFER_FAILURE), len 4: expected 0
      0x00, 0x00, 0x00, 0x00,  //
  };
  got = decode_options(prefer_failure);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 2 (PREFER_FAILURE) at offset 0: length 4, expected 0"))
      << got.error().reason();

  const uint8_t filter[] = {
      0x03, 0x00, 0x00, 0x04,  // option 3 (FILTER), len 4: expected 20
      0x00, 0x20, 0x00, 0x50,  //
  };
  got = decode_options(filter);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 3 (FILTER) at offset 0: length 4, expected 20"))
      << got.error().reason();
}

TEST(Options, RejectsPortSetWrongLength) {
  const uint8_t four[] = {
      0x82, 0x00, 0x00, 0x04,  // option 130 (PORT_SET), len 4: expected 5
      0x00, 0x20, 0xc3, 0x50,  //   size 32, first port 50000, no P byte
  };
  Result<Options> got = decode_options(four);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 130 (PORT_SET) at offset 0: length 4, expected 5"))
      << got.error().reason();

  const uint8_t eight[] = {
      0x82, 0x00, 0x00, 0x08,  // option 130 (PORT_SET), len 8: padding counted
      0x00, 0x20, 0xc3, 0x50,  //   size 32, first port 50000
      0x00, 0x00, 0x00, 0x00,  //   P byte and padding
  };
  got = decode_options(eight);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 130 (PORT_SET) at offset 0: length 8, expected 5"))
      << got.error().reason();
}

TEST(Options, RejectsPortSetSizeZero) {
  const uint8_t bytes[] = {
      0x05, 0x00, 0x00, 0x00,  // option 5, len 0
      0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
      0x00, 0x00,              //   port set size 0: invalid
      0xc3, 0x50,              //   first internal port 50000
      0x00,                    //   P = 0
      0x00, 0x00, 0x00,        //   padding
  };
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "offset 4")) << got.error().reason();
  EXPECT_TRUE(has(got.error(), "port set size 0")) << got.error().reason();
}

TEST(Options, RejectsTwoPortSets) {
  const std::vector<uint8_t> bytes = join({
      kPortSet100At50000,  // option 130 (PORT_SET)
      kPortSet100At50000,  // option 130 again: RFC 7753 §4 allows one
  });
  Result<Options> got = decode_options(bytes);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 130 (PORT_SET) at offset 12: appears more than once"))
      << got.error().reason();
}

TEST(Options, RejectsRepeatedSingletons) {
  const uint8_t prefer_failure[] = {
      0x02, 0x00, 0x00, 0x00,  // option 2 (PREFER_FAILURE), len 0
      0x02, 0x00, 0x00, 0x00,  // again: maximum occurrences 1
  };
  Result<Options> got = decode_options(prefer_failure);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 2 (PREFER_FAILURE) at offset 4: appears more than once"))
      << got.error().reason();

  Options o;
  o.others.push_back(RawOption{kOptThirdParty, std::vector<uint8_t>(16, 0)});
  o.others.push_back(RawOption{kOptThirdParty, std::vector<uint8_t>(16, 1)});
  got = decode_options(write(o));
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "option 1 (THIRD_PARTY) at offset 20: appears more than once"))
      << got.error().reason();
}

TEST(Options, RejectsPortSetWithPreferFailureInEitherOrder) {
  const std::vector<uint8_t> port_set_first = join({
      kPortSet100At50000,        // option 130 (PORT_SET)
      {0x02, 0x00, 0x00, 0x00},  // option 2 (PREFER_FAILURE), len 0
  });
  Result<Options> got = decode_options(port_set_first);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "PORT_SET together with PREFER_FAILURE")) << got.error().reason();

  const std::vector<uint8_t> prefer_failure_first = join({
      {0x02, 0x00, 0x00, 0x00},  // option 2 (PREFER_FAILURE), len 0
      kPortSet100At50000,        // option 130 (PORT_SET)
  });
  got = decode_options(prefer_failure_first);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "PORT_SET together with PREFER_FAILURE")) << got.error().reason();
}

TEST(Options, OptionNames) {
  EXPECT_STREQ(option_name(kOptThirdParty), "THIRD_PARTY");
  EXPECT_STREQ(option_name(kOptPreferFailure), "PREFER_FAILURE");
  EXPECT_STREQ(option_name(kOptFilter), "FILTER");
  EXPECT_STREQ(option_name(kOptPortSet), "PORT_SET");
  EXPECT_STREQ(option_name(0), "unknown");
  EXPECT_STREQ(option_name(255), "unknown");
}

}  // namespace
}  // namespace lwb4::pcp
