// Platforms as data: what a program may touch and call, by program type. The analyzer reads
// these tables and never asks "is this Linux?". The conformance platform (r1 = memory of a
// given size, r2 = its length, the corpus' maps and helpers) and the Linux platform (program
// types, context layouts, helper prototypes generated from uapi linux/bpf.h) fill them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bpfcert::verifier {

// What a pointer points into. The analyzer tracks an offset (a scalar) relative to the start.
enum class PointerKind : uint8_t {
  Context,     // the program's context (r1 at entry on Linux)
  Stack,       // the current frame (r10 - 512 .. r10), or a caller's when passed down
  Packet,      // packet data (skb->data, xdp->data)
  PacketEnd,   // one past the packet (data_end): only compared, never dereferenced
  PacketMeta,  // metadata before the packet (data_meta)
  MapValue,    // a map value (lookup result after the null check, or LDDW src 2/6)
  MapHandle,   // a map itself (LDDW src 1/5): passed to helpers only
  Memory,      // platform memory of known size (the conformance platform's input memory)
  Variable,    // LDDW src 3 address of a platform variable
  Code,        // LDDW src 4 address of a function (callbacks, callx)
  // A kernel object of a BTF type (Value::object: the type's id in KernelTypes), Linux's
  // PTR_TO_BTF_ID: a tracing program's pointer argument, or a pointer member loaded through
  // one. Read only by loads at constant offsets that KernelTypes::load allows. It may be null
  // without a null check: Linux marks these loads BPF_PROBE_MEM, and a load that faults
  // (null, or a freed object) gives 0 instead of an oops, as the reference VM's probe loads
  // do (RunOptions::probe_loads).
  Kernel,
};

// Helper and kfunc argument types: a subset of Linux's bpf_arg_type that covers the uapi
// helpers' prototypes, plus the size pairing rules: a ConstSize / ConstSizeOrZero argument
// gives the size of the nearest memory argument before it.
enum class ArgType : uint8_t {
  None,              // argument not used (must not be read by the helper)
  Anything,          // any initialised value, scalar or pointer
  Scalar,            // an initialised scalar
  ConstSize,         // scalar size (> 0) of the preceding memory argument
  ConstSizeOrZero,   // scalar size (>= 0) of the preceding memory argument
  MapHandle,         // a map (LDDW src 1/5)
  MapKey,            // pointer to key_size readable bytes of the map in the map argument
  MapValue,          // pointer to value_size readable bytes of the map in the map argument
  Context,           // the context pointer, unmodified
  ReadableMemory,    // pointer to readable memory of the size in the next argument
  WritableMemory,    // pointer to writable memory (may be uninitialised) of the size in the next argument
  Stack,             // pointer to the stack
  Function,          // code address (callback)
  ProgArray,         // a prog_array map (tail calls)
  ReleasedRecord,    // a ring buffer record the program holds (at offset 0), released by the call
};

enum class RetType : uint8_t {
  Integer,          // a scalar (e.g. 0 or -errno)
  Void,             // r0 is undefined after the call
  MapValueOrNull,   // pointer to a value of the map in argument 1, or 0
  MemoryOrNull,     // pointer to memory whose size is in an argument (ringbuf reserve), or 0
  NoReturnOnSuccess // tail call: does not return on success, returns a negative error otherwise
};

struct HelperPrototype {
  int32_t id = 0;
  std::string name;
  RetType ret = RetType::Integer;
  std::array<ArgType, 5> args{};  // r1..r5
  // For RetType::MemoryOrNull: which argument (0-based) holds the size.
  std::optional<int> ret_size_arg;
  // RetType::Integer: the values the helper can return (signed, inclusive), when narrower
  // than any 64-bit value (bpf_get_prandom_u32: [0, 2^32 - 1]).
  std::optional<std::pair<int64_t, int64_t>> ret_range;
  // The memory argument is a printf-style format whose conversions read the remaining
  // arguments (bpf_trace_printk): the verifier must know the format to allow %s.
  bool format_string = false;
  bool gpl_only = false;
  // The helper may move or resize packet data (Linux's bpf_helper_changes_pkt_data): every
  // packet pointer and every proven packet range is void after the call.
  bool changes_packet_data = false;
  // Bit i: memory argument i (0-based) may be NULL, with a size of 0 (Linux's PTR_MAYBE_NULL
  // on ARG_PTR_TO_MEM: bpf_csum_diff(NULL, 0, to, n, seed) sums only `to`).
  uint8_t null_args = 0;
  // The result is a reference the program must release before it exits (Linux's acquire
  // functions: bpf_ringbuf_reserve's record, released by bpf_ringbuf_submit or _discard).
  bool acquires = false;
};

// A field of a context structure, by offset.
struct ContextField {
  std::string name;
  uint32_t offset = 0;
  uint32_t size = 0;     // bytes
  bool readable = true;
  bool writable = false;
  // A load of this field yields a pointer (skb->data is Packet, data_end is PacketEnd, ...).
  std::optional<PointerKind> holds;
  // Narrower loads (e.g. a u8 read of a u32 field) are allowed when true, as Linux does for
  // most __sk_buff fields.
  bool narrow_loads = true;
  // holds == Memory: the size of the object the field points to (flow dissector's flow_keys).
  uint32_t holds_size = 0;
  // A word of a scratch array (__sk_buff cb[]): any access of 1, 2, 4 or 8 bytes aligned to its
  // size is allowed, an 8-byte one covering this word and the next scratch word (Linux's
  // bpf_skb_is_valid_access).
  bool scratch = false;
  // holds == Kernel: the BTF type id (in VerifierInput::kernel_types) of the object, and
  // whether the program must test the pointer against null before using it (Linux's
  // PTR_TO_BTF_ID_OR_NULL: an iterator's object, null at the end of the iteration).
  uint32_t holds_type = 0;
  bool holds_null = false;
};

// The kernel's types as a program reads them through Kernel pointers: the target kernel's
// BTF (loader/tracing_args.h implements it over libbpf; tests write their own).
class KernelTypes {
 public:
  virtual ~KernelTypes() = default;
  // What a load of `size` bytes at `offset` in an object of type `type` yields (Linux's
  // btf_struct_access for a read): a scalar, a Kernel pointer to the struct `type`, or a
  // refusal whose `why` names the rule.
  struct Load {
    enum class Kind : uint8_t { Scalar, Pointer, Refused } kind = Kind::Refused;
    uint32_t type = 0;
    std::string why;
  };
  virtual Load load(uint32_t type, int64_t offset, uint32_t size) const = 0;
  virtual uint32_t size_of(uint32_t type) const = 0;
  virtual std::string name_of(uint32_t type) const = 0;  // "struct request"
};

struct ContextLayout {
  std::string name;  // "struct xdp_md"
  uint32_t size = 0;
  std::vector<ContextField> fields;
};

struct ProgramType {
  std::string name;                       // "xdp", "socket_filter", "conformance", ...
  uint32_t linux_id = 0;                  // uapi enum bpf_prog_type, 0 when not Linux
  // Registers at entry. Context: r1 = the context (layout below). MemoryAndLength
  // (conformance): r1 = memory whose size is given at verification time, r2 = that size.
  // MemoryAndContext (test harnesses): as MemoryAndLength, plus r3 = the context and r4 = its
  // size.
  enum class Entry : uint8_t { Context, MemoryAndLength, MemoryAndContext } entry = Entry::Context;
  ContextLayout context;
  bool has_packet = false;                // Packet / PacketEnd pointers exist
  bool legacy_packet_loads = false;       // LD ABS / IND allowed (skb-based types)
  std::vector<int32_t> helpers;           // helper ids this type may call (empty: all of the platform's)
  // Exit value range the type allows (xdp: 0..4); nullopt: any scalar.
  std::optional<std::pair<int64_t, int64_t>> return_range;
  // The program may store into packet data (Linux's may_access_direct_pkt_data: lwt_in and
  // lwt_out, for instance, only read it).
  bool packet_writable = true;
  // Loading the type needs CAP_PERFMON (tracing types), which also lets pointers leak (Linux's
  // allow_ptr_leaks): Platform::allow_pointer_leaks holds for such a program.
  bool pointer_leaks = false;
};

// Linux map type ids with what the verifier needs to know about them.
struct MapTypeInfo {
  uint32_t id = 0;            // uapi enum bpf_map_type
  std::string name;           // "hash", "array", ...
  bool lookup_returns_value = true;  // bpf_map_lookup_elem gives a value pointer (false: ringbuf, prog_array)
  bool value_is_per_cpu = false;
  bool array_like = false;    // keys are u32 indexes below max_entries; values always exist
};

struct Platform {
  std::string name;
  std::vector<ProgramType> program_types;
  std::map<int32_t, HelperPrototype> helpers;
  std::map<int32_t, HelperPrototype> kfuncs;
  std::map<uint32_t, MapTypeInfo> map_types;
  // Whether a pointer may be stored where a program's output can read it back (map values,
  // the context, the conformance memory): Linux forbids it for unprivileged loaders.
  bool allow_pointer_leaks = false;
  uint32_t stack_size = 512;           // bytes of each frame
  uint32_t combined_stack_size = 512;  // bytes of all frames of a call chain (Linux); 0: no such limit
  // The stack is zeroed once per run (the reference interpreter and JIT): reading the main
  // frame before writing it gives 0, a callee's frame holds earlier calls' bytes. Otherwise
  // (Linux) reading unwritten stack is an error.
  bool zeroed_stack = false;
  int max_call_frames = 8;

  const ProgramType* find_program_type(const std::string& type_name) const {
    for (const ProgramType& t : program_types) {
      if (t.name == type_name) return &t;
    }
    return nullptr;
  }
  const HelperPrototype* find_helper(int32_t id) const {
    const auto it = helpers.find(id);
    return it == helpers.end() ? nullptr : &it->second;
  }
  const HelperPrototype* find_kfunc(int32_t id) const {
    const auto it = kfuncs.find(id);
    return it == kfuncs.end() ? nullptr : &it->second;
  }
};

}  // namespace bpfcert::verifier
