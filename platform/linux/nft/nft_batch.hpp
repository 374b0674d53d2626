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

// The whole table replaced by `plan`, and its netdev table (NatPlan::device)
// created, replaced or, when `device_table_exists` and the plan has none,
// deleted, in the same transaction. Without either the batch leaves the
// netdev family alone (a kernel may lack it).
Result<Batch> encode_replace(const NatPlan& plan, uint32_t first_seq,
                             bool device_table_exists = false);
// The table removed (succeeds when it does not exist), and its netdev table
// when `device_table_exists`.
Result<Batch> encode_remove(const std::string& table, uint32_t first_seq,
                            bool device_table_exists = false);

// Sends a batch and collects the kernel's verdict on every message; the
// error names the message and the kernel's reason.
Status send_batch(const Batch& batch);
// Whether `portid` is the netlink port of one of this process's last batches
// (the kernel stamps a transaction's notifications with its sender's port;
// the generation message's process id is the one outside any PID namespace,
// which getpid() in a jail does not give).
bool sent_from_here(uint32_t portid);
// Whether table FAMILY NAME is in the kernel (false also when the kernel has
// no such family).
Result<bool> table_exists(uint32_t family, const std::string& name);

Status apply_plan(const NatPlan& plan, bool device_table_exists = false);

// The packet counts of the table's named counters; empty when the table
// does not exist.
Result<std::vector<std::pair<std::string, uint64_t>>> read_counters(const std::string& table);
Status remove_table(const std::string& table = kDefaultTable, bool device_table_exists = false);

// The flowtables (any family) with at least one device, as "FAMILY TABLE
// NAME" ("inet fw4 ft"). Any of them can offload flows to the softwire: a
// flowtable on the LAN device alone already sends LAN-to-softwire packets
// through its fast path, past the postrouting hook (docs/design.md,
// "software flow offloading").
Result<std::vector<std::string>> flowtables_with_devices();

}  // namespace lwb4::nft
