#include "daemon/status_report.hpp"

#include <algorithm>
#include <cstdio>

#include "lwb4/util/json_writer.hpp"

namespace lwb4::platform {
namespace {

// Lists a server fills (FMRs, 4o6 servers) are cut in the status: the whole
// reply must fit one datagram of the control socket (kMaxControlReply, and
// the socket's send buffer below it).
constexpr size_t kMaxListed = 64;

constexpr client::Seconds kInfinite{0xffffffff};  // RFC 2131 §3.3: "infinity"
constexpr int kLabelWidth = 10;                   // "counters: "
constexpr size_t kRangesInText = 8;

// Whole seconds from now until `at`, never negative.
int64_t seconds_until(client::TimePoint at, client::TimePoint now) {
  if (at <= now) return 0;
  return std::chrono::duration_cast<client::Seconds>(at - now).count();
}

void write_rule(JsonWriter& w, const s46::Rule& r) {
  w.begin_object();
  w.key("ipv6_prefix").string(r.ipv6_prefix.to_string());
  w.key("ipv4_prefix").string(r.ipv4_prefix.to_string());
  w.key("ea_len").number(r.ea_len);
  w.key("fmr").boolean(r.fmr);
  w.end_object();
}

// MAP-E facts (RFC 7597 §5): the BMR, the End-user prefix and its EA bits,
// and the FMRs, which the kernel adapter does not install (hub-and-spoke).
void write_map(JsonWriter& w, const client::MapDetails& m) {
  w.begin_object();
  w.key("end_user_prefix").string(m.end_user_prefix.to_string());
  w.key("bmr");
  write_rule(w, m.bmr);
  w.key("ea_len").number(m.bmr.ea_len);
  w.key("ea_bits").number(static_cast<int64_t>(m.ea_bits));
  w.key("fmr_count").number(static_cast<int64_t>(m.fmrs.size()));
  w.key("fmrs").begin_array();  // the first kMaxListed; fmr_count has them all
  for (size_t i = 0; i < m.fmrs.size() && i < kMaxListed; ++i)
    write_rule(w, m.fmrs[i]);
  w.end_array();
  w.end_object();
}

// The state's members, in the schema of issue 3's `lwb4ctl status --json`.
// With no state every member is null (or empty), so the keys never change.
void write_state_members(JsonWriter& w, const client::DesiredState* s) {
  auto text = [&](const char* key, const std::string& value) {
    w.key(key);
    if (s) {
      w.string(value);
    } else {
      w.null();
    }
  };
  auto number = [&](const char* key, int64_t value) {
    w.key(key);
    if (s) {
      w.number(value);
    } else {
      w.null();
    }
  };
  text("mode", s ? client::mode_name(s->mode) : "");
  text("ipv4_address", s ? s->ipv4.to_string() : "");
  w.key("shared");
  if (s) {
    w.boolean(!s->ports.is_full());
  } else {
    w.null();
  }
  number("psid_offset", s ? s->ports.offset() : 0);
  number("psid_len", s ? s->ports.psid_len() : 0);
  number("psid", s ? s->ports.psid() : 0);
  number("port_count", s ? s->ports.count() : 0);
  w.key("port_ranges");
  std::vector<PortRange> ranges;
  if (s) {
    ranges = s->ports.ranges();
    w.begin_array();
    for (size_t i = 0; i < ranges.size() && i < kMaxRangesListed; ++i) {
      w.begin_array().number(ranges[i].first).number(ranges[i].last).end_array();
    }
    w.end_array();
  } else {
    w.null();
  }
  w.key("port_ranges_truncated").boolean(ranges.size() > kMaxRangesListed);
  text("br_address", s ? s->br.to_string() : "");
  text("softwire_source", s ? s->softwire_source.to_string() : "");
  w.key("source_is_constructed").boolean(s && s->source_is_constructed);
  w.key("dns").begin_array();
  if (s) {
    for (const Ipv4Address& a : s->dns_servers)
      w.string(a.to_string());
  }
  w.end_array();
  w.key("map");
  if (s && s->map) {
    write_map(w, *s->map);
  } else {
    w.null();
  }
}

// The seconds left until a lease timer, null for an infinite one.
void write_remaining(JsonWriter& w, const char* name, client::Seconds duration,
                     client::TimePoint at, client::TimePoint now) {
  w.key(name);
  if (duration >= kInfinite) {
    w.null();
  } else {
    w.number(seconds_until(at, now));
  }
}

void write_lease(JsonWriter& w, const client::Lease& l, client::TimePoint now) {
  w.begin_object();
  w.key("address").string(l.address.to_string());
  w.key("server_id").string(l.server_id.to_string());
  w.key("transport_source").string(l.transport_source.to_string());
  w.key("lease_time").number(l.lease_time.count());
  w.key("t1").number(l.t1.count());
  w.key("t2").number(l.t2.count());
  w.key("age").number(
      now > l.acquired ? std::chrono::duration_cast<client::Seconds>(now - l.acquired).count() : 0);
  write_remaining(w, "renew_in", l.t1, l.t1_at(), now);
  write_remaining(w, "rebind_in", l.t2, l.t2_at(), now);
  write_remaining(w, "expires_in", l.lease_time, l.expires_at(), now);
  w.end_object();
}

// The "pcp" member: the request, the grant and the server's epoch.
void write_pcp(JsonWriter& w, const PcpSnapshot& p, client::TimePoint now) {
  w.key("pcp").begin_object();
  w.key("state").string(p.state);
  w.key("server").string(p.config.server.to_string());
  w.key("source");
  if (p.source) {
    w.string(p.source->to_string());
  } else {
    w.null();
  }
  w.key("requested_ports").number(p.config.port_count);
  w.key("parity").boolean(p.config.parity);
  w.key("requested_lifetime").number(p.config.requested_lifetime);
  w.key("mapping");
  if (const auto& m = p.mapping) {
    w.begin_object();
    w.key("address").string(m->address.to_string());
    w.key("first_port").number(m->first_port);
    w.key("granted").number(m->granted);
    w.key("lifetime").number(m->lifetime.count());
    w.key("expires_in").number(seconds_until(m->expires_at(), now));
    w.key("epoch").number(m->epoch);
    w.end_object();
  } else {
    w.null();
  }
  w.key("epoch");
  if (p.epoch.known) {
    w.number(p.epoch.server);
  } else {
    w.null();
  }
  w.key("last_error");
  if (p.last_error) {
    w.string(pcp::to_string(*p.last_error));
  } else {
    w.null();
  }
  const client::PcpCounters& c = p.counters;
  w.key("counters").begin_object();
  w.key("sent").number(static_cast<int64_t>(c.sent));
  w.key("received").number(static_cast<int64_t>(c.received));
  w.key("malformed").number(static_cast<int64_t>(c.dropped_malformed));
  w.key("unexpected").number(static_cast<int64_t>(c.dropped_unexpected));
  w.key("invalid").number(static_cast<int64_t>(c.dropped_invalid));
  w.key("errors").number(static_cast<int64_t>(c.errors));
  w.key("epoch_resets").number(static_cast<int64_t>(c.epoch_resets));
  w.end_object();
  w.end_object();
}

std::string line(const char* label, const std::string& value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%-*s", kLabelWidth, (std::string(label) + ":").c_str());
  return buf + value + "\n";
}

std::string remaining_text(const char* what, client::Seconds duration, client::TimePoint at,
                           client::TimePoint now) {
  if (duration >= kInfinite) return std::string(what) + " never";
  return std::string(what) + " in " + std::to_string(seconds_until(at, now)) + " s";
}

std::string state_text(const client::DesiredState& s, const std::string& tunnel) {
  std::string out;
  out += line("mode", client::mode_name(s.mode));
  out += line("ipv4", s.ipv4.to_string());
  auto ranges = s.ports.ranges();
  if (s.ports.is_full()) {
    out += line("ports", "all (address not shared)");
  } else {
    out += line("ports", s.ports.describe() + ": " + std::to_string(s.ports.count()) + " in " +
                             std::to_string(ranges.size()) +
                             (ranges.size() == 1 ? " range" : " ranges"));
    std::string list;
    for (size_t i = 0; i < ranges.size() && i < kRangesInText; ++i) {
      if (!list.empty()) list += ' ';
      list += std::to_string(ranges[i].first) + "-" + std::to_string(ranges[i].last);
    }
    if (ranges.size() > kRangesInText) list += " ...";
    out += line("ranges", list);
  }
  out += line("br", s.br.to_string());
  out += line("softwire",
              s.softwire_source.to_string() + (s.source_is_constructed ? " (added by lwb4)" : ""));
  if (s.map) {
    const client::MapDetails& m = *s.map;
    out +=
        line("map", "BMR " + m.bmr.ipv6_prefix.to_string() + " " + m.bmr.ipv4_prefix.to_string() +
                        " EA-len " + std::to_string(m.bmr.ea_len) + ", End-user prefix " +
                        m.end_user_prefix.to_string() + ", " + std::to_string(m.fmrs.size()) +
                        (m.fmrs.size() == 1 ? " FMR" : " FMRs") + " (hub-and-spoke)");
  }
  if (!tunnel.empty()) out += line("tunnel", tunnel);
  if (!s.dns_servers.empty()) {
    std::string dns;
    for (const Ipv4Address& a : s.dns_servers)
      dns += (dns.empty() ? "" : " ") + a.to_string();
    out += line("dns", dns);
  }
  return out;
}

void write_nat(JsonWriter& w, const std::optional<NatStatus>& nat) {
  w.key("nat");
  if (!nat) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("table").string(nat->table);
  w.key("installed").boolean(nat->installed);
  w.key("reserved").begin_array();
  for (const PortRange& r : nat->reserved)
    w.begin_array().number(r.first).number(r.last).end_array();
  w.end_array();
  w.key("pool");
  if (nat->pool_size == 0) {
    w.null();
  } else {
    w.begin_array()
        .number(nat->pool_first)
        .number(nat->pool_first + nat->pool_size - 1)
        .end_array();
  }
  w.key("forwards").begin_array();
  for (const NatStatus::Forward& f : nat->forwards) {
    w.begin_object().key("forward").string(f.spec).key("active").boolean(f.active).end_object();
  }
  w.end_array();
  w.key("dropped").begin_object();
  for (const auto& [name, packets] : nat->dropped)
    w.key(name.c_str()).number(static_cast<int64_t>(packets));
  w.end_object();
  w.key("restored").number(static_cast<int64_t>(nat->restored));
  w.key("conntrack_flushed").number(static_cast<int64_t>(nat->conntrack_flushed));
  w.key("offloading_flowtables").begin_array();
  for (const std::string& f : nat->offloading_flowtables)
    w.string(f);
  w.end_array();
  const char* hook = nat->pool_size == 0      ? "none"
                     : nat->rewrite_on_device ? "netdev"
                                              : "postrouting";
  w.key("rewrite_hook").string(hook);
  w.end_object();
}

std::string nat_text(const NatStatus& nat) {
  std::string out = "table ip " + nat.table + (nat.installed ? "" : " (not installed)");
  if (nat.pool_size > 0) out += ", pool of " + std::to_string(nat.pool_size);
  if (!nat.reserved.empty()) {
    out += ", reserved";
    for (const PortRange& r : nat.reserved) {
      out += " " + std::to_string(r.first);
      if (r.last != r.first) out += "-" + std::to_string(r.last);
    }
  }
  for (const NatStatus::Forward& f : nat.forwards)
    out += ", forward " + f.spec + (f.active ? "" : " (refused)");
  for (const auto& [name, packets] : nat.dropped)
    out += ", " + name + " " + std::to_string(packets);
  if (nat.restored > 0) out += ", restored " + std::to_string(nat.restored) + "x";
  for (const std::string& f : nat.offloading_flowtables) {
    out += nat.rewrite_on_device
               ? ", offloaded by flowtable " + f + " (rewrite on the softwire's netdev hooks)"
               : ", BYPASSED by flowtable " + f + " (turn flow offloading off)";
  }
  return out;
}

}  // namespace

std::string tunnel_interface(const DaemonConfig& config, bool state_applied) {
  if (!state_applied || config.kernel != KernelBackend::kNetlink) return {};
  return config.softwire;
}

std::string status_json(const DaemonStatus& s) {
  JsonWriter w;
  w.begin_object();

  // What the kernel has (the sink applied it); while an apply is pending or
  // failed, `desired` shows what the engine wants.
  // The RFC 2131 state, or the PCP client's; lw4o6 and MAP-E have no
  // DHCPv4 state machine.
  bool stateless = s.engine.mode && *s.engine.mode != client::Mode::kDhcp4o6;
  w.key("state").string(s.pcp ? s.pcp->state : stateless ? "CONFIGURED" : s.engine.dhcp4_state);
  write_state_members(w, s.applied ? &*s.applied : nullptr);
  w.key("tunnel_interface");
  if (s.tunnel_interface.empty()) {
    w.null();
  } else {
    w.string(s.tunnel_interface);
  }
  if (s.engine.applied != s.applied) {
    w.key("desired");
    if (s.engine.applied) {
      w.begin_object();
      write_state_members(w, &*s.engine.applied);
      w.end_object();
    } else {
      w.null();
    }
  }
  w.key("dhcp6_state").string(s.engine.dhcp6_state);
  w.key("servers").begin_array();  // the first kMaxListed (option 88 has room for 4,000)
  for (size_t i = 0; i < s.engine.dhcp4o6_servers.size() && i < kMaxListed; ++i)
    w.string(s.engine.dhcp4o6_servers[i].to_string());
  w.end_array();
  w.key("uplink").begin_object();
  w.key("name").string(s.uplink);
  w.key("up").boolean(s.uplink_state.up);
  w.key("link_local");
  if (s.uplink_state.link_local) {
    w.string(s.uplink_state.link_local->to_string());
  } else {
    w.null();
  }
  w.key("global").begin_array();
  for (const client::UplinkAddress& a : s.uplink_state.global) {
    w.string(a.address.to_string() + "/" + std::to_string(a.prefix_length));
  }
  w.end_array();
  w.end_object();
  w.key("lease");
  if (s.engine.lease) {
    write_lease(w, *s.engine.lease, s.now);
  } else {
    w.null();
  }
  if (s.pcp) write_pcp(w, *s.pcp, s.now);
  const client::EngineCounters& c = s.engine.counters;
  w.key("counters").begin_object();
  w.key("sent").number(static_cast<int64_t>(c.sent));
  w.key("received").number(static_cast<int64_t>(c.received));
  w.key("dropped").begin_object();
  w.key("malformed").number(static_cast<int64_t>(c.dropped_malformed));
  w.key("unexpected").number(static_cast<int64_t>(c.dropped_unexpected));
  w.key("invalid").number(static_cast<int64_t>(c.dropped_invalid));
  w.end_object();
  w.key("other_clients").number(static_cast<int64_t>(s.other_clients));
  w.end_object();
  write_nat(w, s.nat);
  w.end_object();
  return w.str() + "\n";
}

std::string status_text(const DaemonStatus& s) {
  std::string out;
  std::string uplink = s.uplink + (s.uplink_state.up ? " up" : " down");
  if (s.uplink_state.link_local) uplink += ", " + s.uplink_state.link_local->to_string();
  for (const client::UplinkAddress& a : s.uplink_state.global) {
    uplink += ", " + a.address.to_string() + "/" + std::to_string(a.prefix_length);
  }
  out += line("uplink", uplink);
  if (s.pcp) {
    std::string pcp = s.pcp->state + ", server " + s.pcp->config.server.to_string();
    if (const auto& m = s.pcp->mapping) {
      pcp += ", granted " + std::to_string(m->granted) + " from " + std::to_string(m->first_port) +
             ", lifetime " + std::to_string(m->lifetime.count()) + " s (expires in " +
             std::to_string(seconds_until(m->expires_at(), s.now)) + " s), epoch " +
             std::to_string(m->epoch);
    }
    if (s.pcp->last_error) pcp += std::string(", last error ") + pcp::to_string(*s.pcp->last_error);
    out += line("pcp", pcp);
  } else {
    std::string state = "dhcp6 " + s.engine.dhcp6_state + ", dhcp4 " + s.engine.dhcp4_state;
    if (s.engine.mode) state += std::string(", mechanism ") + client::mode_name(*s.engine.mode);
    out += line("state", state);
  }
  if (!s.engine.dhcp4o6_servers.empty()) {
    std::string servers;
    for (const Ipv6Address& a : s.engine.dhcp4o6_servers) {
      servers += (servers.empty() ? "" : " ") + a.to_string();
    }
    out += line("servers", servers);
  }
  if (s.applied) {
    out += state_text(*s.applied, s.tunnel_interface);
  } else {
    out += line("ipv4", "none applied");
  }
  if (s.nat) out += line("nat", nat_text(*s.nat));
  if (s.engine.applied != s.applied) {
    out += line("desired", s.engine.applied ? "differs from the applied state (apply failed?)"
                                            : "nothing (withdraw pending)");
  }
  if (const auto& l = s.engine.lease) {
    out += line("lease", std::to_string(l->lease_time.count()) + " s from " +
                             l->server_id.to_string() + ", " +
                             remaining_text("renew", l->t1, l->t1_at(), s.now) + ", " +
                             remaining_text("rebind", l->t2, l->t2_at(), s.now) + ", " +
                             remaining_text("expires", l->lease_time, l->expires_at(), s.now));
  }
  const client::EngineCounters& c = s.engine.counters;
  out += line("counters",
              "sent " + std::to_string(c.sent) + ", received " + std::to_string(c.received) +
                  ", dropped " + std::to_string(c.dropped_malformed) + " malformed " +
                  std::to_string(c.dropped_unexpected) + " unexpected " +
                  std::to_string(c.dropped_invalid) + " invalid" +
                  (s.other_clients
                       ? ", " + std::to_string(s.other_clients) + " left to the other DHCPv6 client"
                       : std::string()));
  return out;
}

}  // namespace lwb4::platform
