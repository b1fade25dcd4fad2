// Which Linux program type an ELF section selects, as the loaders of the field decide it:
// libbpf's section definitions (exact names and `type/extras`), then the prefix matching of
// libbpf before 1.0, iproute2 and PREVAIL (`xdp1`, `socket_prog`, ...). The uapi program and
// attach type ids are listed here by number, so objects for types newer than the installed
// headers still load.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bpfcert::loader {

// A uapi enum bpf_prog_type member with libbpf's name for it (libbpf_bpf_prog_type_str).
struct ProgramTypeName {
  uint32_t id;
  std::string_view name;  // "socket_filter", "xdp", "tracing", ...
  std::string_view uapi;  // "BPF_PROG_TYPE_SOCKET_FILTER"
};
// Every program type Linux defines (up to BPF_PROG_TYPE_NETFILTER), in id order.
std::span<const ProgramTypeName> linux_program_types();
// libbpf's name of a program type id, or "" for an id Linux does not define.
std::string_view program_type_name(uint32_t id);
// A program type by libbpf's name ("sched_cls") or uapi name ("BPF_PROG_TYPE_SCHED_CLS").
std::optional<uint32_t> program_type_id(std::string_view name);

// A uapi enum bpf_attach_type member.
struct AttachTypeName {
  uint32_t id;
  std::string_view uapi;  // "BPF_CGROUP_INET_INGRESS"
};
std::span<const AttachTypeName> linux_attach_types();
std::string_view attach_type_name(uint32_t id);

// How a program's type was decided.
enum class TypeSource : uint8_t {
  None,          // nothing selects a type: the program loads but cannot be verified
  Section,       // one of libbpf's section definitions
  LegacyPrefix,  // a prefix rule of libbpf < 1.0, iproute2 and PREVAIL
  TailCall,      // an iproute2 / Cilium tail-call section "ID/KEY": the type of its callers
  Override,      // given by the user (--program-type, libbpf's bpf_program__set_type)
};
const char* to_string(TypeSource s);

struct ProgramTypeInfo {
  uint32_t prog_type = 0;  // uapi enum bpf_prog_type; 0 (unspec) with TypeSource::None
  std::optional<uint32_t> expected_attach_type;
  // SEC_ATTACH_BTF types (fentry, tp_btf, lsm, iter, freplace): the kernel function,
  // tracepoint or iterator named after the '/', which loading resolves to a BTF id.
  bool attach_btf = false;
  std::string attach_target;
  bool sleepable = false;  // ".s" sections: loaded with BPF_F_SLEEPABLE
  bool xdp_frags = false;  // "xdp.frags": loaded with BPF_F_XDP_HAS_FRAGS
  TypeSource source = TypeSource::None;
  std::string rule;  // the rule that decided, for messages: "SEC(\"xdp\")", "legacy prefix \"xdp\"", ...

  bool known() const { return source != TypeSource::None; }
  std::string_view name() const { return program_type_name(prog_type); }
};

// The type a section name selects: libbpf's definitions first (as libbpf >= 1.0 matches
// them), then the legacy prefix rules. A leading '?' (libbpf: do not autoload) is ignored.
// nullopt when no rule matches.
std::optional<ProgramTypeInfo> program_type_for_section(std::string_view section);

// The type a user names for a program (--program-type): libbpf's or the uapi name. The
// attach type is the one libbpf's first section definition of that type gives, if the
// program's section does not select one of the same type.
std::optional<ProgramTypeInfo> program_type_override(std::string_view name, std::string_view section);

// iproute2 and Cilium name tail-call programs "ID/KEY" (both decimal): the prog array whose
// iproute2 id is ID holds the program at index KEY.
std::optional<std::pair<uint32_t, uint32_t>> tail_call_section(std::string_view section);

}  // namespace bpfcert::loader
