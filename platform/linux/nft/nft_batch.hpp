// Turns a NatPlan into one nf_tables transaction (libnftnl messages in an
// NFNL batch) and sends it over netlink (libmnl). The batch adds the table,
// deletes it and rebuilds it, so the kernel swaps the old ruleset for the new
// one atomically: no packet ever sees a half-built table.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lwb4/util/result.hpp"
#include "nft/nat_plan.hpp"

namespace lwb4::nft {

struct Batch {
  std::vector<uint8_t> bytes;  // BEGIN, messages..., END
  // What each message does ("rule 3 of chain egress: ..."), indexed by
  // sequence number - first_seq, for error reports.
  std::vector<std::string> what;
  uint32_t first_seq = 0;
};

// The whole table replaced by `plan`.
Result<Batch> encode_replace(const NatPlan& plan, uint32_t first_seq);
// The table removed (succeeds when it does not exist).
Result<Batch> encode_remove(const std::string& table, uint32_t first_seq);

// Sends a batch and collects the kernel's verdict on every message; the
// error names the message and the kernel's reason.
Status send_batch(const Batch& batch);

Status apply_plan(const NatPlan& plan);

// The packet counts of the table's named counters; empty when the table
// does not exist.
Result<std::vector<std::pair<std::string, uint64_t>>> read_counters(const std::string& table);
Status remove_table(const std::string& table = kDefaultTable);

// The flowtables (any family) that hold `device`, as "FAMILY TABLE NAME"
// ("inet fw4 ft"). A flow such a flowtable offloads leaves through its fast
// path, past the postrouting hook where the pool port is rewritten into the
// set (docs/design.md, "software flow offloading").
Result<std::vector<std::string>> flowtables_with_device(const std::string& device);

}  // namespace lwb4::nft
