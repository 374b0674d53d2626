// Retransmission schedules: RFC 8415 §15 for DHCPv6 exchanges and
// RFC 2131 §4.1 / §4.4.5 for DHCPv4 (which DHCPv4-over-DHCPv6 keeps,
// RFC 7341 §5).
#pragma once

#include <cstdint>

#include "lwb4/client/clock.hpp"
#include "lwb4/client/random.hpp"

namespace lwb4::client {

struct Rfc8415Params {
  Millis irt;    // initial retransmission time
  Millis mrt;    // maximum retransmission time, 0 = none
  uint32_t mrc;  // maximum retransmission count, 0 = none
  Millis mrd;    // maximum retransmission duration, 0 = none
};

// INF_TIMEOUT 1 s, INF_MAX_RT 3600 s, MRC 0, MRD 0 (RFC 8415 §7.6, §18.2.6).
constexpr Rfc8415Params kInformationRequestParams{Millis(1000), Millis(3'600'000), 0, Millis(0)};

// One DHCPv6 exchange's RT sequence (RFC 8415 §15):
//   RT = IRT + RAND*IRT, then RT = 2*RTprev + RAND*RTprev,
//   capped as MRT + RAND*MRT; fails after MRC sends or MRD time.
class Rfc8415Retransmit {
 public:
  // The first transmission happens at `now`.
  void start(const Rfc8415Params& params, TimePoint now, Random& random);
  // Called at deadline(): true if another transmission is due now, false if
  // the exchange has failed (MRC or MRD reached).
  bool next(TimePoint now, Random& random);

  // A new MRT for the exchange under way (RFC 8415 §18.2.10: a Reply's
  // INF_MAX_RT applies at once, also when its status is a failure); it caps
  // the next timeout computed, the one running is left as it is.
  void set_mrt(Millis mrt);

  TimePoint deadline() const { return deadline_; }
  Millis rt() const { return rt_; }
  uint32_t transmissions() const { return count_; }
  // ELAPSED_TIME in 1/100 s since the first transmission, saturating at
  // 0xffff (RFC 8415 §21.9).
  uint16_t elapsed_centiseconds(TimePoint now) const;

 private:
  Rfc8415Params params_{};
  TimePoint started_{};
  TimePoint deadline_ = kNever;
  Millis rt_{0};
  uint32_t count_ = 0;
};

// RFC 2131 §4.1: 4 s, 8 s, ... up to 64 s, each randomised by +-1 s.
// `attempt` counts from 0 for the first retransmission wait.
Millis dhcp4_retransmit_delay(uint32_t attempt, Random& random);

// RFC 2131 §4.4.5: in RENEWING/REBINDING, wait half the time left until
// `limit` (T2 or lease end), but at least 60 s; never past `limit`.
TimePoint dhcp4_renew_retry(TimePoint now, TimePoint limit);

}  // namespace lwb4::client
