// Watches nf_tables notifications (NFNLGRP_NFTABLES) for changes to one
// table made by another process: `fw4 reload`, `nft flush ruleset` or a
// stray `nft delete table` must not leave the port set unenforced.
#pragma once

#include <cstdint>
#include <string>

#include "lwb4/util/result.hpp"

struct mnl_socket;

namespace lwb4::nft {

struct ForeignChange {
  bool changed = false;
  bool lost = false;    // notifications were dropped (ENOBUFS): maybe changed
  uint32_t pid = 0;     // the process behind the last foreign transaction
  std::string process;  // its name, as the kernel reports it
  // A flowtable was added or deleted, in any table: which flowtables hold
  // the softwire may have changed.
  bool flowtables = false;
};

class TableMonitor {
 public:
  static Result<TableMonitor> open(std::string table);
  TableMonitor(TableMonitor&& other) noexcept;
  TableMonitor& operator=(TableMonitor&&) = delete;
  ~TableMonitor();

  int fd() const;
  // Reads every pending notification (non-blocking). A transaction counts
  // as foreign when it touched `table ip NAME` (or `table netdev NAME`) and
  // its NFT_MSG_NEWGEN names
  // a process other than this one.
  Result<ForeignChange> read();

 private:
  TableMonitor(std::string table, mnl_socket* sock) : table_(std::move(table)), sock_(sock) {}

  std::string table_;
  mnl_socket* sock_ = nullptr;
  bool touched_ = false;  // the current transaction touched the table
};

}  // namespace lwb4::nft
