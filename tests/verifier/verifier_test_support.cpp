#include "tests/verifier/verifier_test_support.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "conformance/verifier_input.h"
#include "conformance/test_environment.h"
#include "interp/link.h"
#include "semantics/operations.h"
#include "semantics/assembly.h"
#include "verifier/platforms.h"
#include "verifier/state.h"

namespace bpfcert::verifier::testing {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Platform make_packet_platform() {
  Platform p;
  p.name = "test-packet";
  ProgramType t;
  t.name = "xdp_test";
  t.entry = ProgramType::Entry::Context;
  t.has_packet = true;
  t.context.name = "struct xdp_md";
  t.context.size = 16;
  t.context.fields = {{"data", 0, 4, true, false, PointerKind::Packet, false},
                      {"data_end", 4, 4, true, false, PointerKind::PacketEnd, false},
                      {"data_meta", 8, 4, true, false, PointerKind::PacketMeta, false},
                      {"ingress_ifindex", 12, 4, true, false, std::nullopt, true}};
  t.return_range = std::pair<int64_t, int64_t>{0, 4};
  p.program_types.push_back(t);
  HelperPrototype h;
  h.id = 7;
  h.name = "bpf_get_prandom_u32";
  h.ret_range = std::pair<int64_t, int64_t>{0, 0xffffffffLL};
  p.helpers[7] = h;
  // bpf_loop-like: a callback argument.
  HelperPrototype loop;
  loop.id = 181;
  loop.name = "bpf_loop";
  loop.args = {ArgType::Scalar, ArgType::Function, ArgType::Anything, ArgType::Scalar, ArgType::None};
  p.helpers[181] = loop;
  // A helper taking a stack pointer without a size.
  HelperPrototype st;
  st.id = 500;
  st.name = "test_stack_helper";
  st.args = {ArgType::Stack, ArgType::None, ArgType::None, ArgType::None, ArgType::None};
  p.helpers[500] = st;
  p.allow_pointer_leaks = false;
  return p;
}

}  // namespace

const Platform& packet_test_platform() {
  static const Platform p = make_packet_platform();
  return p;
}

const Platform* find_test_platform(const std::string& name) {
  if (name == "test-packet") return &packet_test_platform();
  return find_platform(name);
}

std::optional<std::string> load_case(const std::string& path, Case& c) {
  c.path = path;
  const std::string raw = slurp(path);
  const bool assembly = path.ends_with(".asm");
  // Assembler text: the directives are read as a .data file's would be, the instructions in
  // either syntax.
  auto df = conformance::parse_data_file(assembly ? "-- asm\n" + raw : raw, path);
  if (!df.ok()) return df.error().to_string();
  c.file = std::move(df.value());
  semantics::AssembleOptions ao;
  ao.file = path;
  auto insns = assembly ? semantics::assemble_any(raw, ao) : c.file.instructions();
  if (!insns.ok()) return insns.error().to_string();
  semantics::ValidationOptions vo;
  vo.allow_extensions = true;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) return prog.error().to_string();
  c.program = std::move(prog.value());
  bool saw_verdict = false;
  for (const conformance::Directive& d : c.file.directives) {
    std::istringstream in(d.args);
    std::vector<std::string> tok;
    for (std::string t; in >> t;) tok.push_back(t);
    if (d.key == "verify") {
      if (tok.size() < 2) return fmt::format("line {}: '@bpfcert verify accept|reject <check> [pc=N]'", d.line);
      if (find_check(tok[1]) == nullptr) return fmt::format("line {}: unknown check id '{}'", d.line, tok[1]);
      if (tok[0] == "accept") {
        c.expect_accept = true;
        c.accept_check = tok[1];
      } else if (tok[0] == "reject") {
        Expected e{tok[1], -1};
        if (tok.size() < 3 || !tok[2].starts_with("pc=")) return fmt::format("line {}: reject needs pc=N", d.line);
        e.pc = std::stoll(tok[2].substr(3));
        c.rejects.push_back(e);
      } else {
        return fmt::format("line {}: verdict must be accept or reject", d.line);
      }
      saw_verdict = true;
    } else if (d.key == "mem-size") {
      if (tok.empty()) return "mem-size needs a number";
      c.mem_size = std::stoull(tok[0]);
    } else if (d.key == "platform") {
      if (tok.empty()) return "platform needs a name";
      c.platform = tok[0];
      for (size_t i = 1; i < tok.size(); ++i) {
        if (tok[i].starts_with("type=")) c.program_type = tok[i].substr(5);
      }
    }
  }
  if (!saw_verdict) return "no '@bpfcert verify' directive";
  if (c.expect_accept && !c.rejects.empty()) return "both accept and reject expected";
  if (c.file.has_mem && !c.mem_size) c.mem_size = c.file.mem.size();
  if (!c.mem_size) c.mem_size = 0;
  return std::nullopt;
}

std::optional<std::string> make_input(const Case& c, VerifierInput& in) {
  const Platform* p = find_test_platform(c.platform);
  if (p == nullptr) return "unknown platform " + c.platform;
  in.program = &c.program;
  in.platform = p;
  in.program_type = c.program_type.empty() ? p->program_types.front().name : c.program_type;
  in.memory_size = c.mem_size;
  // The maps, "@bpfcert frozen" and "@bpfcert var" directives, read exactly as `bpfcert verify`
  // reads them.
  auto declared = conformance::add_data_file_declarations(c.file, in);
  if (!declared.ok()) return declared.error().to_string();
  return std::nullopt;
}

std::optional<std::string> check_concrete(const Case& c, const VerificationResult& r, int runs, uint64_t seed) {
  if (c.platform != "conformance") return std::nullopt;  // nothing to run it on
  std::mt19937_64 rng(seed);
  for (int i = 0; i < runs; ++i) {
    interp::Environment env;
    auto built = conformance::build_test_environment(c.file, env);
    if (!built.ok()) return built.error().to_string();
    auto linked = interp::link(c.program, env);
    if (!linked.ok()) return "link: " + linked.error().to_string();
    std::vector<uint8_t> mem(*c.mem_size);
    if (i == 0 && c.file.has_mem) {
      mem = c.file.mem;
    } else {
      for (uint8_t& b : mem) b = static_cast<uint8_t>(rng() % 3 == 0 ? rng() % 4 : rng());
    }
    interp::Interpreter vm(*linked, env);
    const interp::RunResult run = vm.run(interp::memory_invocation(mem));
    if (run.trapped) return fmt::format("run {}: accepted program trapped: {}", i, run.trap.to_string());
    if (!r.exit_r0) return fmt::format("run {}: returned r0 = {:#x} but the verifier has no exit r0", i, run.r0);
    if (!domain::scalar_contains<uint64_t>(*r.exit_r0, run.r0)) {
      return fmt::format("run {}: r0 = {:#x} is outside the abstract r0 {}", i, run.r0, describe(*r.exit_r0));
    }
  }
  return std::nullopt;
}

std::optional<std::string> trace_against_invariants(const semantics::Program& p, const VerificationResult& r,
                                                    std::array<uint64_t, 11> reg, const std::vector<TraceRegion>& regions,
                                                    uint8_t (&stack)[512]) {
  std::vector<const Invariant*> at(p.size(), nullptr);
  for (const Invariant& inv : r.invariants) at[inv.pc] = &inv;
  const auto stack_base = reinterpret_cast<uint64_t>(stack);
  const uint64_t stack_top = stack_base + 512;
  auto accessible = [&](uint64_t addr, uint64_t n, bool write) {
    if (addr >= stack_base && n <= 512 && addr - stack_base <= 512 - n) return true;
    for (const TraceRegion& x : regions) {
      if (addr >= x.base && n <= x.size && addr - x.base <= x.size - n) return !write || x.writable;
    }
    return false;
  };
  size_t pc = 0;
  std::vector<size_t> path;  // the last pcs executed, for the failure message
  for (int steps = 0; steps < 1'000'000; ++steps) {
    path.push_back(pc);
    if (path.size() > 24) path.erase(path.begin());
    const Invariant* inv = at[pc];
    if (inv == nullptr) return fmt::format("pc {} executed but has no invariant (unreachable per the verifier)", pc);
    for (int i = 0; i <= 10; ++i) {
      const ValueView& v = inv->registers[static_cast<size_t>(i)];
      uint64_t concrete = reg[static_cast<size_t>(i)];
      if (v.type == ValueView::Type::Pointer) {
        if (v.nullable && concrete == 0) continue;  // NULL is in a nullable pointer's concretisation
        if (v.region == PointerKind::Stack && v.object == 0) {
          concrete -= stack_top;
        } else {
          const auto it = std::find_if(regions.begin(), regions.end(),
                                       [&](const TraceRegion& x) { return x.kind == v.region; });
          if (it == regions.end() || v.object != 0) continue;
          concrete -= it->base;
        }
      } else if (v.type != ValueView::Type::Number) {
        continue;
      }
      if (!domain::scalar_contains<uint64_t>(v.value, concrete)) {
        return fmt::format("pc {}: r{} = {:#x} is outside the invariant {} (path: {})", pc, i, concrete, v.text,
                           fmt::join(path, " "));
      }
    }
    const semantics::Insn& insn = p.insns[pc];
    const semantics::Encoding& row = p.row(pc);
    const uint64_t src = row.operand == semantics::Operand::Reg ? reg[insn.src] : semantics::imm_operand(insn.imm);
    switch (row.kind) {
      case semantics::Kind::Alu:
        reg[insn.dst] = semantics::alu<uint64_t>(row.alu_op(), row.width, reg[insn.dst], src, row.size);
        ++pc;
        break;
      case semantics::Kind::Jump:
        if (row.jmp_op() == semantics::JmpOp::Ja ||
            semantics::jump_taken<uint64_t>(row.jmp_op(), row.width, reg[insn.dst], src)) {
          pc = static_cast<size_t>(semantics::branch_target(insn, row, pc));
        } else {
          ++pc;
        }
        break;
      case semantics::Kind::LoadImm64:
        if (row.lddw_kind() != semantics::LddwKind::Imm) return std::nullopt;
        reg[insn.dst] = semantics::lddw_value(insn.imm, p.lddw_next_imm(pc));
        pc += 2;
        break;
      case semantics::Kind::Load: {
        const uint64_t addr = reg[insn.src] + static_cast<uint64_t>(int64_t{insn.off});
        if (!accessible(addr, row.size, false)) return std::nullopt;  // a map value, say: not modelled here
        uint64_t raw = 0;
        std::memcpy(&raw, reinterpret_cast<const void*>(addr), row.size);
        reg[insn.dst] = semantics::load_result<uint64_t>(raw, row.size, row.sign_extend);
        ++pc;
        break;
      }
      case semantics::Kind::Store: {
        const uint64_t addr = reg[insn.dst] + static_cast<uint64_t>(int64_t{insn.off});
        if (!accessible(addr, row.size, true)) return std::nullopt;
        const uint64_t v = semantics::store_value<uint64_t>(src, row.size);
        std::memcpy(reinterpret_cast<void*>(addr), &v, row.size);
        ++pc;
        break;
      }
      default: return std::nullopt;  // exit, calls, atomics, packet loads: the interpreter run covers them
    }
  }
  return std::nullopt;
}

}  // namespace bpfcert::verifier::testing
