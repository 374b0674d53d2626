#include "lwb4/dhcp6/domain_list.hpp"

#include <string_view>
#include <utility>

namespace lwb4::dhcp6 {
namespace {

bool label_char_ok(uint8_t c) {
  return c >= 0x21 && c <= 0x7e && c != '.' && c != '\\';
}

}  // namespace

Result<std::vector<std::string>> decode_domain_list(wire::Bytes body) {
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t name_start = pos;
    std::string name;
    while (true) {
      if (pos >= body.size()) {
        return make_error("domain name at byte %zu is not terminated", name_start);
      }
      uint8_t len = body[pos++];
      if (len == 0) break;
      if ((len & 0xc0) == 0xc0) {
        return make_error("compression pointer at byte %zu (not allowed, RFC 8415 §10)", pos - 1);
      }
      if (len > kMaxLabelLength) {
        return make_error("label length %u at byte %zu > %zu", len, pos - 1, kMaxLabelLength);
      }
      if (len > body.size() - pos) {
        return make_error("label at byte %zu runs past the end", pos - 1);
      }
      if (!name.empty()) name.push_back('.');
      for (size_t i = 0; i < len; ++i) {
        uint8_t c = body[pos + i];
        if (!label_char_ok(c)) {
          return make_error("label at byte %zu has byte 0x%02x (not a printable name character)",
                            pos - 1, c);
        }
        name.push_back(static_cast<char>(c));
      }
      pos += len;
      if (pos - name_start + 1 > kMaxNameLength) {
        return make_error("domain name at byte %zu is longer than %zu bytes", name_start,
                          kMaxNameLength);
      }
    }
    if (name.empty()) return make_error("empty (root) domain name at byte %zu", name_start);
    names.push_back(std::move(name));
  }
  return names;
}

Status encode_domain_list(wire::Writer& w, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (name.empty()) return make_error("empty domain name");
    size_t wire_len = 1;
    std::string_view rest = name;
    std::vector<uint8_t> out;
    while (true) {
      size_t dot = rest.find('.');
      std::string_view label = rest.substr(0, dot);
      if (label.empty() || label.size() > kMaxLabelLength) {
        return make_error("domain '%.40s': label length %zu, expected 1..%zu", name.c_str(),
                          label.size(), kMaxLabelLength);
      }
      out.push_back(static_cast<uint8_t>(label.size()));
      for (char c : label) {
        if (!label_char_ok(static_cast<uint8_t>(c))) {
          return make_error("domain '%.40s': byte 0x%02x is not a name character", name.c_str(),
                            static_cast<uint8_t>(c));
        }
        out.push_back(static_cast<uint8_t>(c));
      }
      wire_len += 1 + label.size();
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    if (wire_len > kMaxNameLength) {
      return make_error("domain '%.40s' is longer than %zu bytes", name.c_str(), kMaxNameLength);
    }
    out.push_back(0);
    w.bytes(out);
  }
  return {};
}

}  // namespace lwb4::dhcp6
