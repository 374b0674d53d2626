#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/portset/port_set.hpp"

namespace lwb4 {
namespace {

bool mentions(const Error& e, const std::string& what) {
  return e.reason().find(what) != std::string::npos;
}

PortSet must(Result<PortSet> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason());
  return r.ok() ? *r : PortSet::full();
}

// RFC 7597 Appendix A example 1: a = 6, k = 8, PSID 0x34.
TEST(PortSet, Rfc7597AppendixAExample1) {
  PortSet s = must(PortSet::create(6, 8, 0x34));
  EXPECT_EQ(s.m(), 2u);
  EXPECT_EQ(s.count(), 252u);
  auto r = s.ranges();
  ASSERT_EQ(r.size(), 63u);
  EXPECT_EQ(r[0], (PortRange{1232, 1235}));
  EXPECT_EQ(r[1], (PortRange{2256, 2259}));
  EXPECT_EQ(r[61], (PortRange{63696, 63699}));
  EXPECT_EQ(r[62], (PortRange{64720, 64723}));
  // protocol-facts §3: th sport & 0x03fc == 0x00d0, >= 1024.
  EXPECT_EQ(s.mask(), (PortMask{0x03fc, 0x00d0, 1024}));
  EXPECT_EQ(s.psid_field(), 0x3400);
}

// RFC 7597 Appendix B: R = 256, PSID 0, a = 6.
TEST(PortSet, Rfc7597AppendixBPsidZeroOffset6) {
  PortSet s = must(PortSet::create(6, 8, 0));
  auto r = s.ranges();
  ASSERT_EQ(r.size(), 63u);
  EXPECT_EQ(r[0], (PortRange{1024, 1027}));
  EXPECT_EQ(r[1], (PortRange{2048, 2051}));
  EXPECT_EQ(r[61], (PortRange{63488, 63491}));
  EXPECT_EQ(r[62], (PortRange{64512, 64515}));
}

// RFC 7597 Appendix B: R = 64, PSID 0, a = 0 gives 0-1023; port 0 is excluded.
TEST(PortSet, Rfc7597AppendixBOffsetZeroExcludesPortZero) {
  PortSet s = must(PortSet::create(0, 6, 0));
  auto r = s.ranges();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (PortRange{1, 1023}));
  EXPECT_EQ(s.count(), 1023u);
  EXPECT_FALSE(s.contains(0));
  EXPECT_TRUE(s.contains(1));
  EXPECT_EQ(s.port_at(0), 1);
  EXPECT_EQ(s.mask(), (PortMask{0xfc00, 0x0000, 1}));
}

// Kea 2.2 v4-portparams "6, 52/6" is sent as 9f 04 06 06 d0 00.
TEST(PortSet, KeaPortParamsBytes) {
  const uint8_t body[] = {
      0x06,        // offset 6
      0x06,        // PSID-len 6
      0xd0, 0x00,  // PSID 52, left-aligned (110100 << 10)
  };
  auto s = read_port_params(body);
  ASSERT_TRUE(s) << s.error().reason();
  EXPECT_EQ(s->offset(), 6);
  EXPECT_EQ(s->psid_len(), 6);
  EXPECT_EQ(s->psid(), 52);
  EXPECT_EQ(s->count(), 1008u);  // 63 ranges of 16
  EXPECT_EQ(s->ranges()[0], (PortRange{1856, 1871}));
  std::vector<uint8_t> out;
  wire::Writer w(out);
  write_port_params(w, *s);
  EXPECT_EQ(out, std::vector<uint8_t>(std::begin(body), std::end(body)));
}

TEST(PortSet, Offset4PsidLen8Has240Ports) {
  PortSet s = must(PortSet::create(4, 8, 0x12));
  EXPECT_EQ(s.count(), 240u);
  EXPECT_EQ(s.ranges().size(), 15u);
  EXPECT_EQ(s.ranges()[0], (PortRange{4096 | 0x120, 4096 | 0x12f}));
}

TEST(PortSet, PsidLen16IsOnePort) {
  PortSet s = must(PortSet::create(0, 16, 40000));
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.ranges(), (std::vector<PortRange>{{40000, 40000}}));
  EXPECT_EQ(s.mask(), (PortMask{0xffff, 40000, 1}));
  EXPECT_EQ(s.psid_field(), 40000);
}

TEST(PortSet, PsidLenZeroIsUnshared) {
  PortSet s = must(PortSet::create(6, 0, 0));
  EXPECT_TRUE(s.is_full());
  EXPECT_EQ(s.count(), 65535u);
  EXPECT_EQ(s.ranges(), (std::vector<PortRange>{{1, 65535}}));
  EXPECT_TRUE(s.contains(80));
  EXPECT_FALSE(s.contains(0));
  EXPECT_EQ(s.mask(), (PortMask{0, 0, 1}));
  // On the wire, the PSID field is ignored when PSID-len is 0 (RFC 7618 §4).
  auto w = PortSet::from_wire(6, 0, 0xffff);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->psid(), 0);
  EXPECT_EQ(w->psid_field(), 0);
}

TEST(PortSet, OffsetZeroNonZeroPsidStartsAtItsBlock) {
  PortSet s = must(PortSet::create(0, 6, 5));
  EXPECT_EQ(s.ranges(), (std::vector<PortRange>{{5120, 6143}}));
  EXPECT_EQ(s.count(), 1024u);
  EXPECT_EQ(s.port_at(0), 5120);
  EXPECT_EQ(s.index_of(6143), 1023u);
}

TEST(PortSet, IndexMapsAcrossRanges) {
  PortSet s = must(PortSet::create(6, 8, 0x34));
  EXPECT_EQ(s.port_at(0), 1232);
  EXPECT_EQ(s.port_at(3), 1235);
  EXPECT_EQ(s.port_at(4), 2256);
  EXPECT_EQ(s.port_at(251), 64723);
  EXPECT_EQ(s.index_of(2257), 5u);
  EXPECT_FALSE(s.index_of(1236).has_value());
  EXPECT_FALSE(s.index_of(208).has_value());  // PSID bits match, but A = 0
}

TEST(PortSet, RejectsOffsetAbove15) {
  auto r = PortSet::create(16, 0, 0);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "offset 16 > 15"));
}

TEST(PortSet, RejectsOffsetPlusLengthAbove16) {
  auto r = PortSet::create(10, 8, 1);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "offset 10 + PSID-len 8 > 16"));
  auto w = PortSet::from_wire(10, 8, 0x0100);
  ASSERT_FALSE(w);
  EXPECT_TRUE(mentions(w.error(), "> 16"));
}

TEST(PortSet, RejectsPsidLenAbove16) {
  auto r = PortSet::from_wire(0, 17, 0);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "PSID-len 17 > 16"));
}

TEST(PortSet, RejectsPsidThatDoesNotFit) {
  auto r = PortSet::create(6, 6, 64);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "PSID 64 does not fit in PSID-len 6 (max 63)"));
  auto z = PortSet::create(6, 0, 3);
  ASSERT_FALSE(z);
  EXPECT_TRUE(mentions(z.error(), "PSID-len 0"));
}

TEST(PortSet, RejectsNonZeroPaddingBits) {
  auto r = PortSet::from_wire(6, 8, 0x3401);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "0x3401 has non-zero bits past PSID-len 8"));
}

TEST(PortSet, RejectsEmptySet) {
  auto r = PortSet::create(0, 16, 0);  // only port 0, which is excluded
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "no usable port"));
}

TEST(PortSet, ReadPortParamsChecksLength) {
  const uint8_t three[] = {6, 8, 0x34};
  auto r = read_port_params(three);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "length 3, expected 4"));
  const uint8_t five[] = {6, 8, 0x34, 0, 0};
  EXPECT_FALSE(read_port_params(five));
}

TEST(PortSet, Describe) {
  EXPECT_EQ(must(PortSet::create(6, 8, 0x34)).describe(), "offset 6, PSID-len 8, PSID 52 (0x34)");
}

// Every (offset, PSID-len) and several PSIDs: ranges, membership, the mask
// form, count and the index mapping agree with each other on all ports.
TEST(PortSet, AllRepresentationsAgreeOnEveryPort) {
  int sets = 0;
  for (unsigned a = 0; a <= 15; ++a) {
    for (unsigned k = 0; a + k <= 16; ++k) {
      unsigned max = k == 0 ? 0 : (1u << k) - 1;
      for (unsigned psid : {0u, max / 2, max}) {
        auto made = PortSet::create(a, k, psid);
        if (!made) {
          EXPECT_TRUE(a == 0 && k == 16 && psid == 0) << made.error().reason();
          continue;
        }
        const PortSet& s = *made;
        ++sets;
        std::vector<bool> in_range(65536, false);
        uint32_t prev_last = 0;
        bool first = true;
        for (const PortRange& r : s.ranges()) {
          ASSERT_LE(r.first, r.last);
          if (!first) {
            ASSERT_GT(r.first, prev_last);
          }
          first = false;
          prev_last = r.last;
          for (uint32_t p = r.first; p <= r.last; ++p)
            in_range[p] = true;
        }
        PortMask pm = s.mask();
        uint32_t members = 0;
        for (uint32_t p = 0; p <= 65535; ++p) {
          auto port = static_cast<uint16_t>(p);
          bool in = s.contains(port);
          bool by_mask = (port & pm.mask) == pm.value && port >= pm.min_port;
          ASSERT_EQ(in, in_range[p]) << s.describe() << " port " << p;
          ASSERT_EQ(in, by_mask) << s.describe() << " port " << p;
          if (in) {
            auto idx = s.index_of(port);
            ASSERT_TRUE(idx.has_value());
            ASSERT_EQ(*idx, members) << s.describe() << " port " << p;
            ASSERT_EQ(s.port_at(*idx), port);
            ++members;
          }
        }
        ASSERT_EQ(members, s.count()) << s.describe();
        // Wire form round-trips.
        auto back = PortSet::from_wire(s.offset(), s.psid_len(), s.psid_field());
        ASSERT_TRUE(back);
        ASSERT_EQ(*back, s);
      }
    }
  }
  EXPECT_GT(sets, 300);
}

// Ranges, membership, the mask form with both bounds, count and the index
// mapping of `s` agree on all 65536 ports.
void check_consistent(const PortSet& s) {
  std::vector<bool> in_range(65536, false);
  for (const PortRange& r : s.ranges()) {
    for (uint32_t p = r.first; p <= r.last; ++p)
      in_range[p] = true;
  }
  PortMask pm = s.mask();
  uint32_t members = 0;
  for (uint32_t p = 0; p <= 65535; ++p) {
    auto port = static_cast<uint16_t>(p);
    bool in = s.contains(port);
    bool by_mask = (port & pm.mask) == pm.value && port >= pm.min_port && port <= pm.max_port;
    ASSERT_EQ(in, in_range[p]) << s.describe() << " port " << p;
    ASSERT_EQ(in, by_mask) << s.describe() << " port " << p;
    if (in) {
      auto idx = s.index_of(port);
      ASSERT_TRUE(idx.has_value());
      ASSERT_EQ(*idx, members) << s.describe() << " port " << p;
      ASSERT_EQ(s.port_at(*idx), port);
      ++members;
    }
  }
  ASSERT_EQ(members, s.count()) << s.describe();
}

TEST(PortSetContiguous, UnalignedRangeIsARange) {
  // RFC 7753 §4 style grant: 100 ports from 50000.
  PortSet s = must(PortSet::contiguous(50000, 100));
  EXPECT_TRUE(s.is_range());
  EXPECT_FALSE(s.is_full());
  EXPECT_EQ(s.count(), 100u);
  EXPECT_EQ(s.ranges(), (std::vector<PortRange>{{50000, 50099}}));
  EXPECT_EQ(s.port_at(0), 50000);
  EXPECT_EQ(s.port_at(99), 50099);
  EXPECT_EQ(s.index_of(50099), 99u);
  EXPECT_FALSE(s.index_of(50100));
  EXPECT_FALSE(s.contains(49999));
  // 50000..50099 (0xc350..0xc3b3) share the top 8 bits; the bounds cut the block.
  EXPECT_EQ(s.mask(), (PortMask{0xff00, 0xc300, 50000, 50099}));
  EXPECT_EQ(s.describe(), "ports 50000-50099 (contiguous)");
  EXPECT_NE(s, must(PortSet::contiguous(50000, 101)));
  check_consistent(s);
}

TEST(PortSetContiguous, AlignedBlocksArePsidSets) {
  // RFC 7753 §4 example: 32 ports at 37056 = 1158 * 32.
  EXPECT_EQ(must(PortSet::contiguous(37056, 32)), must(PortSet::create(0, 11, 1158)));
  EXPECT_FALSE(must(PortSet::contiguous(37056, 32)).is_range());
  // RFC 7753 §5.2 example: 2048 ports at 26624 = 13 * 2048.
  EXPECT_EQ(must(PortSet::contiguous(26624, 2048)), must(PortSet::create(0, 5, 13)));
  EXPECT_EQ(must(PortSet::contiguous(40000, 1)), must(PortSet::create(0, 16, 40000)));
  // The block of PSID 0 without port 0.
  EXPECT_EQ(must(PortSet::contiguous(1, 1023)), must(PortSet::create(0, 6, 0)));
  EXPECT_EQ(must(PortSet::contiguous(1, 65535)), PortSet::full());
  EXPECT_EQ(PortSet::contiguous(32768, 32768).ok(), true);  // the upper half
}

TEST(PortSetContiguous, Rejects) {
  EXPECT_FALSE(PortSet::contiguous(0, 10));
  EXPECT_FALSE(PortSet::contiguous(100, 0));
  EXPECT_FALSE(PortSet::contiguous(65500, 37));
  EXPECT_TRUE(PortSet::contiguous(65500, 36));
  EXPECT_EQ(PortSet::contiguous(65500, 37).error().reason(),
            "port range 65500-65536 is outside 1-65535");
}

TEST(PortSetContiguous, AllRepresentationsAgree) {
  for (auto [first, count] : std::vector<std::pair<uint32_t, uint32_t>>{{50000, 100},
                                                                        {1, 2},
                                                                        {1, 1000},
                                                                        {2, 65534},
                                                                        {3, 5},
                                                                        {1025, 3072},
                                                                        {65535, 1},
                                                                        {32767, 2},
                                                                        {4097, 4095},
                                                                        {12345, 53191}}) {
    auto s = PortSet::contiguous(first, count);
    ASSERT_TRUE(s) << first << "+" << count;
    EXPECT_EQ(s->count(), count);
    check_consistent(*s);
  }
}

}  // namespace
}  // namespace lwb4
