// Helpers shared by the DHCPv6 codec tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace lwb4::dhcp6 {

using Bytes = std::vector<uint8_t>;

// EXPECT_TRUE(Contains(error.reason(), "option 32")) with a readable failure.
inline testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// Concatenates annotated byte fragments into one packet.
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace lwb4::dhcp6
