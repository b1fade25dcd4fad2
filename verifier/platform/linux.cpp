#include "verifier/platform/linux.h"
#include "verifier/platform/linux_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <span>

// Generated at build time by gen_linux_uapi.py from the installed uapi headers.
#include "linux_uapi.inc"

namespace bpfcert::verifier::platform {

namespace {

struct RawHelper {
  int32_t id;
  const char* name;
  const char* signature;
};
struct RawConstant {
  const char* name;
  int64_t value;
};
struct RawField {
  const char* structure;
  const char* field;
  uint32_t offset;
  uint32_t size;
};

constexpr RawHelper kRawHelpers[] = {BPFCERT_UAPI_HELPERS};
constexpr RawConstant kProgTypes[] = {BPFCERT_UAPI_ENUM_BPF_PROG_TYPE};
constexpr RawConstant kMapTypes[] = {BPFCERT_UAPI_ENUM_BPF_MAP_TYPE};
constexpr RawConstant kAttachTypes[] = {BPFCERT_UAPI_ENUM_BPF_ATTACH_TYPE};
constexpr RawConstant kXdpActions[] = {BPFCERT_UAPI_ENUM_XDP_ACTION};
constexpr RawConstant kMacros[] = {BPFCERT_UAPI_MACROS};
constexpr RawField kRawFields[] = {BPFCERT_UAPI_FIELDS};

// --- helper signatures -----------------------------------------------------------------

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

struct CParam {
  std::string decl;   // as written
  std::string base;   // type without qualifiers and stars: "void", "struct bpf_map", "u32"
  std::string name;
  int pointers = 0;
  bool is_const = false;
  bool varargs = false;
};

CParam parse_param(const std::string& text) {
  CParam p;
  p.decl = trim(text);
  if (p.decl == "...") {
    p.varargs = true;
    return p;
  }
  std::string s = p.decl;
  p.pointers = static_cast<int>(std::count(s.begin(), s.end(), '*'));
  std::replace(s.begin(), s.end(), '*', ' ');
  std::vector<std::string> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  if (!words.empty()) {
    // The last word names the parameter unless the declaration is a bare type ("void").
    if (words.size() > 1) {
      p.name = words.back();
      words.pop_back();
    }
    for (const std::string& w : words) {
      if (w == "const" || w == "volatile") {
        p.is_const = p.is_const || w == "const";
        continue;
      }
      p.base += (p.base.empty() ? "" : " ") + w;
    }
  }
  return p;
}

bool is_size_name(const std::string& n) {
  return n == "size" || n == "len" || n.ends_with("_size") || n.ends_with("_len") || n.starts_with("size_of") ||
         n == "plen" || n == "optlen" || n == "buf_len" || n == "str_size";
}

bool is_integer_type(const std::string& base) {
  static const std::set<std::string> kInts = {"u8",    "u16",   "u32",   "u64",   "s8",     "s16",   "s32",
                                              "s64",   "int",   "long",  "__u8",  "__u16",  "__u32", "__u64",
                                              "__s32", "__s64", "__be16", "__be32", "__wsum", "unsigned int",
                                              "unsigned long", "size_t", "bool", "char", "enum bpf_func_id"};
  return kInts.count(base) != 0;
}

// Context structures helpers name, and the uapi structure the program sees.
std::optional<std::string> context_struct_of(const CParam& p) {
  if (p.pointers != 1) return std::nullopt;
  static const std::map<std::string, std::string> kStructs = {
      {"struct sk_buff", "__sk_buff"}, {"struct __sk_buff", "__sk_buff"}, {"struct xdp_buff", "xdp_md"},
      {"struct xdp_md", "xdp_md"},     {"struct pt_regs", "pt_regs"},
      {"struct bpf_sock_addr", "bpf_sock_addr"}, {"struct bpf_sock_ops", "bpf_sock_ops"},
      {"struct sk_msg_buff", "sk_msg_md"},       {"struct sk_msg_md", "sk_msg_md"},
      {"struct sk_reuseport_md", "sk_reuseport_md"}, {"struct bpf_sysctl", "bpf_sysctl"},
      {"struct bpf_sk_lookup", "bpf_sk_lookup"},
  };
  const auto it = kStructs.find(p.base);
  if (it != kStructs.end()) return it->second;
  if (p.base == "void" && (p.name == "ctx" || p.name == "skb")) return p.name == "skb" ? "__sk_buff" : "";
  return std::nullopt;
}

}  // namespace

UapiHelper parse_helper_signature(int32_t id, std::string name, std::string signature) {
  UapiHelper h;
  h.id = id;
  h.name = std::move(name);
  h.signature = std::move(signature);
  const std::string needle = "bpf_" + h.name + "(";
  const size_t at = h.signature.find(needle);
  const size_t close = h.signature.rfind(')');
  if (at == std::string::npos || close == std::string::npos || close < at + needle.size()) {
    h.unmodelled_reason = "no C signature in the uapi doc comment";
    return h;
  }
  const CParam ret = parse_param(h.signature.substr(0, at) + " r");
  std::vector<CParam> params;
  const std::string list = h.signature.substr(at + needle.size(), close - at - needle.size());
  if (trim(list) != "void" && !trim(list).empty()) {
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      params.push_back(parse_param(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (params.size() > 5 && !(params.size() == 6 && params.back().varargs)) {
    h.unmodelled_reason = "more than five arguments";
    return h;
  }
  HelperPrototype proto;
  proto.id = id;
  proto.name = "bpf_" + h.name;
  proto.args.fill(ArgType::None);
  bool has_map = false, has_key = false, prog_array = false;
  std::optional<int> size_arg;
  for (size_t i = 0; i < params.size(); ++i) {
    const CParam& p = params[i];
    const CParam* next = i + 1 < params.size() ? &params[i + 1] : nullptr;
    auto unmodelled = [&](std::string why) {
      h.unmodelled_reason = fmt::format("argument {} '{}': {}", i + 1, p.decl, why);
    };
    ArgType& a = proto.args[i];
    if (p.varargs) {
      // bpf_trace_printk's "...": Linux leaves these registers unchecked (ARG_DONTCARE) and
      // validates the format at run time; the format is what a verifier can check.
      for (size_t j = i; j < 5; ++j) proto.args[j] = ArgType::None;
      proto.format_string = true;
      break;
    }
    if (p.pointers == 1 && (p.base == "struct bpf_map" || (p.base == "void" && (p.name == "map" || p.name == "ringbuf")))) {
      prog_array = p.name.find("prog_array") != std::string::npos;
      a = prog_array ? ArgType::ProgArray : ArgType::MapHandle;
      has_map = true;
      continue;
    }
    if (const auto ctx = context_struct_of(p); ctx) {
      a = ArgType::Context;
      if (!ctx->empty()) h.context_struct = *ctx;
      continue;
    }
    if (p.pointers == 1 && has_map && p.base == "void" && (p.name == "key" || p.name == "value")) {
      a = p.name == "key" ? ArgType::MapKey : ArgType::MapValue;
      has_key = has_key || p.name == "key";
      continue;
    }
    if (p.pointers == 1 && p.base == "void" && p.name == "callback_fn") {
      a = ArgType::Function;
      continue;
    }
    if (p.pointers == 1 && p.name == "callback_ctx") {
      // Linux: ARG_PTR_TO_STACK_OR_NULL, handed to the callback.
      a = ArgType::Stack;
      continue;
    }
    if (p.pointers >= 1 && p.name.starts_with("unsafe")) {
      // Read with fault handling (probe_read): any value.
      a = ArgType::Anything;
      continue;
    }
    if (p.pointers == 1 && p.base == "void" && p.name == "data" &&
        (h.name == "ringbuf_submit" || h.name == "ringbuf_discard")) {
      // Linux: ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE, the record bpf_ringbuf_reserve returned.
      a = ArgType::ReleasedRecord;
      continue;
    }
    if (p.pointers == 1 && next != nullptr && next->pointers == 0 && is_size_name(next->name) &&
        is_integer_type(next->base)) {
      // A buffer and its size. The uapi spells few read-only buffers `const`, so the names
      // that only ever denote input (data, from, src, hdr) are read too; every other buffer
      // may be written, which is the sound reading (the helper may fill it).
      const bool input = p.is_const || p.name == "data" || p.name == "from" || p.name == "src" || p.name == "hdr";
      a = input ? ArgType::ReadableMemory : ArgType::WritableMemory;
      proto.args[i + 1] = ArgType::ConstSizeOrZero;
      ++i;
      continue;
    }
    if (p.pointers == 0 && is_integer_type(p.base)) {
      a = ArgType::Scalar;
      if (p.name == "size") size_arg = static_cast<int>(i);
      continue;
    }
    if (p.pointers == 1 && p.base == "char" && p.is_const) {
      unmodelled("constant string without a size");
    } else if (p.pointers >= 1) {
      unmodelled(fmt::format("pointer to {} has no pointer kind in bpfcert", p.base));
    } else {
      unmodelled("type has no model");
    }
    return h;
  }
  if (prog_array) {
    proto.ret = RetType::NoReturnOnSuccess;
  } else if (ret.pointers == 0 && ret.base == "void") {
    proto.ret = RetType::Void;
  } else if (ret.pointers == 0 && is_integer_type(ret.base)) {
    proto.ret = RetType::Integer;
    // The C result type bounds the value the program sees in r0.
    if (ret.base == "u32" || ret.base == "__u32") proto.ret_range = std::pair<int64_t, int64_t>{0, UINT32_MAX};
    if (ret.base == "u16" || ret.base == "__u16") proto.ret_range = std::pair<int64_t, int64_t>{0, UINT16_MAX};
    if (ret.base == "u8" || ret.base == "__u8") proto.ret_range = std::pair<int64_t, int64_t>{0, UINT8_MAX};
    if (ret.base == "int" || ret.base == "s32") proto.ret_range = std::pair<int64_t, int64_t>{INT32_MIN, INT32_MAX};
  } else if (ret.pointers == 1 && ret.base == "void" && has_map && has_key) {
    proto.ret = RetType::MapValueOrNull;
  } else if (ret.pointers == 1 && ret.base == "void" && has_map && size_arg) {
    proto.ret = RetType::MemoryOrNull;
    proto.ret_size_arg = size_arg;
    proto.acquires = true;  // bpf_ringbuf_reserve: the record must be submitted or discarded
  } else {
    h.unmodelled_reason = fmt::format("result '{}' has no model", trim(h.signature.substr(0, at)));
    return h;
  }
  h.prototype = proto;
  return h;
}

const std::vector<UapiHelper>& uapi_helpers() {
  static const std::vector<UapiHelper> helpers = [] {
    std::vector<UapiHelper> out;
    for (const RawHelper& r : kRawHelpers) {
      if (r.id == 0) continue;  // BPF_FUNC_unspec
      out.push_back(parse_helper_signature(r.id, r.name, r.signature));
    }
    return out;
  }();
  return helpers;
}

std::optional<int64_t> uapi_constant(std::string_view name) {
  const std::span<const RawConstant> tables[] = {kProgTypes, kMapTypes, kAttachTypes, kXdpActions, kMacros};
  for (const auto& table : tables) {
    for (const RawConstant& c : table) {
      if (name == c.name) return c.value;
    }
  }
  return std::nullopt;
}

const std::vector<UapiField>& uapi_fields() {
  static const std::vector<UapiField> fields = [] {
    std::vector<UapiField> out;
    for (const RawField& f : kRawFields) out.push_back(UapiField{f.structure, f.field, f.offset, f.size});
    return out;
  }();
  return fields;
}

// --- context access policy (the kernel's *_is_valid_access functions) --------------------
// Shared with linux_program_types.cpp through linux_layout.h.

uint32_t constant(std::string_view name) {
  const auto v = uapi_constant(name);
  return v ? static_cast<uint32_t>(*v) : 0;
}

ContextLayout layout(const std::string& structure, Access fallback, bool fallback_narrow, std::vector<FieldRule> rules) {
  ContextLayout l;
  l.name = "struct " + structure;
  for (const UapiField& f : uapi_fields()) {
    if (f.structure != structure) continue;
    if (f.field.empty()) {
      l.size = f.size;
      continue;
    }
    FieldRule rule{f.field, fallback, std::nullopt, fallback_narrow};
    for (const FieldRule& r : rules) {
      // A rule for an array ("cb") covers its elements ("cb[0]" ... "cb[4]").
      const bool element = f.field.size() > r.field.size() && f.field.starts_with(r.field) && f.field[r.field.size()] == '[';
      if (r.field == f.field || element) rule = r;
    }
    if (rule.access == Access::None || f.size == 0) continue;
    ContextField cf;
    cf.name = f.field;
    cf.offset = f.offset;
    cf.size = f.size;
    cf.readable = true;
    cf.writable = rule.access == Access::ReadWrite;
    cf.holds = rule.holds;
    cf.holds_size = rule.holds_size;
    cf.narrow_loads = rule.narrow && !rule.holds && f.size <= 4;
    l.fields.push_back(cf);
  }
  return l;
}

ContextLayout skb_layout(std::vector<FieldRule> rules) {
  rules.insert(rules.begin(), {FieldRule{"flow_keys", Access::None}, FieldRule{"sk", Access::None}});
  ContextLayout l = layout("__sk_buff", Access::Read, true, std::move(rules));
  for (ContextField& f : l.fields) f.scratch = f.name.starts_with("cb[");
  return l;
}

namespace {

std::vector<ProgramType> program_types() {
  std::vector<ProgramType> types;
  auto add = [&](std::string name, std::string uapi, ContextLayout ctx) -> ProgramType& {
    ProgramType t;
    t.name = std::move(name);
    t.linux_id = constant(uapi);
    t.context = std::move(ctx);
    types.push_back(std::move(t));
    return types.back();
  };
  // socket_filter: sk_filter_is_valid_access. No direct packet access; cb[] is writable.
  {
    ProgramType& t = add("socket_filter", "BPF_PROG_TYPE_SOCKET_FILTER",
                         skb_layout({{"tc_classid", Access::None},
                                     {"data", Access::None},
                                     {"data_meta", Access::None},
                                     {"data_end", Access::None},
                                     {"family", Access::None},
                                     {"remote_ip4", Access::None},
                                     {"local_ip4", Access::None},
                                     {"remote_ip6", Access::None},
                                     {"local_ip6", Access::None},
                                     {"remote_port", Access::None},
                                     {"local_port", Access::None},
                                     {"tstamp", Access::None},
                                     {"wire_len", Access::None},
                                     {"hwtstamp", Access::None},
                                     {"tstamp_type", Access::None},
                                     {"cb", Access::ReadWrite}}));
    t.legacy_packet_loads = true;
  }
  // sched_cls / sched_act: tc_cls_act_is_valid_access.
  for (const auto& [name, uapi] : {std::pair<std::string, std::string>{"sched_cls", "BPF_PROG_TYPE_SCHED_CLS"},
                                   std::pair<std::string, std::string>{"sched_act", "BPF_PROG_TYPE_SCHED_ACT"}}) {
    ProgramType& t = add(name, uapi,
                         skb_layout({{"mark", Access::ReadWrite},
                                     {"tc_index", Access::ReadWrite},
                                     {"priority", Access::ReadWrite},
                                     {"tc_classid", Access::ReadWrite},
                                     {"cb", Access::ReadWrite},
                                     {"tstamp", Access::ReadWrite},
                                     {"queue_mapping", Access::ReadWrite},
                                     {"data", Access::Read, PointerKind::Packet},
                                     {"data_meta", Access::Read, PointerKind::PacketMeta},
                                     {"data_end", Access::Read, PointerKind::PacketEnd},
                                     {"family", Access::None},
                                     {"remote_ip4", Access::None},
                                     {"local_ip4", Access::None},
                                     {"remote_ip6", Access::None},
                                     {"local_ip6", Access::None},
                                     {"remote_port", Access::None},
                                     {"local_port", Access::None}}));
    t.has_packet = true;
    t.legacy_packet_loads = true;
  }
  // cgroup_skb: cg_skb_is_valid_access (as a CAP_BPF loader: data and data_end readable).
  {
    ProgramType& t = add("cgroup_skb", "BPF_PROG_TYPE_CGROUP_SKB",
                         skb_layout({{"tc_classid", Access::None},
                                     {"data_meta", Access::None},
                                     {"wire_len", Access::None},
                                     {"tstamp_type", Access::None},
                                     {"mark", Access::ReadWrite},
                                     {"priority", Access::ReadWrite},
                                     {"cb", Access::ReadWrite},
                                     {"tstamp", Access::ReadWrite},
                                     {"data", Access::Read, PointerKind::Packet},
                                     {"data_end", Access::Read, PointerKind::PacketEnd}}));
    t.has_packet = true;
    // Ingress allows 0 (drop) and 1 (pass); egress also 2 and 3 (congestion notification).
    t.return_range = std::pair<int64_t, int64_t>{0, 1};
  }
  // xdp: xdp_is_valid_access. Read-only, whole u32 loads; egress_ifindex only for devmap programs.
  {
    ProgramType& t = add("xdp", "BPF_PROG_TYPE_XDP",
                         layout("xdp_md", Access::Read, false,
                                {{"data", Access::Read, PointerKind::Packet, false},
                                 {"data_meta", Access::Read, PointerKind::PacketMeta, false},
                                 {"data_end", Access::Read, PointerKind::PacketEnd, false},
                                 {"egress_ifindex", Access::None}}));
    t.has_packet = true;
  }
  // kprobe: kprobe_prog_is_valid_access. Any aligned read inside struct pt_regs.
  add("kprobe", "BPF_PROG_TYPE_KPROBE",
      layout("pt_regs", Access::Read, true, {}));
  // tracepoint: tp_prog_is_valid_access. The context is the raw trace record, read-only, up to
  // PERF_MAX_TRACE_SIZE (2048, a kernel constant that is not in uapi).
  {
    ContextLayout l;
    l.name = "tracepoint record";
    l.size = 2048;
    l.fields.push_back(ContextField{"record", 0, 2048, true, false, std::nullopt, true});
    add("tracepoint", "BPF_PROG_TYPE_TRACEPOINT", std::move(l));
  }
  // raw_tracepoint: raw_tp_prog_is_valid_access. u64 args, MAX_BPF_FUNC_ARGS (12, kernel) of them.
  {
    ContextLayout l;
    l.name = "struct bpf_raw_tracepoint_args";
    uint32_t base = 0;
    for (const UapiField& f : uapi_fields()) {
      if (f.structure == "bpf_raw_tracepoint_args" && f.field == "args") base = f.offset;
    }
    for (uint32_t i = 0; i < 12; ++i) {
      l.fields.push_back(ContextField{fmt::format("args[{}]", i), base + 8 * i, 8, true, false, std::nullopt, true});
    }
    l.size = base + 8 * 12;
    add("raw_tracepoint", "BPF_PROG_TYPE_RAW_TRACEPOINT", std::move(l));
  }
  // cgroup_skb's sibling for sockets: sock_filter_is_valid_access at BPF_CGROUP_INET_SOCK_CREATE.
  {
    ProgramType& t = add("cgroup_sock", "BPF_PROG_TYPE_CGROUP_SOCK",
                         layout("bpf_sock", Access::Read, true,
                                {{"bound_dev_if", Access::ReadWrite, std::nullopt, false},
                                 {"mark", Access::ReadWrite, std::nullopt, false},
                                 {"priority", Access::ReadWrite, std::nullopt, false},
                                 {"src_ip4", Access::None},
                                 {"src_ip6", Access::None},
                                 {"src_port", Access::None}}));
    t.return_range = std::pair<int64_t, int64_t>{0, 1};
  }
  // perf_event: pe_prog_is_valid_access. Registers are read as whole words.
  {
    ContextLayout l = layout("bpf_perf_event_data", Access::Read, true, {});
    for (ContextField& f : l.fields) {
      if (f.name.starts_with("regs.")) f.narrow_loads = false;
    }
    add("perf_event", "BPF_PROG_TYPE_PERF_EVENT", std::move(l));
  }
  add_more_program_types(types);
  return types;
}

std::string lower_suffix(std::string_view name, std::string_view prefix) {
  std::string s(name.substr(prefix.size()));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::map<uint32_t, MapTypeInfo> map_types() {
  // Map types whose lookup gives the program a value pointer (others: prog arrays, perf event
  // arrays, ring buffers, socket maps, map-in-map; their lookups are not modelled).
  static const std::set<std::string> kValueMaps = {"hash", "array", "percpu_hash", "percpu_array", "lru_hash",
                                                   "lru_percpu_hash", "lpm_trie"};
  static const std::set<std::string> kPerCpu = {"percpu_hash", "percpu_array", "lru_percpu_hash", "percpu_cgroup_storage"};
  static const std::set<std::string> kArrayLike = {"array",        "percpu_array", "prog_array", "perf_event_array",
                                                   "cgroup_array", "array_of_maps", "devmap",    "cpumap",
                                                   "xskmap"};
  std::map<uint32_t, MapTypeInfo> out;
  for (const RawConstant& c : kMapTypes) {
    const std::string name = lower_suffix(c.name, "BPF_MAP_TYPE_");
    if (name == "unspec" || name.ends_with("_deprecated")) continue;
    MapTypeInfo info;
    info.id = static_cast<uint32_t>(c.value);
    info.name = name;
    info.lookup_returns_value = kValueMaps.count(name) != 0;
    info.value_is_per_cpu = kPerCpu.count(name) != 0;
    info.array_like = kArrayLike.count(name) != 0;
    out.emplace(info.id, std::move(info));
  }
  return out;
}

Platform build_linux() {
  Platform p;
  p.name = "linux";
  p.program_types = program_types();
  p.map_types = map_types();
  p.allow_pointer_leaks = false;
  // Linux's bpf_helper_changes_pkt_data (net/core/filter.c): after these, packet pointers are
  // invalid. A name missing here would be a soundness bug, one too many only a lost range.
  static const std::set<std::string> kChangesPacketData = {
      "bpf_skb_vlan_push", "bpf_skb_vlan_pop", "bpf_skb_store_bytes", "bpf_skb_change_proto",
      "bpf_skb_change_head", "bpf_skb_change_tail", "bpf_skb_adjust_room", "bpf_skb_pull_data",
      "bpf_clone_redirect", "bpf_l3_csum_replace", "bpf_l4_csum_replace", "bpf_xdp_adjust_head",
      "bpf_xdp_adjust_meta", "bpf_xdp_adjust_tail", "bpf_msg_pull_data", "bpf_msg_push_data",
      "bpf_msg_pop_data", "bpf_lwt_push_encap", "bpf_lwt_seg6_store_bytes", "bpf_lwt_seg6_adjust_srh",
      "bpf_lwt_seg6_action", "bpf_store_hdr_opt"};
  for (const UapiHelper& h : uapi_helpers()) {
    if (!h.prototype) continue;
    HelperPrototype proto = *h.prototype;
    proto.changes_packet_data = kChangesPacketData.count(proto.name) != 0;
    // Memory arguments Linux types ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY (net/core/
    // filter.c, kernel/bpf/helpers.c, kernel/trace/bpf_trace.c): the uapi signature says
    // neither that they may be NULL nor that they are only read.
    if (proto.name == "bpf_csum_diff") {
      proto.args[0] = proto.args[2] = ArgType::ReadableMemory;
      proto.null_args = 0b101;
    } else if (proto.name == "bpf_snprintf" || proto.name == "bpf_seq_printf") {
      proto.args[3] = ArgType::ReadableMemory;
      proto.null_args = 0b1000;
    } else if (proto.name == "bpf_trace_vprintk") {
      proto.args[2] = ArgType::ReadableMemory;
      proto.null_args = 0b100;
    }
    p.helpers.emplace(h.id, std::move(proto));
  }
  // Helpers that name a context structure are callable only from types with that context.
  for (ProgramType& t : p.program_types) {
    const std::string ctx = t.context.name.starts_with("struct ") ? t.context.name.substr(7) : t.context.name;
    for (const UapiHelper& h : uapi_helpers()) {
      if (h.prototype && (h.context_struct.empty() || h.context_struct == ctx)) t.helpers.push_back(h.id);
    }
  }
  return p;
}

}  // namespace

const Platform& linux_platform() {
  static const Platform platform = build_linux();
  return platform;
}

const ProgramType* program_type_for_linux_id(uint32_t id) {
  if (id == 0) return nullptr;
  for (const ProgramType& t : linux_platform().program_types) {
    if (t.linux_id == id) return &t;
  }
  return nullptr;
}

}  // namespace bpfcert::verifier::platform
