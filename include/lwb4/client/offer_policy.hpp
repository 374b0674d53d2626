// Choosing one DHCPOFFER among those collected in SELECTING (RFC 2131
// §4.4.1 leaves the choice to the client; RFC 7618 §7 and RFC 7341 §9 ask to
// prefer a full address over a shared one unless configured otherwise).
#pragma once

#include <cstddef>
#include <span>

#include "lwb4/client/engine.hpp"
#include "lwb4/portset/port_set.hpp"

namespace lwb4::client {

// "prefer-full", "largest-port-set", "first" (for logs and configuration).
const char* offer_policy_name(OfferPolicy policy);

// The index of the offer to take. `offered` holds the port set of every
// valid offer in arrival order, PortSet::full() for an offer without option
// 159 (or with PSID-len 0). Ties go to the earliest offer. `offered` must not
// be empty; the result is then always < offered.size().
size_t choose_offer(OfferPolicy policy, std::span<const PortSet> offered);

}  // namespace lwb4::client
