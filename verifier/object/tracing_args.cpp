#include "verifier/object/tracing_args.h"

#include <fmt/format.h>

#include <string_view>

namespace bpfcert::verifier {

namespace {

using semantics::Error;
using semantics::ErrorCode;

// uapi enum bpf_attach_type values of the BTF-typed programs.
constexpr uint32_t kTraceRawTp = 23, kTraceFentry = 24, kTraceFexit = 25, kModifyReturn = 26, kLsmMac = 27,
                   kTraceIter = 28, kLsmCgroup = 43;
// MAX_BPF_FUNC_ARGS (include/linux/bpf.h).
constexpr uint32_t kMaxFuncArgs = 12;

// The type behind typedefs and qualifiers (btf_type_skip_modifiers), with its id.
const struct btf_type* skip_modifiers(const struct btf* btf, uint32_t& id) {
  const struct btf_type* t = btf__type_by_id(btf, id);
  while (t != nullptr && (btf_is_mod(t) || btf_is_typedef(t))) {
    id = t->type;
    t = btf__type_by_id(btf, id);
  }
  return t;
}

bool is_struct(const struct btf_type* t) { return t != nullptr && btf_is_composite(t); }

// Whether the pointee `id` carries a `__user` or `__percpu` type tag: Linux hands such a
// pointer out (MEM_USER, MEM_PERCPU) but refuses every load through it, so here it is a number
// the program may pass to bpf_probe_read_user / bpf_per_cpu_ptr, never a Kernel pointer.
bool user_or_percpu(const struct btf* btf, uint32_t id) {
  for (const struct btf_type* t = btf__type_by_id(btf, id); t != nullptr && (btf_is_mod(t) || btf_is_typedef(t));
       t = btf__type_by_id(btf, t->type)) {
    if (!btf_is_type_tag(t)) continue;
    const std::string_view tag = btf__name_by_offset(btf, t->name_off);
    if (tag == "user" || tag == "percpu") return true;
  }
  return false;
}

}  // namespace

uint32_t BtfKernelTypes::size_of(uint32_t type) const {
  const long n = btf__resolve_size(btf_, type);
  return n < 0 ? 0 : static_cast<uint32_t>(n);
}

std::string BtfKernelTypes::name_of(uint32_t type) const {
  const struct btf_type* t = btf__type_by_id(btf_, type);
  if (t == nullptr) return fmt::format("btf type {}", type);
  const char* name = btf__name_by_offset(btf_, t->name_off);
  const char* kind = btf_is_union(t) ? "union" : btf_is_struct(t) ? "struct" : "type";
  return name != nullptr && *name != '\0' ? fmt::format("{} {}", kind, name) : fmt::format("anonymous {} {}", kind, type);
}

KernelTypes::Load BtfKernelTypes::load(uint32_t type, int64_t offset, uint32_t size) const {
  const auto refused = [](std::string why) { return Load{Load::Kind::Refused, 0, std::move(why)}; };
  uint32_t id = type;
  for (int depth = 0; depth < 64; ++depth) {
    const struct btf_type* t = skip_modifiers(btf_, id);
    if (!is_struct(t)) return refused(fmt::format("{} is not a struct or union", name_of(id)));
    if (offset < 0 || offset + size > t->size) {
      return refused(fmt::format("past the end of {} ({} bytes)", name_of(id), t->size));
    }
    const auto off = static_cast<uint32_t>(offset);
    const struct btf_member* m = btf_members(t);
    bool descended = false;
    for (uint32_t i = 0; i < btf_vlen(t) && !descended; ++i, ++m) {
      const uint32_t bit_off = btf_member_bit_offset(t, i);
      uint32_t moff = bit_off / 8;
      if (off + size <= moff) break;  // members are in offset order: none further holds it
      if (const uint32_t bits = btf_member_bitfield_size(t, i); bits != 0) {
        // A load may cover a bitfield whole (with its neighbours' bytes), never split it.
        if (off <= moff && (bit_off + bits + 7) / 8 <= off + size) return Load{Load::Kind::Scalar, 0, {}};
        continue;
      }
      if (off < moff) break;  // padding before this member
      const long msize = btf__resolve_size(btf_, m->type);
      if (msize < 0) return refused(fmt::format("a member of {} has no size", name_of(id)));
      const uint32_t mtrue_end = moff + static_cast<uint32_t>(msize);
      if (off >= mtrue_end) continue;
      uint32_t mid = m->type;
      const struct btf_type* mt = skip_modifiers(btf_, mid);
      uint32_t elem_size = static_cast<uint32_t>(msize);
      // An array (of arrays): its innermost element, the one holding the offset.
      while (mt != nullptr && btf_is_array(mt)) {
        mid = btf_array(mt)->type;
        mt = skip_modifiers(btf_, mid);
      }
      if (mid != m->type) {
        const long es = btf__resolve_size(btf_, mid);
        if (es <= 0) return refused(fmt::format("an array member of {} has elements of no size", name_of(id)));
        elem_size = static_cast<uint32_t>(es);
        moff += (off - moff) / elem_size * elem_size;
      }
      if (is_struct(mt)) {
        offset = off - moff;
        id = mid;
        descended = true;
        continue;
      }
      if (mt != nullptr && btf_is_ptr(mt)) {
        if (elem_size != size || off != moff) {
          return refused(fmt::format("{} bytes at offset {} are part of a pointer member ({} bytes at {}) of {}", size,
                                     off, elem_size, moff, name_of(id)));
        }
        uint32_t target = mt->type;
        if (!user_or_percpu(btf_, target) && is_struct(skip_modifiers(btf_, target))) {
          return Load{Load::Kind::Pointer, target, {}};
        }
        // A pointer to anything else (an integer, void, a function) is a number to the program.
      }
      // A scalar, or an array of them: the bytes may span its elements, not leave it.
      if (off + size > mtrue_end) {
        return refused(fmt::format("the {} bytes at offset {} reach past the member at {} of {}", size, off, moff,
                                   name_of(id)));
      }
      return Load{Load::Kind::Scalar, 0, {}};
    }
    if (!descended) return refused(fmt::format("no member of {} holds offset {}", name_of(id), off));
  }
  return refused("structures nested too deeply");
}

namespace {

// Argument i of a BTF-typed program's context as btf_ctx_access reads it: an integer, enum or
// struct passed by value is a scalar (a struct may take several slots); a pointer to a struct
// or union is a Kernel pointer; a pointer to void or to an integer is a scalar (Linux: "the
// same as scalar from the verifier safety pov"); any other pointer cannot be read.
void add_argument(const struct btf* btf, ContextLayout& l, std::string name, uint32_t type_id) {
  ContextField f;
  f.name = std::move(name);
  f.offset = l.size;
  f.size = 8;
  f.writable = false;
  uint32_t id = type_id;
  const struct btf_type* t = skip_modifiers(btf, id);
  if (t != nullptr && btf_is_ptr(t)) {
    f.narrow_loads = false;
    uint32_t target = t->type;
    const bool tagged = user_or_percpu(btf, target);
    const struct btf_type* pointee = target == 0 ? nullptr : skip_modifiers(btf, target);
    if (tagged) {
      // A number (see user_or_percpu).
    } else if (is_struct(pointee)) {
      f.holds = PointerKind::Kernel;
      f.holds_type = target;
    } else if (target != 0 && (pointee == nullptr || !btf_is_int(pointee))) {
      f.readable = false;  // "arg%d type %s is not a struct"
    }
  } else if (t != nullptr && btf_is_composite(t)) {
    f.size = (t->size + 7) / 8 * 8;
  }
  l.size += f.size;
  l.fields.push_back(std::move(f));
}

}  // namespace

semantics::Result<std::optional<TracingContext>> tracing_context(const loader::ProgramInfo& program,
                                                                 const struct btf* btf) {
  if (btf == nullptr || !program.attach_btf_id || !program.type.expected_attach_type) return std::optional<TracingContext>{};
  const uint32_t attach = *program.type.expected_attach_type;
  if (attach != kTraceRawTp && attach != kTraceFentry && attach != kTraceFexit && attach != kModifyReturn &&
      attach != kLsmMac && attach != kTraceIter && attach != kLsmCgroup) {
    return std::optional<TracingContext>{};
  }
  const auto bad = [&](std::string why) {
    return Error{ErrorCode::BadFile, {},
                 fmt::format("attach target '{}': {}", program.type.attach_target, why)};
  };
  // The prototype: a FUNC's, or (tp_btf) the one the btf_trace_<name> typedef points to.
  uint32_t id = *program.attach_btf_id;
  const struct btf_type* t = btf__type_by_id(btf, id);
  if (t == nullptr) return bad("no such BTF type");
  if (attach == kTraceRawTp) {
    t = skip_modifiers(btf, id);
    if (t == nullptr || !btf_is_ptr(t)) return bad("the tracepoint's typedef is not a function pointer");
    id = t->type;
    t = btf__type_by_id(btf, id);
  } else if (btf_is_func(t)) {
    id = t->type;
    t = btf__type_by_id(btf, id);
  }
  if (t == nullptr || !btf_is_func_proto(t)) return bad("not a function prototype");
  TracingContext out;
  out.context.name = "function arguments";
  const struct btf_param* params = btf_params(t);
  const uint32_t nparams = btf_vlen(t);
  if (attach == kTraceIter) {
    // An iterator's program gets one argument, the context struct bpf_iter__<name>, whose
    // members Linux hands out (bpf_iter_reg's ctx_arg_info): meta, then the object iterated
    // (which may be null at the end of the iteration).
    if (nparams < 1) return bad("the iterator takes no context");
    uint32_t ctx_id = params[0].type;
    const struct btf_type* p = skip_modifiers(btf, ctx_id);
    uint32_t sid = p != nullptr && btf_is_ptr(p) ? p->type : 0;
    const struct btf_type* s = sid == 0 ? nullptr : skip_modifiers(btf, sid);
    if (!is_struct(s)) return bad("the iterator's context is not a pointer to a struct");
    out.context.name = BtfKernelTypes(btf).name_of(sid);
    const struct btf_member* m = btf_members(s);
    for (uint32_t i = 0; i < btf_vlen(s); ++i, ++m) {
      const char* mname = btf__name_by_offset(btf, m->name_off);
      out.context.size = btf_member_bit_offset(s, i) / 8;
      add_argument(btf, out.context, mname != nullptr ? mname : "", m->type);
      // The object iterated is PTR_TO_BTF_ID_OR_NULL: the program must test it first.
      if (i > 0 && out.context.fields.back().holds == PointerKind::Kernel) out.context.fields.back().holds_null = true;
    }
    out.context.size = s->size;
    out.target = fmt::format("iterator {}", program.type.attach_target);
    out.return_range = std::pair<int64_t, int64_t>{0, 1};
    return std::optional<TracingContext>{std::move(out)};
  }
  // tp_btf: the prototype's first parameter is the tracepoint's `void *__data`, not an argument.
  const uint32_t first = attach == kTraceRawTp ? 1 : 0;
  for (uint32_t i = first; i < nparams; ++i) {
    if (params[i].type == 0) break;  // `...`
    const char* pname = btf__name_by_offset(btf, params[i].name_off);
    add_argument(btf, out.context, pname != nullptr && *pname != '\0' ? pname : fmt::format("arg{}", i - first),
                 params[i].type);
  }
  // fexit, fmod_ret and LSM programs also see the return value, after the arguments.
  if ((attach == kTraceFexit || attach == kModifyReturn || attach == kLsmMac || attach == kLsmCgroup) && t->type != 0) {
    add_argument(btf, out.context, "return value", t->type);
  }
  if (out.context.size > 8 * kMaxFuncArgs) return bad("more than 12 argument slots");
  out.target = fmt::format("{} {}", attach == kTraceRawTp ? "tracepoint" : "function", program.type.attach_target);
  if (attach == kTraceFentry || attach == kTraceFexit) out.return_range = std::pair<int64_t, int64_t>{0, 0};
  return std::optional<TracingContext>{std::move(out)};
}

}  // namespace bpfcert::verifier
