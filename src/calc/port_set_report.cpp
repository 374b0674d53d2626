#include "lwb4/calc/port_set_report.hpp"

#include <cstdio>

namespace lwb4::calc {
namespace {

constexpr int kLabelWidth = 17;  // "End-user prefix: " is the longest label

std::string hex(unsigned value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", width, value);
  return buf;
}

}  // namespace

std::string text_line(const char* label, const std::string& value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%-*s", kLabelWidth, (std::string(label) + ":").c_str());
  return buf + value + "\n";
}

std::string format_ranges(const PortSet& set) {
  std::string out;
  for (const PortRange& r : set.ranges()) {
    if (!out.empty()) out += ' ';
    out += std::to_string(r.first) + "-" + std::to_string(r.last);
  }
  return out;
}

std::string nft_match(const PortSet& set) {
  PortMask m = set.mask();
  return "th sport & " + hex(m.mask, 4) + " == " + hex(m.value, 4) +
         ", >= " + std::to_string(m.min_port);
}

std::string port_set_text(const PortSet& set) {
  std::string out;
  out += text_line("offset", std::to_string(set.offset()));
  out += text_line("PSID-len", std::to_string(set.psid_len()));
  out += text_line("PSID", std::to_string(set.psid()) + " (" + hex(set.psid(), 0) + ")");
  out += text_line("PSID field", hex(set.psid_field(), 4));
  size_t n = set.ranges().size();
  out += text_line("ports", std::to_string(set.count()) + " in " + std::to_string(n) +
                                (n == 1 ? " range" : " ranges"));
  out += text_line("ranges", format_ranges(set));
  out += text_line("nft", nft_match(set));
  return out;
}

void write_port_set_members(JsonWriter& w, const PortSet& set) {
  w.key("offset").number(set.offset());
  w.key("psid_len").number(set.psid_len());
  w.key("psid").number(set.psid());
  w.key("psid_field").number(set.psid_field());
  w.key("ports").number(set.count());
  w.key("ranges").begin_array();
  for (const PortRange& r : set.ranges())
    w.begin_array().number(r.first).number(r.last).end_array();
  w.end_array();
  PortMask m = set.mask();
  w.key("mask").begin_object();
  w.key("mask").number(m.mask).key("value").number(m.value).key("min_port").number(m.min_port);
  w.end_object();
}

std::string port_set_json(const PortSet& set) {
  JsonWriter w;
  w.begin_object();
  write_port_set_members(w, set);
  w.end_object();
  return w.str() + "\n";
}

}  // namespace lwb4::calc
