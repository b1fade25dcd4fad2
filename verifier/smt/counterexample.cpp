#include "verifier/smt/counterexample.h"

#include <fmt/format.h>

#include <memory>

#include "interp/environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "semantics/operations.h"
#include "semantics/program.h"

namespace bpfcert::verifier::smt {

namespace {

using Concrete = domain::Scalar<uint64_t>;

// The abstract value the model gives to a scalar named `prefix` ("dst", "out.src", ...).
std::optional<Concrete> scalar_from(const Counterexample& cex, const std::string& prefix) {
  Concrete s = domain::scalar_top<uint64_t>(0);
  uint64_t* fields[] = {&s.t.value, &s.t.mask, &s.umin,   &s.umax,   &s.smin,
                        &s.smax,    &s.u32min, &s.u32max, &s.s32min, &s.s32max};
  const char* names[] = {".tnum.value", ".tnum.mask", ".umin",   ".umax",   ".smin",
                         ".smax",       ".u32min",    ".u32max", ".s32min", ".s32max"};
  for (size_t i = 0; i < std::size(fields); ++i) {
    const std::optional<uint64_t> v = cex.value(prefix + names[i]);
    if (!v) return std::nullopt;
    *fields[i] = *v;
  }
  return s;
}

bool holds(const Concrete& s, uint64_t x, Component c) {
  switch (c) {
    case Component::Tnum: return domain::tnum_contains(s.t, x);
    case Component::U64: return s.umin <= x && x <= s.umax;
    case Component::S64:
      return static_cast<int64_t>(s.smin) <= static_cast<int64_t>(x) && static_cast<int64_t>(x) <= static_cast<int64_t>(s.smax);
    case Component::U32: {
      const uint64_t u = x & 0xffffffffu;
      return s.u32min <= u && u <= s.u32max;
    }
    case Component::S32: {
      const auto v = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x)));
      return static_cast<int64_t>(s.s32min) <= v && v <= static_cast<int64_t>(s.s32max);
    }
    default: return true;
  }
}

// Instructions that leave for `outside` unless register r holds a value of s: the program
// reaches the operator only with the counterexample's operand, so the interpreter computes
// exactly the concrete value the model names.
std::string keep_inside(const std::string& r, const Concrete& s) {
  std::string a;
  auto check = [&](const char* jump, uint64_t bound) {
    a += fmt::format("lddw %r8, {:#x}\n{} {}, %r8, outside\n", bound, jump, r);
  };
  a += fmt::format("mov %r9, {}\nlddw %r8, {:#x}\nand %r9, %r8\nlddw %r8, {:#x}\njne %r9, %r8, outside\n", r,
                   ~s.t.mask, s.t.value);
  check("jlt", s.umin);
  check("jgt", s.umax);
  check("jslt", s.smin);
  check("jsgt", s.smax);
  check("jlt32", s.u32min);
  check("jgt32", s.u32max);
  check("jslt32", s.s32min);
  check("jsgt32", s.s32max);
  return a;
}

void put_u64(std::vector<uint8_t>& mem, uint64_t v) {
  for (int i = 0; i < 8; ++i) mem.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

constexpr uint64_t kOutside = 0xbadc0ffee0ddf00dULL;
constexpr const char* kPrologue = "ldxdw %r6, [%r1+0]\nldxdw %r7, [%r1+8]\n";
constexpr const char* kOutsideBlock = "outside:\nlddw %r0, 0xbadc0ffee0ddf00d\nexit\n";

}  // namespace

std::string ReplayProgram::memory_hex() const {
  std::string out;
  for (uint8_t b : memory) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", b);
  return out;
}

std::optional<ReplayProgram> counterexample_program(const Obligation& ob, const Counterexample& cex) {
  const Operator& op = *ob.op;
  if (cex.width != 64) return std::nullopt;
  // The inductive lemmas of tnum_mul are about one piece of it, not about an instruction.
  if (is_tnum_mul_lemma(ob)) return std::nullopt;
  const bool value_component = ob.component == Component::Tnum || ob.component == Component::U64 ||
                               ob.component == Component::S64 || ob.component == Component::U32 ||
                               ob.component == Component::S32;
  const std::optional<uint64_t> x = cex.value("x");
  if (!x) return std::nullopt;
  ReplayProgram p;
  switch (op.kind) {
    case OperatorKind::Alu: {
      const std::optional<Concrete> a = scalar_from(cex, "dst"), b = scalar_from(cex, "src");
      const std::optional<uint64_t> y = cex.value("y");
      if (!value_component || !a || !b || !y) return std::nullopt;
      put_u64(p.memory, *x);
      put_u64(p.memory, *y);
      const std::string insn = op.unary ? fmt::format("{} %r6", op.name) : fmt::format("{} %r6, %r7", op.name);
      p.assembly = std::string(kPrologue) + keep_inside("%r6", *a) + keep_inside("%r7", *b) + insn +
                   "\nmov %r0, %r6\nexit\n" + kOutsideBlock;
      p.expected_r0 = semantics::alu(op.alu_op, op.width, *x, *y, op.ext_bits);
      return p;
    }
    case OperatorKind::Branch: {
      const std::optional<Concrete> a = scalar_from(cex, "dst"), b = scalar_from(cex, "src");
      const std::optional<uint64_t> y = cex.value("y");
      if (!(value_component || ob.component == Component::Feasible) || !a || !b || !y) return std::nullopt;
      put_u64(p.memory, *x);
      put_u64(p.memory, *y);
      p.assembly = std::string(kPrologue) + keep_inside("%r6", *a) + keep_inside("%r7", *b) +
                   fmt::format("{} %r6, %r7, went_taken\nmov %r0, 0\nexit\nwent_taken:\nmov %r0, 1\nexit\n", op.name) +
                   kOutsideBlock;
      p.expected_r0 = semantics::jump_taken(op.jmp_op, op.width, *x, *y) ? 1 : 0;
      return p;
    }
    case OperatorKind::Load: {
      if (!value_component) return std::nullopt;
      put_u64(p.memory, *x);
      if (ob.lemma == "unknown_value") {
        p.assembly = fmt::format("{} %r6, [%r1+0]\nmov %r0, %r6\nexit\n", op.name);
      } else {
        const std::optional<Concrete> a = scalar_from(cex, "value");
        if (!a) return std::nullopt;
        p.assembly = std::string("ldxdw %r6, [%r1+0]\n") + keep_inside("%r6", *a) +
                     fmt::format("stxdw [%r10-8], %r6\n{} %r6, [%r10-8]\nmov %r0, %r6\nexit\n", op.name) +
                     kOutsideBlock;
      }
      p.expected_r0 = semantics::load_result(*x, op.size, op.sign_extend);
      return p;
    }
    default: return std::nullopt;
  }
}

ReplayResult replay(const ReplayProgram& program, const Obligation& ob, const Counterexample& cex) {
  ReplayResult r;
  auto insns = semantics::assemble(program.assembly, semantics::Syntax::Conformance);
  if (!insns.ok()) {
    r.note = "the program does not assemble: " + insns.error().to_string();
    return r;
  }
  semantics::ValidationOptions vo;
  vo.allow_extensions = true;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) {
    r.note = "the program does not validate: " + prog.error().to_string();
    return r;
  }
  interp::Environment env;
  interp::add_standard_helpers(env);
  auto linked = interp::link(*prog, env);
  if (!linked.ok()) {
    r.note = "the program does not link: " + linked.error().to_string();
    return r;
  }
  std::vector<uint8_t> mem = program.memory;
  const interp::Interpreter vm(*linked, env);
  const interp::RunResult run = vm.run(interp::memory_invocation(mem));
  if (run.trapped) {
    r.note = "the interpreter trapped: " + run.trap.message;
    return r;
  }
  r.r0 = run.r0;
  if (run.r0 == kOutside) {
    r.note = "the operands left the abstract inputs in the set-up (the model is inconsistent)";
    return r;
  }
  if (run.r0 != program.expected_r0) {
    r.note = fmt::format("the interpreter returned {:#x}, the semantics {:#x}", run.r0, program.expected_r0);
    return r;
  }
  // Does the value the interpreter computed escape the abstract output?
  const uint64_t x = *cex.value("x");
  if (ob.op->kind == OperatorKind::Branch) {
    const std::optional<Concrete> out_dst = scalar_from(cex, "out.dst"), out_src = scalar_from(cex, "out.src");
    const uint64_t y = *cex.value("y");
    const bool went = run.r0 == (ob.lemma == "taken" ? 1u : 0u);
    if (ob.component == Component::Feasible) {
      r.reproduced = went;
      r.note = fmt::format("the interpreter goes the {} way with r6 = {:#x}, r7 = {:#x}; the refinement says it cannot",
                           ob.lemma, x, y);
    } else {
      r.reproduced = went && out_dst && out_src && (!holds(*out_dst, x, ob.component) || !holds(*out_src, y, ob.component));
      r.note = fmt::format("the interpreter goes the {} way with r6 = {:#x}, r7 = {:#x}; the refined {} of r6/r7 excludes it",
                           ob.lemma, x, y, to_string(ob.component));
    }
    return r;
  }
  const std::optional<Concrete> out = scalar_from(cex, "out");
  r.reproduced = out && !holds(*out, run.r0, ob.component);
  r.note = fmt::format("the interpreter computes r0 = {:#x}, which the abstract result's {} {}", run.r0,
                       to_string(ob.component), r.reproduced ? "excludes" : "holds (not reproduced)");
  return r;
}

std::string regression_data_file(const Obligation& ob, const Counterexample& cex, const ReplayProgram& program,
                                 const ReplayResult& replay) {
  std::string out = fmt::format("# Counterexample found by `bpfcert prove`: {} at {} bits\n", ob.name(), cex.width);
  out += "# " + cex.explanation + "\n";
  for (const auto& [name, value] : cex.values) out += fmt::format("#   {} = {:#x}\n", name, value);
  out += "-- asm\n" + program.assembly + "-- mem\n" + program.memory_hex() + "\n";
  out += fmt::format("-- result\n{:#x}\n", replay.r0.value_or(program.expected_r0));
  return out;
}

}  // namespace bpfcert::verifier::smt
