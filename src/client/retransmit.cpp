#include "lwb4/client/retransmit.hpp"

#include <algorithm>

namespace lwb4::client {

void Rfc8415Retransmit::start(const Rfc8415Params& params, TimePoint now, Random& random) {
  params_ = params;
  started_ = now;
  count_ = 1;
  rt_ = random.jitter_10pct(params.irt);
  if (params_.mrt.count() > 0 && rt_ > params_.mrt) rt_ = random.jitter_10pct(params_.mrt);
  deadline_ = now + rt_;
  if (params_.mrd.count() > 0) deadline_ = std::min(deadline_, started_ + params_.mrd);
}

bool Rfc8415Retransmit::next(TimePoint now, Random& random) {
  if (params_.mrc != 0 && count_ >= params_.mrc) return false;
  if (params_.mrd.count() > 0 && now - started_ >= params_.mrd) return false;
  ++count_;
  // RFC 8415 §15: RT = 2*RTprev + RAND*RTprev (the randomness is a tenth of
  // the previous timeout, not of the doubled one).
  rt_ = rt_ + random.jitter_10pct(rt_);
  if (params_.mrt.count() > 0 && rt_ > params_.mrt) rt_ = random.jitter_10pct(params_.mrt);
  deadline_ = now + rt_;
  if (params_.mrd.count() > 0) deadline_ = std::min(deadline_, started_ + params_.mrd);
  return true;
}

void Rfc8415Retransmit::set_mrt(Millis mrt) {
  params_.mrt = mrt;
}

uint16_t Rfc8415Retransmit::elapsed_centiseconds(TimePoint now) const {
  if (count_ <= 1 && now <= started_) return 0;
  int64_t cs = (now - started_).count() / 10;
  return static_cast<uint16_t>(std::clamp<int64_t>(cs, 0, 0xffff));
}

Millis dhcp4_retransmit_delay(uint32_t attempt, Random& random) {
  int64_t base_s = int64_t{4} << std::min<uint32_t>(attempt, 4);  // 4, 8, 16, 32, 64
  return Millis(base_s * 1000) + random.uniform(Millis(0), Millis(2000)) - Millis(1000);
}

TimePoint dhcp4_renew_retry(TimePoint now, TimePoint limit) {
  if (now >= limit) return limit;
  TimePoint at = now + std::max<Millis>((limit - now) / 2, Millis(60'000));
  return std::min(at, limit);
}

}  // namespace lwb4::client
