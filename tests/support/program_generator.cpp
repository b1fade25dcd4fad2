#include "tests/support/program_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "interp/helpers.h"
#include "semantics/assembly.h"

namespace bpfcert::test_support {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Encoding;
using semantics::Insn;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;
using semantics::Width;

namespace {

// What a register holds, as far as the generator knows. Only scalars may be read as values:
// pointers differ between runs (each engine has its own stack), uninitialised registers
// would be rejected by a verifier.
enum class Held : uint8_t { Uninit, Scalar, Pointer };

constexpr int kMem = 9, kCtx = 8, kFp = 10;
constexpr int kArrayFd = 1, kHashFd = 2, kVarId = 1;
constexpr uint32_t kArrayValue = 16, kArrayEntries = 4, kHashValue = 8, kHashEntries = 8, kVarSize = 16;

class Generator {
 public:
  explicit Generator(const GeneratorOptions& o) : o_(o), rng_(o.seed) {}
  GeneratedProgram run();

 private:
  // ---- randomness
  uint64_t rnd(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rnd(static_cast<uint64_t>(hi - lo + 1))); }
  bool chance(int percent) { return static_cast<int>(rnd(100)) < percent; }
  int32_t interesting_imm() {
    static constexpr int32_t kValues[] = {0, 1, -1, 2, 3, 7, 8, 31, 32, 63, 64, 255, 256, -2, -128,
                                          0x7fff, 0x8000, 0xffff, INT32_MAX, INT32_MIN, INT32_MIN + 1};
    if (chance(55)) return kValues[rnd(std::size(kValues))];
    return static_cast<int32_t>(rng_());
  }
  uint64_t interesting_u64() {
    static constexpr uint64_t kValues[] = {0, 1, ~uint64_t{0}, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                           0xffffffff, 0x100000000ull, 0x80000000ull, 0xffffffff80000000ull};
    if (chance(40)) return kValues[rnd(std::size(kValues))];
    return rng_();
  }

  // ---- rows, from the table
  bool allowed(const Encoding& row) const { return !o_.allow || o_.allow(row); }
  const Encoding& row_where(const std::function<bool(const Encoding&)>& pred) const {
    for (const Encoding& e : semantics::encodings()) {
      if (pred(e)) return e;
    }
    std::abort();  // the table lacks a row the generator's scaffolding needs: a test bug
  }
  const Encoding& alu_row(AluOp op, Width w, Operand operand) const {
    return row_where([&](const Encoding& e) {
      return e.kind == Kind::Alu && e.alu_op() == op && e.width == w && e.operand == operand &&
             (op != AluOp::Movsx || e.size == 32);
    });
  }
  const Encoding& jmp_row(JmpOp op, Width w, Operand operand) const {
    return row_where([&](const Encoding& e) {
      return e.kind == Kind::Jump && e.jmp_op() == op && e.width == w && (op == JmpOp::Ja || e.operand == operand);
    });
  }
  const Encoding& call_row(CallKind k) const {
    return row_where([&](const Encoding& e) { return e.kind == Kind::Call && e.call_kind() == k; });
  }
  const Encoding& lddw_row(LddwKind k) const {
    return row_where([&](const Encoding& e) { return e.kind == Kind::LoadImm64 && e.lddw_kind() == k; });
  }
  const Encoding& mem_row(Kind kind, unsigned size, bool sx = false, Operand operand = Operand::Reg) const {
    return row_where([&](const Encoding& e) {
      return e.kind == kind && e.size == size && e.sign_extend == sx && (kind != Kind::Store || e.operand == operand);
    });
  }
  const Encoding& exit_row() const {
    return row_where([](const Encoding& e) { return e.kind == Kind::Exit; });
  }

  // ---- emission
  size_t pc() const { return out_.size(); }
  size_t emit(const Encoding& row, int dst, int src, int32_t off, int32_t imm) {
    Insn insn;
    insn.opcode = row.opcode;
    insn.dst = static_cast<uint8_t>(dst);
    insn.src = static_cast<uint8_t>(src);
    insn.off = static_cast<int16_t>(off);
    insn.imm = imm;
    semantics::apply_keys(row, insn);  // the discriminating fields' values come from the row itself
    if (row.src == semantics::FieldRule::Zero) insn.src = 0;
    if (row.dst == semantics::FieldRule::Zero) insn.dst = 0;
    if (row.off == semantics::FieldRule::Zero) insn.off = 0;
    if (row.imm == semantics::FieldRule::Zero) insn.imm = 0;
    out_.push_back(insn);
    used_.push_back(semantics::encoding_index(row));
    if (row.kind == Kind::LoadImm64) {
      Insn second;
      out_.push_back(second);
    }
    return out_.size() - (row.kind == Kind::LoadImm64 ? 2 : 1);
  }
  void emit_lddw(const Encoding& row, int dst, int32_t imm, int32_t next_imm) {
    const size_t at = emit(row, dst, 0, 0, imm);
    out_[at + 1].imm = next_imm;
  }
  int new_label() {
    labels_.push_back(-1);
    return static_cast<int>(labels_.size() - 1);
  }
  void bind(int label) { labels_[static_cast<size_t>(label)] = static_cast<int64_t>(pc()); }
  void fix(size_t at, int label) { fixups_.push_back({at, label}); }
  void resolve() {
    for (const auto& [at, label] : fixups_) {
      const auto& row = *semantics::find_encoding(out_[at].opcode, out_[at].src, out_[at].off, out_[at].imm);
      const int64_t delta = labels_[static_cast<size_t>(label)] - static_cast<int64_t>(at) - 1;
      const bool uses_imm = row.kind != Kind::Jump || (row.jmp_op() == JmpOp::Ja && row.width == Width::W32);
      if (uses_imm) {
        out_[at].imm = static_cast<int32_t>(delta);
      } else {
        out_[at].off = static_cast<int16_t>(delta);
      }
    }
  }

  // ---- registers
  void set_scalar(int r, uint64_t v) {
    if (v <= INT32_MAX || static_cast<int64_t>(v) >= INT32_MIN) {
      emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), r, 0, 0, static_cast<int32_t>(v));
    } else {
      emit_lddw(lddw_row(LddwKind::Imm), r, static_cast<int32_t>(v), static_cast<int32_t>(v >> 32));
    }
    held_[r] = Held::Scalar;
  }
  void init_scalar(int r) {
    if (chance(20)) {
      set_scalar(r, interesting_u64());
    } else {
      emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), r, 0, 0, interesting_imm());
      held_[r] = Held::Scalar;
    }
  }
  int scalar_src() {
    const int r = static_cast<int>(rnd(8));
    if (held_[r] != Held::Scalar) {
      if (locked_[r]) return scalar_src();
      init_scalar(r);
    }
    return r;
  }
  int scalar_reg(int r) {
    if (held_[r] != Held::Scalar) init_scalar(r);
    return r;
  }
  int free_reg(int lo = 0, int hi = 7) {
    for (int tries = 0; tries < 32; ++tries) {
      const int r = static_cast<int>(range(lo, hi));
      if (!locked_[r]) return r;
    }
    return 0;  // r0 is never a loop counter
  }
  int pointer_temp(int base, int64_t delta) {
    const int r = free_reg(1, 7);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), r, base, 0, 0);
    emit(alu_row(AluOp::Add, Width::W64, Operand::Imm), r, 0, 0, static_cast<int32_t>(delta));
    held_[r] = Held::Pointer;
    return r;
  }
  void after_call() {
    for (int r = 1; r <= 5; ++r) held_[r] = Held::Uninit;
    held_[0] = Held::Scalar;
  }
  void join(const std::array<Held, 11>& before) {
    for (int r = 0; r < 11; ++r) {
      if (held_[r] != before[r]) held_[r] = Held::Uninit;
    }
  }

  // ---- snippets
  void snippet(int depth);
  void block(int depth, size_t count) {
    for (size_t i = 0; i < count; ++i) snippet(depth);
  }
  void alu(const Encoding& row);
  void cond_jump(const Encoding& row, int depth);
  void ja(const Encoding& row, int depth);
  void loop(int depth);
  void early_exit();
  void load(const Encoding& row);
  void store(const Encoding& row);
  void atomic(const Encoding& row);
  void packet(const Encoding& row);
  void lddw(const Encoding& row);
  void call(const Encoding& row);
  void helper_call(bool via_callx);
  void map_helper(int which);
  void local_call(bool via_callx);
  void plant_trap();
  void function_prologue();
  void function_epilogue();

  const GeneratorOptions& o_;
  std::mt19937_64 rng_;
  std::vector<Insn> out_;
  std::vector<size_t> used_;
  std::vector<int64_t> labels_;
  std::vector<std::pair<size_t, int>> fixups_;
  std::array<Held, 11> held_{};
  std::array<bool, 11> locked_{};
  std::vector<const Encoding*> rows_;
  std::vector<int> functions_;  // labels of subprograms
  int current_function_ = -1;    // -1: main
  int recursive_ = -1;           // label of the self-calling function, when planted
  bool trap_planted_ = false;
  size_t trap_at_ = SIZE_MAX, snippet_count_ = 0;
  GeneratedProgram result_;
};

void Generator::alu(const Encoding& row) {
  const AluOp op = row.alu_op();
  const int dst = free_reg();
  if (op != AluOp::Mov && op != AluOp::Movsx) scalar_reg(dst);
  int src = 0;
  if (row.operand == Operand::Reg) src = scalar_src();
  int32_t imm = interesting_imm();
  if ((op == AluOp::Lsh || op == AluOp::Rsh || op == AluOp::Arsh) && chance(70)) imm = static_cast<int32_t>(rnd(70));
  emit(row, dst, src, 0, imm);
  held_[dst] = Held::Scalar;
}

void Generator::cond_jump(const Encoding& row, int depth) {
  const int dst = scalar_src();
  const int src = row.operand == Operand::Reg ? scalar_src() : 0;
  const int skip = new_label();
  fix(emit(row, dst, src, 0, interesting_imm()), skip);
  const auto before = held_;
  block(depth + 1, 1 + rnd(3));
  if (chance(10)) early_exit();
  bind(skip);
  join(before);
}

void Generator::ja(const Encoding& row, int depth) {
  // A forward jump over code that never runs (it still has to be valid).
  const int skip = new_label();
  fix(emit(row, 0, 0, 0, 0), skip);
  const auto before = held_;
  block(depth + 1, 1 + rnd(2));
  bind(skip);
  held_ = before;
}

void Generator::early_exit() {
  scalar_reg(0);
  emit(exit_row(), 0, 0, 0, 0);
}

void Generator::loop(int depth) {
  int counter = -1;
  for (int r : {6, 7}) {
    if (!locked_[r]) counter = r;
  }
  if (counter < 0 || depth > 2) return;
  const bool up = chance(40);
  const int64_t n = range(1, 6);
  set_scalar(counter, up ? 0 : static_cast<uint64_t>(n));
  locked_[counter] = true;
  const Width w = chance(50) ? Width::W64 : Width::W32;
  const auto entry = held_;
  const int top = new_label();
  const bool jeq_form = !up && chance(15);
  const int out = new_label();
  bind(top);
  if (jeq_form) fix(emit(jmp_row(JmpOp::Jeq, w, Operand::Imm), counter, 0, 0, 0), out);
  block(depth + 1, 1 + rnd(4));
  // Registers that were scalars at the top must be scalars again for the next iteration.
  for (int r = 0; r < 8; ++r) {
    if (entry[r] == Held::Scalar && held_[r] != Held::Scalar) init_scalar(r);
  }
  emit(alu_row(up ? AluOp::Add : AluOp::Sub, w, Operand::Imm), counter, 0, 0, 1);
  if (jeq_form) {
    fix(emit(jmp_row(JmpOp::Ja, chance(50) ? Width::W64 : Width::W32, Operand::None), 0, 0, 0, 0), top);
  } else {
    struct Back {
      JmpOp op;
      int32_t imm;
    };
    const int32_t n32 = static_cast<int32_t>(n);
    const std::vector<Back> down = {{JmpOp::Jne, 0}, {JmpOp::Jgt, 0}, {JmpOp::Jsgt, 0},
                                    {JmpOp::Jge, 1}, {JmpOp::Jsge, 1}, {JmpOp::Jset, -1}};
    const std::vector<Back> upward = {{JmpOp::Jlt, n32},      {JmpOp::Jle, n32 - 1}, {JmpOp::Jslt, n32},
                                      {JmpOp::Jsle, n32 - 1}, {JmpOp::Jne, n32}};
    const auto& choices = up ? upward : down;
    const Back b = choices[rnd(choices.size())];
    fix(emit(jmp_row(b.op, w, Operand::Imm), counter, 0, 0, b.imm), top);
  }
  bind(out);
  locked_[counter] = false;
  held_[counter] = Held::Scalar;
  join(entry);
}

void Generator::load(const Encoding& row) {
  const int size = row.size;
  const int dst = free_reg();
  const int64_t m = static_cast<int64_t>(o_.memory_size), c = static_cast<int64_t>(o_.context_size);
  switch (rnd(4)) {
    case 0: emit(row, dst, kMem, static_cast<int32_t>(range(0, m - size)), 0); break;
    case 1: emit(row, dst, kFp, static_cast<int32_t>(range(-512, -size)), 0); break;
    case 2: emit(row, dst, kCtx, static_cast<int32_t>(range(0, c - size)), 0); break;
    default: {
      const int64_t k = range(0, m);
      const int p = pointer_temp(kMem, k);
      emit(row, dst, p, static_cast<int32_t>(range(-k, m - k - size)), 0);
      break;
    }
  }
  held_[dst] = Held::Scalar;
}

void Generator::store(const Encoding& row) {
  const int size = row.size;
  const int64_t m = static_cast<int64_t>(o_.memory_size);
  const int src = row.operand == Operand::Reg ? scalar_src() : 0;
  const int32_t imm = interesting_imm();
  switch (rnd(3)) {
    case 0: emit(row, kMem, src, static_cast<int32_t>(range(0, m - size)), imm); break;
    case 1: emit(row, kFp, src, static_cast<int32_t>(range(-512, -size)), imm); break;
    default: {
      const int64_t k = range(0, m);
      int p = pointer_temp(kMem, k);
      if (p == src) {  // the temporary took the value register: give the value a fresh one
        return;
      }
      emit(row, p, src, static_cast<int32_t>(range(-k, m - k - size)), imm);
      break;
    }
  }
}

void Generator::atomic(const Encoding& row) {
  const int size = row.size;
  const int64_t m = static_cast<int64_t>(o_.memory_size);
  if (row.atomic_op() == AtomicOp::Cmpxchg) scalar_reg(0);
  int src = scalar_src();
  if (row.fetch && row.atomic_op() != AtomicOp::Cmpxchg && locked_[src]) src = free_reg();
  scalar_reg(src);
  // Aligned, as Linux requires (and so no split locks on the host).
  if (chance(50)) {
    emit(row, kMem, src, static_cast<int32_t>(range(0, m / size - 1) * size), 0);
  } else {
    emit(row, kFp, src, static_cast<int32_t>(-range(1, 512 / size) * size), 0);
  }
  if (row.fetch) held_[row.atomic_op() == AtomicOp::Cmpxchg ? 0 : src] = Held::Scalar;
}

void Generator::packet(const Encoding& row) {
  const int64_t m = static_cast<int64_t>(o_.memory_size);
  const int size = row.size;
  // Mostly inside the packet; sometimes past it, which ends the program with r0 = 0.
  const int64_t offset = chance(92) ? range(0, m - size) : range(m - size + 1, m + 8);
  if (row.operand == Operand::Imm) {
    emit(row, 0, 0, 0, static_cast<int32_t>(offset));
  } else {
    const int r = free_reg(1, 7);
    const int64_t base = range(0, offset);
    set_scalar(r, static_cast<uint64_t>(base));
    emit(row, 0, r, 0, static_cast<int32_t>(offset - base));
  }
  held_[0] = Held::Scalar;
}

void Generator::lddw(const Encoding& row) {
  const int dst = free_reg(1, 7);
  switch (row.lddw_kind()) {
    case LddwKind::Imm: {
      const uint64_t v = interesting_u64();
      emit_lddw(row, dst, static_cast<int32_t>(v), static_cast<int32_t>(v >> 32));
      held_[dst] = Held::Scalar;
      return;
    }
    case LddwKind::MapFd:
    case LddwKind::MapIdx:
      if (!o_.maps) return;
      emit_lddw(row, dst, row.lddw_kind() == LddwKind::MapFd ? kArrayFd : 0, 0);
      held_[dst] = Held::Pointer;
      return;
    case LddwKind::MapValue:
    case LddwKind::MapIdxValue: {
      if (!o_.maps) return;
      const int32_t at = static_cast<int32_t>(range(0, kArrayValue - 8));
      emit_lddw(row, dst, row.lddw_kind() == LddwKind::MapValue ? kArrayFd : 0, at);
      held_[dst] = Held::Pointer;
      const int v = free_reg(0, 7);
      if (v == dst) return;
      scalar_reg(v);
      emit(mem_row(Kind::Store, 8), dst, v, static_cast<int32_t>(range(-at, kArrayValue - 8 - at)), 0);
      return;
    }
    case LddwKind::VarAddr: {
      emit_lddw(row, dst, kVarId, 0);
      held_[dst] = Held::Pointer;
      const int v = free_reg(0, 7);
      if (v == dst) return;
      emit(mem_row(Kind::Load, 4), v, dst, static_cast<int32_t>(range(0, kVarSize - 4)), 0);
      held_[v] = Held::Scalar;
      return;
    }
    case LddwKind::CodeAddr:
      if (functions_.empty()) return;
      local_call(true);
      return;
  }
}

void Generator::map_helper(int which) {
  // r1 = map handle, r2 = key on the stack, r3 = value on the stack, r4 = flags.
  const bool hash = chance(50);
  const int fd = hash ? kHashFd : kArrayFd;
  if (chance(50)) {
    emit_lddw(lddw_row(LddwKind::MapFd), 1, fd, 0);
  } else {
    emit_lddw(lddw_row(LddwKind::MapIdx), 1, fd - 1, 0);
  }
  emit(mem_row(Kind::Store, 4, false, Operand::Imm), kFp, 0, -8, static_cast<int32_t>(range(0, 9)));
  emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 2, kFp, 0, 0);
  emit(alu_row(AluOp::Add, Width::W64, Operand::Imm), 2, 0, 0, -8);
  const int32_t id = which == 0 ? interp::helper_id::kMapLookupElem
                     : which == 1 ? interp::helper_id::kMapUpdateElem
                                  : interp::helper_id::kMapDeleteElem;
  if (which == 1) {
    const int v = scalar_reg(free_reg(3, 7));  // r1 and r2 already hold the arguments
    emit(mem_row(Kind::Store, 8), kFp, v, -24, 0);
    emit(mem_row(Kind::Store, 8), kFp, v, -32, 0);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 3, kFp, 0, 0);
    emit(alu_row(AluOp::Add, Width::W64, Operand::Imm), 3, 0, 0, -32);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), 4, 0, 0, static_cast<int32_t>(range(0, 2)));
  }
  emit(call_row(CallKind::Helper), 0, 0, 0, id);
  after_call();
  if (which != 0) return;
  // r0 = the value or NULL: use it only when it is not NULL.
  held_[0] = Held::Pointer;
  const auto before = held_;
  const int skip = new_label();
  fix(emit(jmp_row(JmpOp::Jeq, Width::W64, Operand::Imm), 0, 0, 0, 0), skip);
  const uint32_t vsize = hash ? kHashValue : kArrayValue;
  const int v = free_reg(1, 7);
  emit(mem_row(Kind::Load, 4), v, 0, static_cast<int32_t>(range(0, vsize - 4)), 0);
  held_[v] = Held::Scalar;
  const Encoding& add = row_where([](const Encoding& e) {
    return e.kind == Kind::Atomic && e.size == 8 && e.atomic_op() == AtomicOp::Add && !e.fetch;
  });
  emit(add, 0, v, 0, 0);  // lock add [r0], v
  bind(skip);
  join(before);
  held_[0] = Held::Uninit;
}

void Generator::helper_call(bool via_callx) {
  if (!o_.helpers) return;
  const int which = static_cast<int>(rnd(o_.maps ? 8 : 5));
  if (which >= 5 && !via_callx) {
    map_helper(which - 5);
    return;
  }
  static constexpr int32_t kSimple[] = {interp::helper_id::kTestSum5, interp::helper_id::kKtimeGetNs,
                                        interp::helper_id::kGetPrandomU32, interp::helper_id::kGetSmpProcessorId,
                                        interp::helper_id::kTracePrintk};
  const int32_t id = kSimple[which % 5];
  if (id == interp::helper_id::kTracePrintk) {
    // "%d %x\n" plus 0 padding, on the stack.
    const uint64_t text = 0x0a7825206425ull;
    emit_lddw(lddw_row(LddwKind::Imm), 1, static_cast<int32_t>(text), static_cast<int32_t>(text >> 32));
    emit(mem_row(Kind::Store, 8), kFp, 1, -48, 0);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 1, kFp, 0, 0);
    emit(alu_row(AluOp::Add, Width::W64, Operand::Imm), 1, 0, 0, -48);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), 2, 0, 0, 8);
    scalar_reg(3);
    scalar_reg(4);
  } else {
    for (int r = 1; r <= 5; ++r) scalar_reg(r);
  }
  if (via_callx) {
    const int r = locked_[6] ? 0 : 6;
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), r, 0, 0, id);
    emit(call_row(CallKind::Indirect), r, 0, 0, 0);
  } else {
    emit(call_row(CallKind::Helper), 0, 0, 0, id);
  }
  after_call();
}

void Generator::local_call(bool via_callx) {
  // Only forward: function i calls functions after i, so there is no recursion.
  std::vector<int> callable;
  for (size_t i = 0; i < functions_.size(); ++i) {
    if (static_cast<int>(i) > current_function_) callable.push_back(functions_[i]);
  }
  if (callable.empty()) return;
  const int target = callable[rnd(callable.size())];
  emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 1, kMem, 0, 0);
  emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 2, kCtx, 0, 0);
  if (via_callx) {
    const int r = locked_[6] ? (locked_[7] ? 0 : 7) : 6;
    fix(emit(lddw_row(LddwKind::CodeAddr), r, 0, 0, 0), target);
    emit(call_row(CallKind::Indirect), r, 0, 0, 0);
    held_[r] = Held::Uninit;
  } else {
    fix(emit(call_row(CallKind::Local), 0, 0, 0, 0), target);
  }
  after_call();
}

void Generator::call(const Encoding& row) {
  switch (row.call_kind()) {
    case CallKind::Helper: helper_call(false); return;
    case CallKind::Local:
      if (o_.subprograms > 0) local_call(false);
      return;
    case CallKind::Indirect:
      if (!functions_.empty() && chance(50)) {
        local_call(true);
      } else {
        helper_call(true);
      }
      return;
    case CallKind::Kfunc: {
      if (!o_.helpers) return;
      const int which = static_cast<int>(rnd(3));
      if (which == 2) {  // memset(r1 = memory + k, r2 = byte, r3 = length that fits)
        const int64_t k = range(0, static_cast<int64_t>(o_.memory_size) - 1);
        emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 1, kMem, 0, 0);
        emit(alu_row(AluOp::Add, Width::W64, Operand::Imm), 1, 0, 0, static_cast<int32_t>(k));
        scalar_reg(2);
        emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), 3, 0, 0,
             static_cast<int32_t>(range(0, static_cast<int64_t>(o_.memory_size) - k)));
      } else {
        for (int r = 1; r <= 5; ++r) scalar_reg(r);
      }
      emit(row, 0, 0, 0, which + 1);
      after_call();
      return;
    }
  }
}

void Generator::plant_trap() {
  const int64_t m = static_cast<int64_t>(o_.memory_size);
  switch (rnd(current_function_ < 0 ? 11 : 9)) {
    case 0:
      emit(mem_row(Kind::Load, 4), free_reg(), kMem, static_cast<int32_t>(chance(50) ? m - 2 : -4), 0);
      result_.intended_trap = interp::TrapKind::OutOfBounds;
      break;
    case 1:
      emit(mem_row(Kind::Store, 8, false, Operand::Imm), kFp, 0, -520, 1);
      result_.intended_trap = interp::TrapKind::OutOfBounds;
      break;
    case 2:
      emit(mem_row(Kind::Store, 2), kCtx, scalar_src(), static_cast<int32_t>(range(0, 8)), 0);
      result_.intended_trap = interp::TrapKind::WriteToReadOnly;
      break;
    case 3:
      if (!allowed(call_row(CallKind::Helper))) return;
      emit(call_row(CallKind::Helper), 0, 0, 0, 9999);
      result_.intended_trap = interp::TrapKind::UnknownHelper;
      break;
    case 4:
      if (!allowed(call_row(CallKind::Kfunc))) return;
      emit(call_row(CallKind::Kfunc), 0, 0, 0, 77);
      result_.intended_trap = interp::TrapKind::UnknownKfunc;
      break;
    case 5: {
      if (!allowed(call_row(CallKind::Indirect))) return;
      const uint64_t bad = chance(50) ? interp::kCodeAddressBase + 0x100000 : 0x123456789ull;
      set_scalar(0, bad);
      emit(call_row(CallKind::Indirect), 0, 0, 0, 0);
      result_.intended_trap = interp::TrapKind::BadCallTarget;
      break;
    }
    case 6:  // a helper rejects its arguments: r1 is no map
      if (!o_.helpers) return;
      emit(alu_row(AluOp::Mov, Width::W64, Operand::Imm), 1, 0, 0, 5);
      emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), 2, kFp, 0, 0);
      emit(call_row(CallKind::Helper), 0, 0, 0, interp::helper_id::kMapLookupElem);
      after_call();
      result_.intended_trap = interp::TrapKind::HelperFault;
      break;
    case 7:
      emit(mem_row(Kind::Atomic, 4), kMem, scalar_src(), static_cast<int32_t>(m), 0);
      result_.intended_trap = interp::TrapKind::OutOfBounds;
      break;
    case 8: {  // a map value access that crosses into the next element or past the last one
      if (!o_.maps) return;
      const int r = free_reg(1, 7);
      const bool past_end = chance(50);
      const bool by_fd = chance(50);
      emit_lddw(lddw_row(by_fd ? LddwKind::MapValue : LddwKind::MapIdxValue), r, by_fd ? kArrayFd : 0,
                static_cast<int32_t>(range(9, kArrayValue - 1)));
      if (chance(50) && !past_end) {
        emit(mem_row(Kind::Store, 8), r, scalar_src(), 0, 0);
      } else {
        emit(mem_row(Kind::Load, 8), free_reg(), r,
             past_end ? static_cast<int32_t>(kArrayValue * (kArrayEntries - 1)) : 0, 0);
      }
      held_[r] = Held::Uninit;
      result_.intended_trap = interp::TrapKind::OutOfBounds;
      break;
    }
    case 9:  // unbounded recursion: depth trap
      if (recursive_ < 0) recursive_ = new_label();
      fix(emit(call_row(CallKind::Local), 0, 0, 0, 0), recursive_);
      after_call();
      result_.intended_trap = interp::TrapKind::CallDepthExceeded;
      break;
    default:  // a loop longer than the budget
      result_.max_steps = static_cast<uint64_t>(range(1, 200));
      result_.intended_trap = interp::TrapKind::StepBudgetExhausted;
      break;
  }
  trap_planted_ = true;
}

void Generator::snippet(int depth) {
  ++snippet_count_;
  if (o_.traps && !trap_planted_ && snippet_count_ == trap_at_) {
    plant_trap();
    return;
  }
  if (o_.loops && depth < 2 && chance(8)) {
    loop(depth);
    return;
  }
  const Encoding& row = *rows_[rnd(rows_.size())];
  switch (row.kind) {
    case Kind::Alu: alu(row); break;
    case Kind::Jump:
      if (depth > 3) {
        alu(alu_row(AluOp::Add, Width::W64, Operand::Imm));
      } else if (row.jmp_op() == JmpOp::Ja) {
        ja(row, depth);
      } else {
        cond_jump(row, depth);
      }
      break;
    case Kind::Exit:
      if (depth > 0) early_exit();
      break;
    case Kind::Call: call(row); break;
    case Kind::LoadImm64: lddw(row); break;
    case Kind::Load: load(row); break;
    case Kind::Store: store(row); break;
    case Kind::Atomic: atomic(row); break;
    case Kind::PacketLoad:
      if (o_.packet) packet(row);
      break;
    case Kind::MayGoto:  // the JIT refuses it; loops of may_goto are the corpus' (may_goto/)
    case Kind::WideSlot: break;
  }
}

void Generator::function_prologue() {
  held_.fill(Held::Uninit);
  locked_.fill(false);
  held_[kFp] = held_[kMem] = held_[kCtx] = Held::Pointer;
  if (current_function_ < 0) {
    // main: r1 = memory, r3 = context (r2, r4 = sizes)
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), kMem, 1, 0, 0);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), kCtx, 3, 0, 0);
  } else {
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), kMem, 1, 0, 0);
    emit(alu_row(AluOp::Mov, Width::W64, Operand::Reg), kCtx, 2, 0, 0);
  }
  for (int r = 0; r < 8; ++r) init_scalar(r);
}

void Generator::function_epilogue() {
  // Fold every scalar and a stack slot into r0, so differences anywhere show in the result.
  scalar_reg(0);
  for (int r = 1; r < 8; ++r) {
    if (held_[r] == Held::Scalar) emit(alu_row(AluOp::Xor, Width::W64, Operand::Reg), 0, r, 0, 0);
  }
  const int t = free_reg(1, 5);
  emit(mem_row(Kind::Load, 8), t, kFp, -8 * static_cast<int32_t>(range(1, 8)), 0);
  emit(alu_row(AluOp::Add, Width::W64, Operand::Reg), 0, t, 0, 0);
  emit(exit_row(), 0, 0, 0, 0);
}

GeneratedProgram Generator::run() {
  result_.seed = o_.seed;
  for (const Encoding& e : semantics::encodings()) {
    if (e.kind != Kind::WideSlot && allowed(e)) rows_.push_back(&e);
  }
  if (rows_.empty()) rows_.push_back(&alu_row(AluOp::Add, Width::W64, Operand::Imm));
  for (int i = 0; i < o_.subprograms; ++i) functions_.push_back(new_label());
  if (o_.traps && chance(35)) trap_at_ = 1 + rnd(o_.snippets + 1);

  function_prologue();
  block(0, o_.snippets);
  function_epilogue();
  for (size_t i = 0; i < functions_.size(); ++i) {
    current_function_ = static_cast<int>(i);
    bind(functions_[i]);
    function_prologue();
    block(0, o_.snippets / 3 + 1);
    function_epilogue();
  }
  if (recursive_ >= 0) {
    bind(recursive_);
    fix(emit(call_row(CallKind::Local), 0, 0, 0, 0), recursive_);
    emit(exit_row(), 0, 0, 0, 0);
  }
  resolve();

  result_.insns = std::move(out_);
  result_.rows_used = std::move(used_);
  std::mt19937_64 data(o_.seed ^ 0x9e3779b97f4a7c15ull);
  result_.memory.resize(o_.memory_size);
  for (auto& b : result_.memory) b = static_cast<uint8_t>(data());
  result_.context.resize(o_.context_size);
  for (auto& b : result_.context) b = static_cast<uint8_t>(data());
  if (o_.maps) {
    result_.maps.push_back({kArrayFd, interp::MapDef{"array", interp::MapType::Array, 4, kArrayValue, kArrayEntries, 0}});
    result_.maps.push_back({kHashFd, interp::MapDef{"hash", interp::MapType::Hash, 4, kHashValue, kHashEntries, 0}});
  }
  result_.variables.push_back({kVarId, "var", kVarSize});
  return std::move(result_);
}

void add_environment(GeneratedProgram& p, size_t context_size, uint64_t seed) {
  std::mt19937_64 data(seed ^ 0x9e3779b97f4a7c15ull);
  p.context.resize(context_size);
  for (auto& b : p.context) b = static_cast<uint8_t>(data());
  p.maps.push_back({kArrayFd, interp::MapDef{"array", interp::MapType::Array, 4, kArrayValue, kArrayEntries, 0}});
  p.maps.push_back({kHashFd, interp::MapDef{"hash", interp::MapType::Hash, 4, kHashValue, kHashEntries, 0}});
  p.variables.push_back({kVarId, "var", kVarSize});
}

}  // namespace

semantics::Result<bool> GeneratedProgram::setup(interp::Environment& env) const {
  interp::add_standard_helpers(env);
  interp::add_test_helpers(env);
  for (const MapSpec& m : maps) {
    auto added = env.add_map(m.def, m.fd);
    if (!added.ok()) return added.error();
  }
  for (const VariableSpec& v : variables) env.add_variable(v.id, v.name, v.size);
  return true;
}

interp::Invocation GeneratedProgram::invocation(std::span<uint8_t> memory_copy,
                                                std::span<uint8_t> context_copy) const {
  interp::Invocation inv = interp::memory_invocation(memory_copy);
  interp::Region ctx;
  ctx.start = reinterpret_cast<uint64_t>(context_copy.data());
  ctx.size = context_copy.size();
  ctx.kind = interp::RegionKind::Context;
  ctx.writable = false;
  ctx.name = "ctx";
  inv.regions.push_back(ctx);
  inv.args[2] = ctx.start;
  inv.args[3] = ctx.size;
  return inv;
}

std::string GeneratedProgram::listing() const {
  semantics::DisassembleOptions opt;
  opt.show_pc = true;
  return fmt::format("seed {} max_steps {}\n{}", seed, max_steps, semantics::disassemble(insns, opt));
}

GeneratedProgram generate(const GeneratorOptions& options) { return Generator(options).run(); }

GeneratedProgram make_scenario(std::vector<semantics::Insn> insns, std::vector<uint8_t> memory, uint64_t max_steps) {
  GeneratedProgram p;
  p.insns = std::move(insns);
  p.memory = std::move(memory);
  p.max_steps = max_steps;
  add_environment(p, 32, 0);
  return p;
}

}  // namespace bpfcert::test_support
