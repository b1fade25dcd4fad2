// The checker: evaluates an instruction's assertions (assertions.h) against the abstract state
// before it and turns each that fails into a finding that carries the assertion.
//
// Soundness first. Every check either proves its property from the abstract state or
// reports. After reporting, the analysis goes on as if the assertion held (the transfer
// functions assume it: an uninitialised register is taken to hold some scalar, a load through
// a rejected access yields an unknown value), so one run lists several findings. Pointer
// comparisons refine offsets only when both offsets are small enough that address order equals
// offset order; non-null facts need the offset near 0 (branch.cpp).
//
// Checks not yet stated as assertions are still reported by their transfer functions, through
// report(): helper arguments other than memory (helpers.cpp), calls (calls.cpp), legacy packet
// loads and LDDW's references (transfer.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "verifier/access_rules.h"
#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

std::string range_text(__int128 lo, __int128 hi) {
  if (lo == hi) return fmt::format("{}", static_cast<int64_t>(lo));
  return fmt::format("[{}, {}]", static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

void Analyzer::add_finding(Finding f) {
  const FindingKey key{f.pc, f.check};
  findings_.emplace(key, std::move(f));
}

void Analyzer::report(CheckId check, size_t pc, std::string message, const State& s, const Assertion* about) {
  if (!check_) return;
  const FindingKey key{static_cast<int64_t>(pc), check};
  if (findings_.count(key) != 0) return;
  Finding f;
  f.check = check;
  f.severity = check_info(check).severity;
  f.pc = static_cast<int64_t>(pc);
  f.message = std::move(message);
  if (about != nullptr) f.assertion = *about;
  for (int r = 0; r <= 10; ++r) {
    if (s.regs[static_cast<size_t>(r)].is_init()) f.registers.push_back({r, view(s.regs[static_cast<size_t>(r)], &in_)});
  }
  findings_.emplace(key, std::move(f));
}

Checked Analyzer::check_insn(State& s, size_t pc) {
  Checked c;
  uint32_t uninit = 0;  // registers this instruction's Initialized assertions found unwritten
  for (const Assertion& a : assertions_of(prog_, pc)) {
    if (const auto* i = std::get_if<Initialized>(&a)) {
      if (!check_initialized(s, pc, i->reg, &a)) uninit |= 1u << i->reg;
    } else if (const auto* x = std::get_if<Access>(&a)) {
      // Through an unwritten register there is nothing more to say than reg.uninit.
      if ((uninit >> x->reg & 1) == 0) c = check_access(s, pc, *x, &a);
    } else if (const auto* v = std::get_if<ValidStore>(&a)) {
      // A store's value matters once its address is valid; an atomic's operand always does.
      if (c.region || prog_.row(pc).kind == Kind::Atomic) check_store(s, pc, *v, &a);
    } else if (const auto* ar = std::get_if<ValidArithmetic>(&a)) {
      check_arithmetic(s, pc, *ar, &a);
    } else if (const auto* cmp = std::get_if<Comparable>(&a)) {
      check_comparable(s, pc, *cmp, &a);
    } else if (std::holds_alternative<ValidReturn>(a)) {
      check_return(s, pc, &a);
    }
  }
  return c;
}

bool Analyzer::check_initialized(State& s, size_t pc, int r, const Assertion* about) {
  Value& v = s.regs[static_cast<size_t>(r)];
  if (v.is_init()) return true;
  if (about == nullptr) {
    const Assertion a = Initialized{static_cast<uint8_t>(r)};
    report(CheckId::RegUninit, pc, fmt::format("r{} is read before it is written on some path", r), s, &a);
  } else {
    report(CheckId::RegUninit, pc, fmt::format("r{} is read before it is written on some path", r), s, about);
  }
  v = Value::scalar(scalar_top());
  return false;
}

Checked Analyzer::check_access(State& s, size_t pc, const Access& a, const Assertion* about) {
  Checked c;
  const Value p = s.regs[a.reg];
  if (!check_region(s, pc, a, p, about)) return c;
  c.region = true;
  c.access = true;
  if (p.region == PointerKind::Stack && (a.kind == AccessKind::Read || a.kind == AccessKind::Atomic)) {
    c.access = check_stack_read(s, pc, a, p, about);
  } else if (p.region == PointerKind::Context && (a.kind == AccessKind::Read || a.kind == AccessKind::Write)) {
    c.access = check_context_field(s, pc, a, p, about);
  }
  return c;
}

// The pointer's region allows the access and holds every byte of it.
bool Analyzer::check_region(State& s, size_t pc, const Access& a, const Value& p, const Assertion* about) {
  const AccessKind kind = a.kind;
  const int64_t off = a.offset;
  const uint64_t n = a.size;
  const char* verb = to_string(kind);
  // Formatted only for a finding: most accesses pass.
  const auto who = [&] { return reg_text(s, a.reg); };
  if (!p.is_pointer()) {
    report(CheckId::MemType, pc,
           fmt::format("{} of {} bytes through {}: {}", verb, n, who(),
                       p.type == Value::Type::Unknown ? "may be a scalar or a pointer" : "not a pointer"),
           s, about);
    return false;
  }
  if (p.nullable) {
    report(CheckId::MemNull, pc, fmt::format("{} through {}, which may be null: compare it with 0 first", verb, who()), s,
           about);
    return false;
  }
  if (p.id == kReleasedId) {
    report(CheckId::RefReleased, pc,
           fmt::format("{} through {}: the record was submitted or discarded, its memory is no longer the program's", verb,
                       who()),
           s, about);
    return false;
  }
  switch (p.region) {
    case PointerKind::MapHandle:
    case PointerKind::Code:
    case PointerKind::PacketEnd:
      report(CheckId::MemType, pc, fmt::format("{} through {}: this pointer cannot be dereferenced", verb, who()), s, about);
      return false;
    case PointerKind::PacketMeta: return check_packet_meta(s, pc, a, p, about);
    case PointerKind::Kernel: return check_kernel_access(s, pc, a, p, about);
    case PointerKind::Context:
      if (!access_rules::region_takes(kind, access_rules::Region::Context)) {
        report(CheckId::MemType, pc,
               fmt::format("{} through {}: the context is accessed only by loads and stores", verb, who()), s, about);
        return false;
      }
      return true;  // check_context_field checks the field
    case PointerKind::Packet: {
      if (!access_rules::region_takes(kind, access_rules::Region::Packet)) {
        report(CheckId::MemType, pc, fmt::format("atomic update through {}: not allowed on packet data", who()), s, about);
        return false;
      }
      if (access_rules::write_refused(kind, type_.packet_writable)) {
        report(CheckId::MemReadonly, pc,
               fmt::format("{} of {} bytes through {}: {} programs only read packet data", verb, n, who(), type_.name), s,
               about);
        return false;
      }
      std::string why;
      if (!packet_in_range(s, p, off, n, why)) {
        report(CheckId::MemBounds, pc, fmt::format("{} of {} bytes at {}{:+}: {}", verb, n, who(), off, why), s, about);
        return false;
      }
      return true;
    }
    default: break;
  }
  return check_sized_region(s, pc, a, p, about);
}

// Data_meta + offset: a comparison of data_meta with data proved the metadata holds `range`.
bool Analyzer::check_packet_meta(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about) {
  const int64_t off = a.offset;
  const uint64_t n = a.size;
  if (!access_rules::region_takes(a.kind, access_rules::Region::PacketMeta)) {
    report(CheckId::MemType, pc, fmt::format("atomic update through {}: not allowed on packet metadata", reg_text(s, a.reg)),
           s, about);
    return false;
  }
  int64_t range = 0;
  for (const PacketRange& x : s.packet) {
    if (x.id == kMetaRangeId) range = x.range;
  }
  const __int128 lo = static_cast<__int128>(smin(p.num)) + off;
  const __int128 hi = static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n);
  if (!access_rules::packet_meta_fits<uint64_t>(p.num.smin, p.num.smax, static_cast<uint64_t>(off), n,
                                                static_cast<uint64_t>(range))) {
    report(CheckId::MemBounds, pc,
           fmt::format("{} of {} bytes at {}{:+}: metadata offsets {} are used, but comparisons of data_meta with "
                       "data prove only [0, {})",
                       to_string(a.kind), n, reg_text(s, a.reg), off, range_text(lo, hi - static_cast<__int128>(n)),
                       range),
           s, about);
    return false;
  }
  return true;
}

// A region of known size (stack frame, memory, map value, variable): every byte inside it, and
// writable for a write.
bool Analyzer::check_sized_region(State& s, size_t pc, const Access& a, const Value& p, const Assertion* about) {
  const AccessKind kind = a.kind;
  const int64_t off = a.offset;
  const uint64_t n = a.size;
  const char* verb = to_string(kind);
  // Formatted only for a finding: most accesses pass.
  const auto who = [&] { return reg_text(s, a.reg); };
  if (p.region == PointerKind::Stack && (p.object < 0 || p.object > s.depth())) {
    report(CheckId::MemBounds, pc, fmt::format("{} through {}: that frame has returned", verb, who()), s, about);
    return false;
  }
  bool known = true;
  const uint64_t size = region_size(p, known);
  const __int128 lo = static_cast<__int128>(smin(p.num)) + off;
  const __int128 hi = static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n);
  if (!known || !access_rules::sized_fits<uint64_t>(p.num.smin, p.num.smax, static_cast<uint64_t>(off), n, size,
                                                    p.region == PointerKind::Stack)) {
    const char* region = p.region == PointerKind::Stack      ? "stack frame"
                         : p.region == PointerKind::MapValue ? "map value"
                         : p.region == PointerKind::Variable ? "variable"
                                                             : "memory";
    report(CheckId::MemBounds, pc,
           !known ? fmt::format("{} of {} bytes through {}: the size of the memory is not known", verb, n, who())
                  : fmt::format("{} of {} bytes at offset {} through {}: outside the {}-byte {}{}", verb, n,
                                range_text(lo, hi - static_cast<__int128>(n)), who(), size, region,
                                p.region == PointerKind::Stack ? " (offsets -" + std::to_string(size) + "..-1 from r10)"
                                                               : ""),
           s, about);
    return false;
  }
  const auto read_only = [&](size_t i) { return i >= in_.maps.size() || in_.maps[i].read_only; };
  if (p.region == PointerKind::MapValue &&
      access_rules::write_refused(kind, !(p.object >= 0 && std::ranges::any_of(map_indexes(p), read_only)))) {
    report(CheckId::MemReadonly, pc,
           fmt::format("{} of {} bytes through {}: the map's values are read-only for the program", verb, n, who()), s,
           about);
    return false;
  }
  if (p.region == PointerKind::Stack && check_) {
    // The frame's size is what its accesses reach (frame.size checks the call chains).
    const size_t owner = sub_stack_[static_cast<size_t>(p.object)];
    stack_usage_[owner] = std::max<int64_t>(stack_usage_[owner], static_cast<int64_t>(-lo));
  }
  return true;
}

// A load (or an atomic's read of the old value) of stack bytes: each initialised, none part of
// a spilled pointer, unless the load takes the whole spill back. An atomic's old value must be
// a scalar.
bool Analyzer::check_stack_read(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about) {
  const StackFrame& fr = *s.frames[static_cast<size_t>(p.object)];
  const int64_t off = a.offset;
  const auto n = static_cast<unsigned>(a.size);
  const int r = a.reg;
  if (is_const(p.num)) {
    const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + off) + kFrameBytes;
    const StackLoad load = stack_load(fr, start, n);
    if (load.kind == StackLoad::Kind::Spill && n == 8 && a.kind == AccessKind::Atomic) {
      const Value& v = fr.spill[static_cast<size_t>(start / 8)];
      if (!v.is_scalar()) {
        report(CheckId::PtrArith, pc,
               fmt::format("atomic operation on {}{:+}, which holds {}: arithmetic on a pointer", reg_text(s, r), off,
                           text(v)),
               s, about);
        return false;
      }
    }
    if (load.kind != StackLoad::Kind::Fault) return true;
    if (load.pointer) {
      report(CheckId::PtrPartial, pc,
             fmt::format("{}-byte read at {}{:+} covers part of a spilled {}", n, reg_text(s, r), off,
                         text(fr.spill[static_cast<size_t>(load.bad / 8)])),
             s, about);
    } else {
      report(CheckId::StackUninit, pc,
             fmt::format("{}-byte read at {}{:+} reads uninitialised stack byte {} (r10{:+})", n, reg_text(s, r), off,
                         load.bad - kFrameBytes, load.bad - kFrameBytes),
             s, about);
    }
    return false;
  }
  const int lo = static_cast<int>(smin(p.num) + off) + kFrameBytes;
  const int hi = static_cast<int>(smax(p.num) + off) + static_cast<int>(n) + kFrameBytes;
  for (int i = lo; i < hi; ++i) {
    const ByteView b = byte_at(fr, i);
    if (b.pointer) {
      report(CheckId::PtrPartial, pc,
             fmt::format("variable-offset read through {} may read part of a spilled pointer at r10{:+}", reg_text(s, r),
                         i - kFrameBytes),
             s, about);
      return false;
    }
    if (b.kind == ByteKind::Uninit) {
      report(CheckId::StackUninit, pc,
             fmt::format("variable-offset read of {} bytes through {}{:+} may read uninitialised stack byte r10{:+}", n,
                         reg_text(s, r), off, i - kFrameBytes),
             s, about);
      return false;
    }
  }
  return true;
}

// A load or store of the context: a constant offset, inside one field that allows it.
bool Analyzer::check_context_field(const State& s, size_t pc, const Access& a, const Value& p,
                                   const Assertion* about) {
  const bool write = a.kind == AccessKind::Write;
  const auto n = static_cast<unsigned>(a.size);
  if (!is_const(p.num)) {
    report(CheckId::CtxAccess, pc,
           fmt::format("context access through {}: the offset must be a constant", reg_text(s, a.reg)), s, about);
    return false;
  }
  const int64_t o = static_cast<int64_t>(p.num.t.value) + a.offset;
  const ContextField* f = context_field(o, n);
  if (f == nullptr) {
    report(CheckId::CtxAccess, pc,
           fmt::format("{} of {} bytes at context offset {}: no field of {} allows it", write ? "write" : "read", n, o,
                       type_.context.name.empty() ? "the context" : type_.context.name),
           s, about);
    return false;
  }
  if (write && !f->writable) {
    report(CheckId::MemReadonly, pc, fmt::format("write of {} bytes to context field {} (read-only)", n, f->name), s,
           about);
    return false;
  }
  if (!write && !f->readable) {
    report(CheckId::CtxAccess, pc, fmt::format("read of context field {}: not readable", f->name), s, about);
    return false;
  }
  if (f->scratch) {
    if (o % n != 0) {
      report(CheckId::CtxAccess, pc, fmt::format("{}-byte access to {} at context offset {}: not aligned to its size", n,
                                                 f->name, o),
             s, about);
      return false;
    }
  } else if (n != f->size && (!f->narrow_loads || write || f->holds)) {
    report(CheckId::CtxAccess, pc, fmt::format("{}-byte access to the {}-byte context field {}", n, f->size, f->name),
           s, about);
    return false;
  }
  return true;
}

// A load through a Kernel pointer (Linux's check_ptr_to_btf_access for a tracing program):
// a read, at a constant offset, that the object's BTF type allows (KernelTypes::load). Linux
// lets tracing programs write no kernel object, and passes none to a helper's memory argument
// (a helper reads kernel memory through bpf_probe_read_kernel, whose source is any value).
bool Analyzer::check_kernel_access(const State& s, size_t pc, const Access& a, const Value& p,
                                   const Assertion* about) {
  const auto who = [&] { return reg_text(s, a.reg); };
  if (a.kind != AccessKind::Read) {
    report(a.kind == AccessKind::Write || a.kind == AccessKind::Atomic ? CheckId::MemReadonly : CheckId::MemType, pc,
           fmt::format("{} of {} bytes through {}: a kernel object is only read, by loads", to_string(a.kind), a.size,
                       who()),
           s, about);
    return false;
  }
  if (!is_const(p.num)) {
    report(CheckId::MemBounds, pc,
           fmt::format("read through {}: the offset into a kernel object must be a constant", who()), s, about);
    return false;
  }
  if (in_.kernel_types == nullptr) {
    report(CheckId::MemType, pc, fmt::format("read through {}: no kernel types (BTF) to read it by", who()), s, about);
    return false;
  }
  const int64_t off = static_cast<int64_t>(p.num.t.value) + a.offset;
  const auto type = static_cast<uint32_t>(p.object);
  if (off < 0) {
    report(CheckId::MemBounds, pc,
           fmt::format("read of {} bytes at offset {} of {} through {}: a negative offset", a.size, off,
                       in_.kernel_types->name_of(type), who()),
           s, about);
    return false;
  }
  const KernelTypes::Load l = in_.kernel_types->load(type, off, static_cast<uint32_t>(a.size));
  if (l.kind == KernelTypes::Load::Kind::Refused) {
    report(CheckId::MemBounds, pc,
           fmt::format("read of {} bytes at offset {} of {} through {}: {}", a.size, off, in_.kernel_types->name_of(type),
                       who(), l.why),
           s, about);
    return false;
  }
  probe_load_[pc] = true;
  return true;
}

void Analyzer::check_store(const State& s, size_t pc, const ValidStore& a, const Assertion* about) {
  if (prog_.row(pc).kind == Kind::Atomic) {
    const Value& v = s.regs[static_cast<size_t>(a.value)];
    if (!v.is_scalar()) {
      report(allow_leaks_ ? CheckId::PtrArith : CheckId::PtrLeak, pc,
             fmt::format("atomic operation with r{} = {}: the operand must be a scalar", a.value, text(v)), s, about);
    }
    if (prog_.row(pc).atomic_op() == AtomicOp::Cmpxchg && !s.regs[0].is_scalar()) {
      report(CheckId::PtrLeak, pc, fmt::format("cmpxchg compares with r0 = {}: must be a scalar", text(s.regs[0])), s,
             about);
    }
    return;
  }
  if (a.value < 0) return;  // an immediate is a scalar
  const Value& p = s.regs[a.base];
  const Value& v = s.regs[static_cast<size_t>(a.value)];
  if (v.is_scalar()) return;
  if (p.region == PointerKind::Stack) {
    // Only an aligned 8-byte spill keeps a pointer (or a value of unknown type) whole.
    const bool exact = is_const(p.num);
    const int lo = static_cast<int>(smin(p.num) + prog_.insns[pc].off) + kFrameBytes;
    if (exact && a.size == 8 && lo % 8 == 0) return;
    if (v.is_pointer() || v.type == Value::Type::Unknown) {
      report(CheckId::PtrPartial, pc,
             fmt::format("{} stored {}: only aligned 8-byte stores keep a pointer on the stack", text(v),
                         exact ? fmt::format("in {} bytes at r10{:+}", a.size, lo - kFrameBytes) : "at a variable offset"),
             s, about);
    }
    return;
  }
  if (!allow_leaks_) {
    report(CheckId::PtrLeak, pc,
           fmt::format("r{} = {} stored into {}: the platform forbids storing pointers where they can be read back",
                       a.value, text(v), text(p)),
           s, about);
  }
}

void Analyzer::check_arithmetic(const State& s, size_t pc, const ValidArithmetic& a, const Assertion* about) {
  const semantics::Encoding& row = prog_.row(pc);
  const AluOp op = row.alu_op();
  const Width w = row.width;
  const Value& d = s.regs[a.dst];
  const Value src = a.src >= 0 ? s.regs[static_cast<size_t>(a.src)]
                               : Value::scalar(scalar_const(semantics::imm_operand(prog_.insns[pc].imm)));
  auto not_scalar = [&](const Value& v, int r, const std::string& what) {
    report(CheckId::PtrArith, pc,
           fmt::format("{} of r{} = {}: {}", what, r, text(v),
                       v.type == Value::Type::Unknown ? "the value may be a pointer" : "not allowed on a pointer"),
           s, about);
  };
  if (op == AluOp::Mov && w == Width::W64) return;
  if (op == AluOp::Mov) {
    if (!src.is_scalar() && !allow_leaks_) not_scalar(src, a.src, "32-bit move");
    return;
  }
  if (op == AluOp::Movsx) {
    if (!src.is_scalar()) not_scalar(src, a.src, "sign-extending move");
    return;
  }
  if (op == AluOp::Neg || op == AluOp::ToLe || op == AluOp::ToBe || op == AluOp::Bswap) {
    if (!d.is_scalar()) not_scalar(d, a.dst, "unary operation");
    return;
  }
  if (d.is_scalar() && src.is_scalar()) return;
  const bool additive = (op == AluOp::Add || op == AluOp::Sub) && w == Width::W64;
  const Value* ptr = additive && d.is_pointer() && src.is_scalar()                          ? &d
                     : op == AluOp::Add && w == Width::W64 && d.is_scalar() && src.is_pointer() ? &src
                                                                                             : nullptr;
  if (ptr != nullptr) {
    const Scalar& x = ptr == &d ? src.num : d.num;
    switch (pointer_arith_fault(*ptr, x)) {
      case ArithFault::None: break;
      case ArithFault::NotAddressable:
        report(CheckId::PtrArith, pc, fmt::format("arithmetic on {}: only comparisons are allowed", text(*ptr)), s, about);
        break;
      case ArithFault::Nullable:
        report(CheckId::PtrArith, pc,
               fmt::format("arithmetic on {}, which may be null: check it against 0 first", text(*ptr)), s, about);
        break;
      case ArithFault::ContextVariable:
        report(CheckId::PtrArith, pc, fmt::format("variable offset {} added to the context pointer", describe(x)), s,
               about);
        break;
    }
    return;
  }
  if (op == AluOp::Sub && w == Width::W64 && d.is_pointer() && src.is_pointer()) {
    if (!pointers_subtract(d, src) && !allow_leaks_) {
      report(CheckId::PtrArith, pc,
             fmt::format("subtraction of pointers into different objects: {} - {}", text(d), text(src)), s, about);
    }
    return;
  }
  if (op == AluOp::Sub && w == Width::W32) {
    // Linux (adjust_ptr_min_max_vals): a 32-bit subtraction involving a pointer gives an
    // unknown scalar to a loader that may leak pointers (GCC computes packet lengths so), and
    // is refused otherwise. The low half of the distance between two pointers into one object
    // reveals no address, so it is allowed on every platform, as the 64-bit distance is.
    const bool distance = d.is_pointer() && src.is_pointer() && pointers_subtract(d, src);
    if (!distance && !allow_leaks_) {
      report(CheckId::PtrArith, pc,
             fmt::format("32-bit subtraction {} - {}: only the distance between pointers into one object is allowed "
                         "(any pointer where the loader may leak pointers)",
                         text(d), text(src)),
             s, about);
    }
    return;
  }
  // Any other operation involving a pointer or a value of unknown type.
  if (!d.is_scalar()) {
    not_scalar(d, a.dst, fmt::format("{}-bit {}", w == Width::W64 ? 64 : 32, row.id));
  } else {
    not_scalar(src, a.src, fmt::format("{}-bit {} with operand", w == Width::W64 ? 64 : 32, row.id));
  }
}

void Analyzer::check_comparable(const State& s, size_t pc, const Comparable& c, const Assertion* about) {
  if (allow_leaks_) return;  // comparing addresses reveals nothing the program may not see
  const semantics::Encoding& row = prog_.row(pc);
  const Value& a = s.regs[c.dst];
  const Value b = c.src >= 0 ? s.regs[static_cast<size_t>(c.src)]
                             : Value::scalar(scalar_const(semantics::imm_operand(prog_.insns[pc].imm)));
  if (comparable(a, b, row.width)) return;
  report(CheckId::PtrCompare, pc,
         fmt::format("{} compares {} with {}: pointers are compared only with 0 or with pointers into the same object",
                     row.id, text(a), text(b)),
         s, about);
}

void Analyzer::check_return(State& s, size_t pc, const Assertion* about) {
  const Value& r0 = s.regs[0];
  if (s.depth() > 0) {
    if (!r0.is_init()) {
      report(CheckId::ExitR0, pc, "r0 is not initialised when the function returns", s, about);
      s.regs[0] = Value::scalar(scalar_top());  // assumed from here on: reported once, here
    }
    if (r0.is_pointer() && r0.region == PointerKind::Stack && r0.object == s.depth()) {
      report(CheckId::ExitStackPointer, pc, fmt::format("the function returns {}, a pointer into its own frame", text(r0)),
             s, about);
    }
    return;
  }
  if (!r0.is_init()) {
    report(CheckId::ExitR0, pc, "r0 is not initialised at the program's exit", s, about);
  } else if (!r0.is_scalar()) {
    report(CheckId::ExitR0, pc, fmt::format("the program returns {}: only scalars may be returned", text(r0)), s, about);
  } else if (type_.return_range) {
    const auto [lo, hi] = *type_.return_range;
    if (smin(r0.num) < lo || smax(r0.num) > hi) {
      report(CheckId::ExitR0, pc,
             fmt::format("the program returns r0 = {}, outside the return range [{}, {}] of {}", describe(r0.num), lo, hi,
                         type_.name),
             s, about);
    }
  }
}

}  // namespace bpfcert::verifier::detail
