#include "lwb4/util/json_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lwb4 {
namespace {

TEST(JsonWriter, NestsObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.begin_object();
  w.key("a").number(1);
  w.key("b").begin_array().number(-2).boolean(true).boolean(false).null().end_array();
  w.key("c").begin_object().end_object();
  w.key("d").begin_array().begin_array().number(1).number(2).end_array().begin_array().end_array();
  w.end_array();
  w.key("e").string("x");
  w.end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[-2,true,false,null],"c":{},"d":[[1,2],[]],"e":"x"})");
}

TEST(JsonWriter, EscapesStrings) {
  JsonWriter w;
  w.begin_array();
  w.string("quote \" backslash \\ slash /");
  w.string(std::string("nl\n cr\r tab\t bs\b ff\f nul") + '\0' + "\x01\x1f");
  w.string("\xc3\xa9");  // UTF-8 passes through
  w.end_array();
  EXPECT_EQ(w.str(),
            "[\"quote \\\" backslash \\\\ slash /\","
            "\"nl\\n cr\\r tab\\t bs\\b ff\\f nul\\u0000\\u0001\\u001f\","
            "\"\xc3\xa9\"]");
}

#define R "\xef\xbf\xbd"  // U+FFFD in UTF-8

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacters) {
  // RFC 8259 §8.1: JSON text is UTF-8; a device or flowtable name from the
  // kernel need not be.
  JsonWriter w;
  w.begin_array();
  w.string("\xe2\x82\xac \xf0\x9f\x98\x80");  // U+20AC, U+1F600: kept
  w.string(
      "a\xff"
      "b");                      // never valid
  w.string("\xc3");              // cut short
  w.string("\xc0\xaf");          // overlong "/"
  w.string("\xed\xa0\x80");      // a surrogate
  w.string("\xf4\x90\x80\x80");  // above U+10FFFF
  w.end_array();
  EXPECT_EQ(w.str(), "[\"\xe2\x82\xac \xf0\x9f\x98\x80\",\"a" R "b\",\"" R "\",\"" R R "\",\"" R R R
                     "\",\"" R R R R "\"]");
}
#undef R

TEST(JsonWriter, EscapesKeys) {
  JsonWriter w;
  w.begin_object().key("k\"1").number(0).end_object();
  EXPECT_EQ(w.str(), R"({"k\"1":0})");
}

TEST(JsonWriter, LargeNumbers) {
  JsonWriter w;
  w.begin_array().number(281474976710655).number(-9223372036854775807 - 1).end_array();
  EXPECT_EQ(w.str(), "[281474976710655,-9223372036854775808]");
}

}  // namespace
}  // namespace lwb4
