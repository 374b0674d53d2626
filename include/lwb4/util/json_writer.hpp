// A minimal JSON text builder for machine-readable reports (lwb4ctl --json).
// Output is compact (no whitespace); the caller is responsible for calling
// begin/end in matching pairs and key() before each value inside an object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lwb4 {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();

  // The member name of the next value; only valid inside an object.
  JsonWriter& key(std::string_view name);

  // Values are named methods on purpose: overloads on string_view, bool and
  // integers would pick bool for a string literal.
  JsonWriter& string(std::string_view text);
  JsonWriter& number(int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  const std::string& str() const { return out_; }

 private:
  // Writes the ',' that separates this element from the previous one.
  void before_value();
  void open(char bracket);
  void close(char bracket);

  std::string out_;
  std::vector<bool> has_element_;  // one entry per open object/array
  bool after_key_ = false;
};

// Appends `text` to `out` as a quoted JSON string: '"' and '\' are escaped,
// control characters become \n, \t, ... or \u00XX; other bytes pass through.
void append_json_string(std::string& out, std::string_view text);

}  // namespace lwb4
