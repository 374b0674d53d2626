// Golden outputs, written by hand from the RFC 7597 App. A/B numbers: for
// A = 1..63 the App. A ranges are A*1024 + 0x34*4 .. +3.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/calc/map_report.hpp"
#include "lwb4/calc/port_set_report.hpp"

namespace lwb4::calc {
namespace {

const std::string kAppARanges =
    "1232-1235 2256-2259 3280-3283 4304-4307 5328-5331 6352-6355 7376-7379 8400-8403 "
    "9424-9427 10448-10451 11472-11475 12496-12499 13520-13523 14544-14547 15568-15571 "
    "16592-16595 17616-17619 18640-18643 19664-19667 20688-20691 21712-21715 22736-22739 "
    "23760-23763 24784-24787 25808-25811 26832-26835 27856-27859 28880-28883 29904-29907 "
    "30928-30931 31952-31955 32976-32979 34000-34003 35024-35027 36048-36051 37072-37075 "
    "38096-38099 39120-39123 40144-40147 41168-41171 42192-42195 43216-43219 44240-44243 "
    "45264-45267 46288-46291 47312-47315 48336-48339 49360-49363 50384-50387 51408-51411 "
    "52432-52435 53456-53459 54480-54483 55504-55507 56528-56531 57552-57555 58576-58579 "
    "59600-59603 60624-60627 61648-61651 62672-62675 63696-63699 64720-64723";

const std::string kAppAJsonRanges =
    "[[1232,1235],[2256,2259],[3280,3283],[4304,4307],[5328,5331],[6352,6355],[7376,7379],"
    "[8400,8403],[9424,9427],[10448,10451],[11472,11475],[12496,12499],[13520,13523],"
    "[14544,14547],[15568,15571],[16592,16595],[17616,17619],[18640,18643],[19664,19667],"
    "[20688,20691],[21712,21715],[22736,22739],[23760,23763],[24784,24787],[25808,25811],"
    "[26832,26835],[27856,27859],[28880,28883],[29904,29907],[30928,30931],[31952,31955],"
    "[32976,32979],[34000,34003],[35024,35027],[36048,36051],[37072,37075],[38096,38099],"
    "[39120,39123],[40144,40147],[41168,41171],[42192,42195],[43216,43219],[44240,44243],"
    "[45264,45267],[46288,46291],[47312,47315],[48336,48339],[49360,49363],[50384,50387],"
    "[51408,51411],[52432,52435],[53456,53459],[54480,54483],[55504,55507],[56528,56531],"
    "[57552,57555],[58576,58579],[59600,59603],[60624,60627],[61648,61651],[62672,62675],"
    "[63696,63699],[64720,64723]]";

const std::string kAppAPortLines =
    "offset:          6\n"
    "PSID-len:        8\n"
    "PSID:            52 (0x34)\n"
    "PSID field:      0x3400\n"
    "ports:           252 in 63 ranges\n"
    "ranges:          " +
    kAppARanges +
    "\n"
    "nft:             th sport & 0x03fc == 0x00d0, >= 1024\n";

const std::string kAppAPortJson =
    "\"offset\":6,\"psid_len\":8,\"psid\":52,\"psid_field\":13312,\"ports\":252,"
    "\"ranges\":" +
    kAppAJsonRanges + ",\"mask\":{\"mask\":1020,\"value\":208,\"min_port\":1024}";

// RFC 7597 App. A BMR as odhcp6c writes it, with F and one BR.
constexpr std::string_view kAppARule =
    "fmr,type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
    "ipv6prefix=2001:db8::,br=2001:db8:ffff::1,";

Ipv6Prefix v6(const char* text) {
  return *Ipv6Prefix::parse(text);
}

std::vector<s46::ScriptRule> rules(std::string_view text) {
  auto r = s46::parse_rule_strings(text);
  EXPECT_TRUE(r) << r.error().reason();
  return r.ok() ? *r : std::vector<s46::ScriptRule>{};
}

TEST(PortSetReport, AppendixAText) {
  EXPECT_EQ(port_set_text(*PortSet::create(6, 8, 0x34)), kAppAPortLines);
}

TEST(PortSetReport, AppendixAJson) {
  EXPECT_EQ(port_set_json(*PortSet::create(6, 8, 0x34)), "{" + kAppAPortJson + "}\n");
}

TEST(PortSetReport, AppendixBOffsetZero) {
  // App. B: R = 64, PSID 0, a = 0 -> 0-1023 without port 0.
  EXPECT_EQ(port_set_text(*PortSet::create(0, 6, 0)),
            "offset:          0\n"
            "PSID-len:        6\n"
            "PSID:            0 (0x0)\n"
            "PSID field:      0x0000\n"
            "ports:           1023 in 1 range\n"
            "ranges:          1-1023\n"
            "nft:             th sport & 0xfc00 == 0x0000, >= 1\n");
}

TEST(PortSetReport, NftMatchAndRanges) {
  EXPECT_EQ(nft_match(*PortSet::create(0, 6, 3)), "th sport & 0xfc00 == 0x0c00, >= 1");
  EXPECT_EQ(nft_match(*PortSet::create(4, 8, 0xff)), "th sport & 0x0ff0 == 0x0ff0, >= 4096");
  EXPECT_EQ(format_ranges(*PortSet::create(0, 6, 3)), "3072-4095");
  // m = 0: one-port ranges still print as first-last.
  EXPECT_EQ(format_ranges(*PortSet::create(4, 12, 1)).substr(0, 20), "4097-4097 8193-8193 ");
}

TEST(MapReport, AppendixAText) {
  auto report = make_map_report(rules(kAppARule), v6("2001:db8:12:3400::/56"));
  ASSERT_TRUE(report) << report.error().reason();
  EXPECT_EQ(map_report_text(*report),
            "type:            map-e\n"
            "rule IPv6:       2001:db8::/40\n"
            "rule IPv4:       192.0.2.0/24\n"
            "EA-len:          16\n"
            "End-user prefix: 2001:db8:12:3400::/56\n"
            "EA bits:         0x1234 (16 bits)\n"
            "IPv4 address:    192.0.2.18 (shared by 256)\n"
            "CE IPv6:         2001:db8:12:3400:0:c000:212:34\n"
            "interface id:    0000:c000:0212:0034\n"
            "PSID source:     EA bits\n" +
                kAppAPortLines +
                "BR:              2001:db8:ffff::1\n"
                "FMR:             192.0.2.0/24 (rule 1)\n");
}

TEST(MapReport, AppendixAJson) {
  auto report = make_map_report(rules(kAppARule), v6("2001:db8:12:3400::/56"));
  ASSERT_TRUE(report) << report.error().reason();
  EXPECT_EQ(map_report_json(*report),
            "{\"type\":\"map-e\",\"bmr_index\":0,\"ipv6_rule\":\"2001:db8::/40\","
            "\"ipv4_rule\":\"192.0.2.0/24\",\"ea_len\":16,"
            "\"end_user_prefix\":\"2001:db8:12:3400::/56\",\"ea_bits\":4660,"
            "\"address_kind\":\"shared\",\"ipv4\":\"192.0.2.18\",\"ipv4_len\":32,"
            "\"ce_ipv6\":\"2001:db8:12:3400:0:c000:212:34\","
            "\"interface_id\":\"0000:c000:0212:0034\",\"legacy\":false,"
            "\"psid_source\":\"ea\"," +
                kAppAPortJson +
                ",\"brs\":[\"2001:db8:ffff::1\"],\"dmr\":null,"
                "\"fmrs\":[{\"ipv4_prefix\":\"192.0.2.0/24\",\"rule_index\":0}]}\n");
}

TEST(MapReport, PrefixAndMapTText) {
  auto report =
      make_map_report(rules("type=map-t,ealen=8,prefix4len=16,prefix6len=40,ipv4prefix=10.0.0.0,"
                            "ipv6prefix=2001:db8::,dmr=2001:db8:ffff::/64,"),
                      v6("2001:db8:12::/48"));
  ASSERT_TRUE(report) << report.error().reason();
  EXPECT_EQ(map_report_text(*report),
            "type:            map-t\n"
            "rule IPv6:       2001:db8::/40\n"
            "rule IPv4:       10.0.0.0/16\n"
            "EA-len:          8\n"
            "End-user prefix: 2001:db8:12::/48\n"
            "EA bits:         0x12 (8 bits)\n"
            "IPv4 prefix:     10.0.18.0/24\n"
            "CE IPv6:         2001:db8:12::a00:1200:0\n"
            "interface id:    0000:0a00:1200:0000\n"
            "ports:           all (not shared)\n"
            "DMR:             2001:db8:ffff::/64\n");
}

TEST(MapReport, PrefixJsonUsesTheFullPortSet) {
  auto report =
      make_map_report(rules("type=map-e,ealen=8,prefix4len=16,prefix6len=40,ipv4prefix=10.0.0.0,"
                            "ipv6prefix=2001:db8::,"),
                      v6("2001:db8:12::/48"));
  ASSERT_TRUE(report) << report.error().reason();
  EXPECT_EQ(map_report_json(*report),
            "{\"type\":\"map-e\",\"bmr_index\":0,\"ipv6_rule\":\"2001:db8::/40\","
            "\"ipv4_rule\":\"10.0.0.0/16\",\"ea_len\":8,\"end_user_prefix\":\"2001:db8:12::/48\","
            "\"ea_bits\":18,\"address_kind\":\"prefix\",\"ipv4\":\"10.0.18.0\",\"ipv4_len\":24,"
            "\"ce_ipv6\":\"2001:db8:12::a00:1200:0\",\"interface_id\":\"0000:0a00:1200:0000\","
            "\"legacy\":false,\"psid_source\":\"none\",\"offset\":0,\"psid_len\":0,\"psid\":0,"
            "\"psid_field\":0,\"ports\":65535,\"ranges\":[[1,65535]],"
            "\"mask\":{\"mask\":0,\"value\":0,\"min_port\":1},\"brs\":[],\"dmr\":null,"
            "\"fmrs\":[]}\n");
}

TEST(MapReport, Lw4o6WithoutPrefixUsesTheBindingPrefix) {
  auto report = make_map_report(rules("type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,"
                                      "ipv6prefix=2001:db8:1:200::,offset=0,psidlen=6,psid=3072,"
                                      "br=2001:db8::1,"),
                                std::nullopt);
  ASSERT_TRUE(report) << report.error().reason();
  std::string text = map_report_text(*report);
  EXPECT_NE(text.find("type:            lw4o6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("End-user prefix: 2001:db8:1:200::/56\n"), std::string::npos) << text;
  EXPECT_NE(text.find("EA bits:         none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("IPv4 address:    192.0.2.1 (shared by 64)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CE IPv6:         2001:db8:1:200:0:c000:201:3\n"), std::string::npos);
  EXPECT_NE(text.find("PSID source:     S46_PORTPARAMS\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ranges:          3072-4095\n"), std::string::npos) << text;
}

TEST(MapReport, PicksTheBmrAmongSeveralRules) {
  auto report = make_map_report(
      rules("type=map-e,ealen=16,prefix4len=24,prefix6len=32,ipv4prefix=203.0.113.0,"
            "ipv6prefix=2001:db8::, " +
            std::string(kAppARule) + " "),
      v6("2001:db8:12:3400::/56"));
  ASSERT_TRUE(report) << report.error().reason();
  EXPECT_EQ(report->bmr_index, 1u);
  std::string text = map_report_text(*report);
  EXPECT_TRUE(text.starts_with("BMR:             rule 2 of 2\ntype:")) << text;
  EXPECT_NE(text.find("IPv4 address:    192.0.2.18 (shared by 256)\n"), std::string::npos);
  EXPECT_NE(text.find("FMR:             192.0.2.0/24 (rule 2)\n"), std::string::npos);
  EXPECT_NE(map_report_json(*report).find("\"bmr_index\":1,"), std::string::npos);
}

TEST(MapReport, LegacyText) {
  auto report =
      make_map_report(rules(kAppARule), v6("2001:db8:12:3400::/56"), s46::IidLayout::kLegacy);
  ASSERT_TRUE(report) << report.error().reason();
  std::string text = map_report_text(*report);
  EXPECT_NE(text.find("CE IPv6:         2001:db8:12:3400:c0:2:1200:3400\n"
                      "interface id:    00c0:0002:1200:3400\n"
                      "IID layout:      legacy (draft-ietf-softwire-map-03)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("offset:          4\n"), std::string::npos) << text;
  EXPECT_NE(map_report_json(*report).find("\"legacy\":true,"), std::string::npos);
}

TEST(MapReport, Errors) {
  auto no_prefix = make_map_report(rules(kAppARule), std::nullopt);
  ASSERT_FALSE(no_prefix);
  EXPECT_EQ(no_prefix.error().reason(), "an End-user prefix is needed to pick and apply the BMR");
  auto no_rules = make_map_report({}, v6("2001:db8::/56"));
  ASSERT_FALSE(no_rules);
  EXPECT_EQ(no_rules.error().reason(), "no rules");
  auto no_bmr = make_map_report(rules(kAppARule), v6("2001:db9::/56"));
  ASSERT_FALSE(no_bmr);
  EXPECT_EQ(no_bmr.error().reason(), "no BMR matches 2001:db9::/56 (1 rule)");
  auto too_short = make_map_report(rules(kAppARule), v6("2001:db8:12::/48"));
  ASSERT_FALSE(too_short);
  EXPECT_NE(too_short.error().reason().find("longer than the End-user prefix /48"),
            std::string::npos);
}

TEST(MapReport, InterfaceIdFormat) {
  EXPECT_EQ(format_interface_id({0x00, 0x00, 0xc0, 0x00, 0x02, 0x12, 0x00, 0x34}),
            "0000:c000:0212:0034");
  EXPECT_EQ(format_interface_id({0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88}),
            "ffee:ddcc:bbaa:9988");
}

}  // namespace
}  // namespace lwb4::calc
