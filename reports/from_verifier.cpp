#include "reports/from_verifier.h"

#include <fmt/format.h>

#include <cctype>
#include <variant>

#include "reports/source_excerpt.h"

namespace bpfcert::reports {

namespace {

ScalarBounds bounds(const verifier::Scalar& s) {
  ScalarBounds b;
  b.tnum_value = s.t.value;
  b.tnum_mask = s.t.mask;
  b.umin = s.umin;
  b.umax = s.umax;
  b.smin = static_cast<int64_t>(s.smin);
  b.smax = static_cast<int64_t>(s.smax);
  b.u32min = static_cast<uint32_t>(s.u32min);
  b.u32max = static_cast<uint32_t>(s.u32max);
  b.s32min = static_cast<int32_t>(s.s32min);
  b.s32max = static_cast<int32_t>(s.s32max);
  return b;
}

const char* region_id(verifier::PointerKind k) {
  using verifier::PointerKind;
  switch (k) {
    case PointerKind::Context: return "ctx";
    case PointerKind::Stack: return "stack";
    case PointerKind::Packet: return "packet";
    case PointerKind::PacketEnd: return "packet_end";
    case PointerKind::PacketMeta: return "packet_meta";
    case PointerKind::MapValue: return "map_value";
    case PointerKind::MapHandle: return "map";
    case PointerKind::Memory: return "mem";
    case PointerKind::Variable: return "variable";
    case PointerKind::Code: return "code";
    case PointerKind::Kernel: return "kernel";
  }
  return "pointer";
}

RegisterValue register_value(int reg, const verifier::ValueView& v) {
  using T = verifier::ValueView::Type;
  RegisterValue r;
  r.reg = reg;
  r.text = v.text;
  switch (v.type) {
    case T::Uninit: r.type = "uninit"; break;
    case T::Unknown: r.type = "unknown"; break;
    case T::Number:
      r.type = "scalar";
      r.value = bounds(v.value);
      break;
    case T::Pointer:
      r.type = "pointer";
      r.value = bounds(v.value);
      r.region = region_id(v.region);
      r.object = v.object;
      r.nullable = v.nullable;
      break;
  }
  return r;
}

// What the program returns to drop a packet, for a help line's example.
std::string_view drop_statement(std::string_view program_type) {
  if (program_type == "xdp") return "return XDP_DROP;";
  if (program_type == "sched_cls" || program_type == "sched_act") return "return TC_ACT_SHOT;";
  return "return 0;";
}

// A packet access outside the range comparisons with data_end proved: the comparison that
// would prove it. The packet pointer's offset from the packet start is known when it is one
// number (data + N); with a variable part, the comparison is of the pointer itself, after the
// variable part is added, which is what proves a range for that pointer.
std::string packet_bound_help(const verifier::Finding& f, std::string_view program_type) {
  if (f.check != verifier::CheckId::MemBounds || !f.assertion) return {};
  const auto* access = std::get_if<verifier::Access>(&*f.assertion);
  if (access == nullptr) return {};
  const verifier::ValueView* base = nullptr;
  for (const verifier::RegisterNote& n : f.registers) {
    if (n.reg == access->reg) base = &n.value;
  }
  if (base == nullptr || base->type != verifier::ValueView::Type::Pointer ||
      base->region != verifier::PointerKind::Packet) {
    return {};
  }
  const verifier::Scalar& offset = base->value;
  const __int128 lo = static_cast<__int128>(static_cast<int64_t>(offset.smin)) + access->offset;
  if (lo < 0) {
    return fmt::format("the offset from the packet start may be negative: bound r{}'s variable part from below "
                       "before adding it to the packet pointer",
                       access->reg);
  }
  const __int128 used = static_cast<__int128>(access->offset) + static_cast<__int128>(access->size);
  const std::string_view drop = drop_statement(program_type);
  if (offset.umin == offset.umax) {
    const __int128 end = static_cast<__int128>(offset.umax) + used;
    if (end > 0xffff) return {};  // no packet is that long: the offset is wrong, not unchecked
    return fmt::format("prove the packet holds {} bytes before this access: `if (data + {} > data_end) {}`",
                       static_cast<int64_t>(end), static_cast<int64_t>(end), drop);
  }
  if (offset.umax > 0xffff) {
    return fmt::format("bound the variable offset in r{} first (e.g. `if (off > 1500) {}`), then compare the "
                       "pointer with data_end: `if (ptr + {} > data_end) {}`",
                       access->reg, drop, static_cast<int64_t>(used), drop);
  }
  return fmt::format("compare the pointer with data_end after adding the variable offset: `if (ptr + {} > "
                     "data_end) {}` (ptr: the packet pointer in r{})",
                     static_cast<int64_t>(used), drop, access->reg);
}

}  // namespace

std::vector<InstructionSource> assembler_sources(const std::string& file, std::string_view text,
                                                 const std::vector<int>& lines) {
  std::vector<InstructionSource> out;
  out.reserve(lines.size());
  for (const int line : lines) {
    InstructionSource s;
    s.file = file;
    s.line = line;
    s.text = std::string(line_of(text, line));
    size_t col = 0;
    while (col < s.text.size() && std::isspace(static_cast<unsigned char>(s.text[col]))) ++col;
    s.column = line > 0 ? static_cast<int>(col) + 1 : 0;
    out.push_back(std::move(s));
  }
  return out;
}

VerificationReport make_verification_report(const verifier::VerificationResult& r, std::span<const semantics::Insn> insns,
                                             const ReportContext& c) {
  auto disasm = [&](int64_t pc) -> std::string {
    if (pc < 0 || static_cast<size_t>(pc) >= insns.size()) return {};
    const auto p = static_cast<size_t>(pc);
    const semantics::Insn* second = p + 1 < insns.size() ? &insns[p + 1] : nullptr;
    return semantics::disassemble_one(insns[p], second, c.syntax);
  };
  auto source = [&](int64_t pc) -> const InstructionSource* {
    return pc >= 0 && static_cast<size_t>(pc) < c.sources.size() ? &c.sources[static_cast<size_t>(pc)] : nullptr;
  };
  VerificationReport rep;
  rep.tool_version = c.tool_version;
  rep.input = c.input;
  rep.input_kind = c.input_kind;
  rep.program_name = c.program_name;
  rep.section = c.section;
  rep.platform = c.platform;
  rep.program_type = c.program_type;
  rep.memory_size = c.memory_size;
  rep.accepted = r.accepted;
  for (const verifier::Finding& f : r.findings) {
    VerificationFinding x;
    x.check = verifier::to_string(f.check);
    x.severity = verifier::to_string(f.severity);
    x.pc = f.pc;
    x.instruction = disasm(f.pc);
    x.message = f.message;
    if (const InstructionSource* s = source(f.pc); s != nullptr && s->line > 0) {
      x.line = s->line;
      x.column = s->column;
      x.source_file = s->file.empty() ? c.input : s->file;
      x.source_text = s->text;
      x.function = s->function;
    }
    for (const verifier::RegisterNote& n : f.registers) x.registers.push_back(register_value(n.reg, n.value));
    x.help = packet_bound_help(f, c.program_type);
    rep.findings.push_back(std::move(x));
  }
  if (c.with_invariants) {
    std::vector<VerificationInvariant> invs;
    for (const verifier::Invariant& inv : r.invariants) {
      VerificationInvariant x;
      x.pc = inv.pc;
      if (const InstructionSource* s = source(static_cast<int64_t>(inv.pc)); s != nullptr) {
        x.line = s->line;
        x.source_file = s->file;
        x.source_text = s->text;
      }
      x.instruction = disasm(static_cast<int64_t>(inv.pc));
      for (int reg = 0; reg <= 10; ++reg) {
        const verifier::ValueView& v = inv.registers[static_cast<size_t>(reg)];
        if (v.type != verifier::ValueView::Type::Uninit) x.registers.push_back(register_value(reg, v));
      }
      for (const verifier::StackByteRange& s : inv.stack) x.stack.push_back({s.frame, s.offset, s.size, s.text});
      invs.push_back(std::move(x));
    }
    rep.invariants = std::move(invs);
  }
  if (r.exit_r0) {
    rep.exit_r0 = bounds(*r.exit_r0);
    rep.exit_r0_text = verifier::describe(*r.exit_r0);
  }
  for (const verifier::LoopReport& l : r.loops) rep.loops.push_back({l.header_pc, l.bound});
  rep.statistics = {r.stats.seconds,     r.stats.transfers,    r.stats.iterations, r.stats.states,
                    r.stats.widenings,   r.stats.instructions, r.stats.blocks,     r.stats.loops,
                    r.stats.subprograms, r.stats.contexts};
  for (const verifier::CheckInfo& k : verifier::check_catalog()) {
    rep.checks.push_back({k.name, verifier::to_string(k.severity), k.description, k.help});
  }
  return rep;
}

FindingWitness witness_report(const verifier::smt::Witness& w) {
  using verifier::smt::hex_bytes;
  FindingWitness out;
  out.status = verifier::smt::to_string(w.status);
  out.depth = w.depth;
  out.reason = w.reason;
  if (w.input) {
    const verifier::smt::WitnessInput& in = *w.input;
    out.has_input = true;
    if (in.memory) out.memory = hex_bytes(*in.memory);
    if (in.context) out.context = hex_bytes(*in.context);
    if (in.packet) out.packet = hex_bytes(*in.packet);
    if (!in.headroom.empty()) out.headroom = hex_bytes(in.headroom);
    for (const verifier::smt::WitnessMap& m : in.maps) {
      FindingWitness::Map x;
      x.name = m.name;
      x.index = m.index;
      for (const verifier::smt::WitnessMapEntry& e : m.entries) x.entries.push_back({hex_bytes(e.key), hex_bytes(e.value)});
      out.maps.push_back(std::move(x));
    }
    for (const verifier::smt::WitnessVariable& v : in.variables) out.variables.push_back({v.id, v.name, hex_bytes(v.bytes)});
    for (const verifier::smt::WitnessHelperResult& h : in.helpers) {
      out.helpers.push_back({h.pc, h.id, h.name, h.r0, h.buffer_register, hex_bytes(h.buffer)});
    }
  }
  if (w.replay) {
    FindingWitness::Replay r;
    if (w.replay->trapped) r.trap = w.replay->trap;
    r.message = w.replay->message;
    r.pc = w.replay->pc;
    if (!w.replay->trapped && !w.replay->stopped_at_pc) r.r0 = w.replay->r0;
    r.steps = w.replay->steps;
    r.stopped_at_pc = w.replay->stopped_at_pc;
    out.replay = r;
  }
  out.seconds = w.stats.seconds;
  out.paths = w.stats.paths;
  out.solver_checks = w.stats.solver_checks;
  out.complete = w.stats.complete;
  out.replay_mismatch = w.replay_mismatch;
  return out;
}

void add_witnesses(VerificationReport& report, const std::vector<verifier::smt::Witness>& witnesses) {
  for (size_t i = 0; i < report.findings.size() && i < witnesses.size(); ++i) {
    if (report.findings[i].severity != "error") continue;
    report.findings[i].witness = witness_report(witnesses[i]);
  }
}

}  // namespace bpfcert::reports
