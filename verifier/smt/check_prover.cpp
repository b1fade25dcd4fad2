// The statements that prove the checker's memory-access decisions and the pointer transfer
// functions (verifier/access_rules.h) sound against the machine model (semantics/machine.h), on
// the very templates the checker runs, instantiated at 64 bits over Z3 words: the access and range
// statements over Z3IntWord (64-bit words as integers, z3_int_word.h: these statements only add,
// subtract and compare, and Z3's integer arithmetic proves them in well under a second where the
// bit-blasted form takes tens of seconds), the pointer transfer functions over Z3Word:
//
//   access.<region>/<kind>/no_trap   For every well-formed abstract offset S, every concrete
//       offset x in gamma(S), every access offset (32-bit) and size, every region size and base
//       address: if access_accepted(region, kind, writable, facts) then the access at
//       base + x + off of n bytes is inside the region's Bounds (semantics::contains) and is no
//       write to a region that takes none (semantics::write_to_read_only). The facts the
//       checker reads are hypotheses as true of the concrete state: a packet's proven range is
//       at most its length (range.packet proves that every recorded range is), the metadata's
//       likewise. Map values: the slab of map_values() with its stride, for value sizes 1, 12
//       and 40, the pointer at any element's start. Writable is asked both ways where the
//       checker reads it (map values, packet); the other regions take writes in the machine.
//   range.<packet|packet_meta>/<op>.<p_end|end_p>.<taken|fall>/holds   For a packet pointer
//       p = data + x (x in gamma(S), S's offsets sane) compared with data_end = data + len by a
//       64-bit jump of the machine's semantics (semantics::jump_taken) going that way, the range
//       the analyzer then records (smin(S) + extra, and delta + extra for p's variable part) is
//       at most len; likewise data_meta + x against data + c for the metadata's length. Buffers
//       are placed as access_rules::kSaneOffset says (at least 2^40 from either end of the
//       address space): that placement is this statement's one assumption about the machine.
//   ptr.add, ptr.sub, ptr.diff/offset/<component>   The new offset's abstract value
//       (pointer_offset_unreduced, pointer_distance_unreduced) holds (base + x) +- y - base, or
//       (base + x) - (base + y); composed with the reduction's proof as for the ALU operators.
#include <fmt/format.h>

#include <array>
#include <sstream>
#include <stdexcept>

#include "semantics/machine.h"
#include "verifier/smt/prover_query.h"

namespace bpfcert::verifier::smt::detail {

using access_rules::Region;
using semantics::JmpOp;

namespace {

constexpr std::array<AccessKind, 5> kAccessKinds = {AccessKind::Read, AccessKind::Write, AccessKind::Atomic,
                                                    AccessKind::HelperRead, AccessKind::HelperWrite};
constexpr std::array<std::pair<JmpOp, const char*>, 6> kRangeOps = {
    {{JmpOp::Jeq, "jeq"}, {JmpOp::Jne, "jne"}, {JmpOp::Jgt, "jgt"}, {JmpOp::Jge, "jge"}, {JmpOp::Jlt, "jlt"},
     {JmpOp::Jle, "jle"}}};
// Map values are proven for these value sizes (strides 8, 16, 40: a power of two, and not), one
// statement each ("read.value12"): together, Z3's integer solver takes minutes on them.
constexpr std::array<uint64_t, 3> kValueSizes = {1, 12, 40};
constexpr uint64_t kMapEntries = uint64_t{1} << 16;

const char* lemma_of(AccessKind k) {
  switch (k) {
    case AccessKind::Read: return "read";
    case AccessKind::Write: return "write";
    case AccessKind::Atomic: return "atomic";
    case AccessKind::HelperRead: return "helper_read";
    case AccessKind::HelperWrite: return "helper_write";
  }
  return "?";
}

std::string range_lemma(const char* op, bool p_left, bool taken) {
  return fmt::format("{}.{}.{}", op, p_left ? "p_end" : "end_p", taken ? "taken" : "fall");
}

// How the machine model sees an access of each kind: a helper reads or writes as a load or a
// store does.
semantics::Access machine_access(AccessKind k) {
  switch (k) {
    case AccessKind::Read:
    case AccessKind::HelperRead: return semantics::Access::Read;
    case AccessKind::Write:
    case AccessKind::HelperWrite: return semantics::Access::Write;
    case AccessKind::Atomic: return semantics::Access::AtomicUpdate;
  }
  return semantics::Access::Read;
}

// The symbols of a statement over Z3IntWord: each a word (0 <= w < 2^64, collected in words()),
// observed for counterexamples.
class Words {
 public:
  explicit Words(Symbols& sym) : sym_(sym), words_(sym.ctx().bool_val(true)) {}
  Z3IntWord word(const std::string& name) {
    const Z3IntWord w = fresh_int_word(sym_.ctx(), name.c_str());
    words_ = words_ && is_word(w);
    observe(name, w);
    return w;
  }
  void observe(const std::string& name, const Z3IntWord& w) { sym_.observe(name, Z3Word{w.e}); }
  const z3::expr& words() const { return words_; }

 private:
  Symbols& sym_;
  z3::expr words_;
};

// A buffer [start, start + len) placed as kSaneOffset says: 2^40 <= start and
// start + len + 2^40 <= 2^64 (as integers).
z3::expr placed(const Z3IntWord& start, const Z3IntWord& len) {
  z3::context& ctx = start.ctx();
  const z3::expr margin = ctx.int_val(access_rules::kSaneOffset);
  return margin <= start.e && start.e + len.e + margin <= Z3IntWord::modulus(ctx);
}

// The pointer's abstract offset as the checks read it, its signed range, and a concrete offset
// x in it. The checks read nothing else of the scalar (its tnum, unsigned and 32-bit ranges),
// so every x in [smin, smax] is asked, a superset of every x in gamma of any well-formed scalar
// with these bounds: the statement is stronger.
struct Offsets {
  Z3IntWord smin, smax, x;
  z3::expr hyp;
};
Offsets offsets(Words& w) {
  const Z3IntWord smin = w.word("ptr.smin"), smax = w.word("ptr.smax"), x = w.word("x");
  return {smin, smax, x, (sle(smin, x) && sle(x, smax)).e};
}

// "write" or, for a map value, "write.value12": the kind, and the value size (0: none).
std::pair<AccessKind, uint64_t> kind_of(const std::string& lemma) {
  const size_t dot = lemma.find(".value");
  const std::string kind = lemma.substr(0, dot);
  const uint64_t value_size = dot == std::string::npos ? 0 : std::stoull(lemma.substr(dot + 6));
  for (AccessKind k : kAccessKinds) {
    if (kind == lemma_of(k)) return {k, value_size};
  }
  throw std::invalid_argument("no access kind '" + lemma + "'");
}

Query access_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  z3::context& ctx = sym.ctx();
  Words w(sym);
  const Region region = ob.op->region;
  const auto [kind, value_size] = kind_of(ob.lemma);
  const Offsets p = offsets(w);
  const Z3IntWord x = p.x, off = w.word("off"), n = w.word("n"), base = w.word("base");
  z3::expr hyp = p.hyp;
  const access_rules::PacketFacts<Z3IntWord> packet{w.word("packet.range0"), false, w.word("packet.delta"),
                                                    w.word("packet.range_id")};
  const access_rules::AccessFacts<Z3IntWord> f{p.smin, p.smax, off, n, w.word("size"), packet, w.word("meta_range")};
  const Z3IntWord addr = base + x + off;
  w.observe("addr", addr);
  // The statement for one region layout: accepted => inside and not a refused write.
  auto no_trap = [&](const semantics::Bounds<Z3IntWord>& bounds, const Z3IntWord& at, bool writable,
                     const access_rules::AccessFacts<Z3IntWord>& facts) {
    const Z3Bool accepted = dom.access_accepted(region, kind, writable, facts);
    const bool refused = semantics::write_to_read_only(machine_access(kind), writable);
    const z3::expr safe = refused ? ctx.bool_val(false) : semantics::contains(bounds, at, n).e;
    return z3::implies(accepted.e, safe);
  };
  z3::expr goal = ctx.bool_val(true);
  switch (region) {
    case Region::Stack:  // base is the frame's top (r10); the frame lies below it
      goal = no_trap({base - f.size, f.size}, addr, true, f);
      break;
    case Region::Memory:
    case Region::Variable:
    case Region::Context: goal = no_trap({base, f.size}, addr, true, f); break;
    case Region::MapValue: {
      // The pointer is element i's start in the slab at `start`; the checker knows the value size.
      const Z3IntWord start = w.word("map.start"), i = w.word("map.element");
      hyp = hyp && ult(i, lit(i, kMapEntries)).e;
      const semantics::Bounds<Z3IntWord> slab = semantics::map_values(start, value_size, kMapEntries);
      access_rules::AccessFacts<Z3IntWord> g = f;
      g.size = lit(x, value_size);
      const Z3IntWord element = start + i * lit(i, semantics::map_value_stride(value_size));
      for (bool writable : {false, true}) goal = goal && no_trap(slab, element + x + off, writable, g);
      break;
    }
    case Region::Packet: {
      const Z3IntWord len = w.word("packet.len");
      // What range.packet proves of every recorded range: range0 <= len, and for the pointer's
      // variable part (x - delta) + range_id <= len, as integers.
      hyp = hyp && f.packet.range0.signed_value() <= len.e &&
            x.signed_value() - f.packet.delta.signed_value() + f.packet.range_id.signed_value() <= len.e;
      for (bool has_id : {false, true}) {
        access_rules::AccessFacts<Z3IntWord> g = f;
        g.packet.has_id = has_id;
        for (bool writable : {false, true}) goal = goal && no_trap({base, len}, addr, writable, g);
      }
      break;
    }
    case Region::PacketMeta: {
      const Z3IntWord len = w.word("meta.len");
      hyp = hyp && f.meta_range.signed_value() <= len.e;
      goal = no_trap({base, len}, addr, true, f);
      break;
    }
  }
  return {w.words() && hyp, goal, false, true};
}

Query range_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  z3::context& ctx = sym.ctx();
  Words w(sym);
  JmpOp op = JmpOp::Jeq;
  bool p_left = false, taken = false, found = false;
  for (const auto& [o, name] : kRangeOps) {
    for (bool l : {true, false}) {
      for (bool t : {true, false}) {
        if (ob.lemma == range_lemma(name, l, t)) {
          op = o;
          p_left = l;
          taken = t;
          found = true;
        }
      }
    }
  }
  if (!found) throw std::invalid_argument("no comparison '" + ob.lemma + "'");
  const Offsets p = offsets(w);
  const Z3IntWord x = p.x;
  z3::expr hyp = p.hyp && access_rules::sane_offsets(p.smin, p.smax).e;
  // The pointer's address and what it is compared with: packet end (data + len), or for the
  // metadata data_meta + x against data + c, data = data_meta + len, c a constant offset.
  const bool meta = ob.op->region == Region::PacketMeta;
  const Z3IntWord start = w.word(meta ? "data_meta" : "data"), len = w.word(meta ? "meta.len" : "packet.len");
  const Z3IntWord c = meta ? w.word("c") : lit(x, 0);
  hyp = hyp && placed(start, len);
  if (meta) hyp = hyp && access_rules::sane_offsets(c, c).e;
  const Z3IntWord pointer = start + x, other = start + len + c;
  const Z3Bool goes = semantics::jump_taken(op, semantics::Width::W64, p_left ? pointer : other, p_left ? other : pointer);
  hyp = w.words() && hyp && (taken ? goes.e : !goes.e);
  const std::optional<int64_t> extra = dom.range_proven(op, p_left, taken);
  if (!extra) return {hyp, ctx.bool_val(true), false, true};
  // Recorded: smin - c + extra (c = 0 for the packet: range0 = smin + extra), and for a packet
  // pointer's variable part x - delta the range delta + extra, true when x + extra <= len.
  const z3::expr e = ctx.int_val(*extra);
  const z3::expr recorded = p.smin.signed_value() - c.signed_value() + e;
  const z3::expr goal = recorded <= len.e && x.signed_value() - c.signed_value() + e <= len.e;
  return {hyp, goal, false, true};
}

Query pointer_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  const Operator& op = *ob.op;
  const SymScalar a = sym.scalar(op.pointer_pair ? "dst" : "ptr"), b = sym.scalar(op.pointer_pair ? "src" : "scalar");
  const Z3Word x = sym.word("x"), y = sym.word("y"), base = sym.word("base");
  const bool subtract = op.alu_op == semantics::AluOp::Sub;
  const Z3Word result = op.pointer_pair ? (base + x) - (base + y) : (subtract ? (base + x) - y : (base + x) + y) - base;
  const SymScalar out = op.pointer_pair ? dom.pointer_distance(a, b) : dom.pointer_offset(a, b, subtract);
  sym.observe("result", result);
  sym.observe("out", out);
  return {well_formed_holding(a, x) && well_formed_holding(b, y), scalar_goal(out, result, ob.component)};
}

std::string hex(std::optional<uint64_t> v) { return v ? fmt::format("{:#x}", *v) : "?"; }

}  // namespace

std::vector<Obligation> check_obligations(const Operator& op) {
  std::vector<Obligation> out;
  if (op.kind == OperatorKind::Access) {
    for (AccessKind k : kAccessKinds) {
      if (!access_rules::region_takes(k, op.region)) continue;
      if (op.region != Region::MapValue) {
        out.push_back({&op, lemma_of(k), Component::NoTrap});
        continue;
      }
      for (uint64_t v : kValueSizes) out.push_back({&op, fmt::format("{}.value{}", lemma_of(k), v), Component::NoTrap});
    }
  } else if (op.kind == OperatorKind::Range) {
    for (const auto& [o, name] : kRangeOps) {
      for (bool l : {true, false}) {
        for (bool t : {true, false}) out.push_back({&op, range_lemma(name, l, t), Component::Holds});
      }
    }
  }
  return out;
}

std::vector<std::string> check_lemmas(const Operator& op) {
  if (op.kind == OperatorKind::Pointer) return {"offset"};
  std::vector<std::string> out;
  for (const Obligation& ob : check_obligations(op)) out.push_back(ob.lemma);
  return out;
}

Query check_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  const OperatorKind kind = ob.op->kind;
  if (kind == OperatorKind::Pointer) return pointer_query(sym, ob, dom);
  // Their bounds are 64-bit constants (kMaxSpan, kSaneOffset): no narrower reading exists.
  if (sym.width() != 64) throw std::invalid_argument(ob.op->name + " is stated at 64 bits only");
  if (kind == OperatorKind::Access) return access_query(sym, ob, dom);
  return range_query(sym, ob, dom);
}

std::string explain_check(const Obligation& ob, const Counterexample& cex) {
  auto v = [&](const char* name) { return hex(cex.value(name)); };
  if (ob.op->kind == OperatorKind::Access) {
    return fmt::format(
        "the checker accepts a {} of n = {} bytes at offset {} through a pointer whose offset x = {} lies in "
        "[{}, {}], but the machine traps (address {}, base {})",
        ob.lemma, v("n"), v("off"), v("x"), v("ptr.smin"), v("ptr.smax"), v("addr"), v("base"));
  }
  return fmt::format("the comparison going the {} way records a range beyond the length {} (x = {}, smin = {})",
                     ob.lemma, v(ob.op->region == Region::PacketMeta ? "meta.len" : "packet.len"), v("x"),
                     v("ptr.smin"));
}

void add_shipped_checks(DomainUnderProof& d) {
  d.access_accepted = [](Region r, AccessKind k, bool writable, const access_rules::AccessFacts<Z3IntWord>& f) {
    return access_rules::access_accepted(r, k, writable, f);
  };
  d.range_proven = [](JmpOp op, bool p_left, bool taken) { return access_rules::range_proven(op, p_left, taken); };
  d.pointer_offset = [](const SymScalar& p, const SymScalar& x, bool subtract) {
    return access_rules::pointer_offset_unreduced(p, x, subtract);
  };
  d.pointer_distance = [](const SymScalar& a, const SymScalar& b) {
    return access_rules::pointer_distance_unreduced(a, b);
  };
}

}  // namespace bpfcert::verifier::smt::detail
