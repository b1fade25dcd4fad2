#include "cli/run_elf.h"

#include <fmt/format.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <iostream>
#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include "cli/input.h"
#include "objects/object_input.h"
#include "reports/source_excerpt.h"
#include "conformance/data_file.h"
#include "interp/engine.h"
#include "interp/interpreter.h"
#include "interp/jit/jit.h"
#include "interp/link.h"
#include "interp/linux_context.h"
#include "verifier/object/verify_object.h"
#include "verifier/platform/linux.h"

namespace bpfcert::cli {

using objects::add_object_maps;
using objects::add_world_helpers;
using objects::load_object_program;

using semantics::Error;
using semantics::ErrorCode;

namespace {

std::string verdict_name(const std::string& type, uint64_t r0) {
  const auto v = static_cast<int64_t>(r0);
  if (type == "xdp") {
    switch (v) {
      case XDP_ABORTED: return "XDP_ABORTED";
      case XDP_DROP: return "XDP_DROP";
      case XDP_PASS: return "XDP_PASS";
      case XDP_TX: return "XDP_TX";
      case XDP_REDIRECT: return "XDP_REDIRECT";
      default: return "";
    }
  }
  if (type == "sched_cls" || type == "sched_act") {
    switch (v) {
      case TC_ACT_UNSPEC: return "TC_ACT_UNSPEC";
      case TC_ACT_OK: return "TC_ACT_OK";
      case TC_ACT_SHOT: return "TC_ACT_SHOT";
      case TC_ACT_PIPE: return "TC_ACT_PIPE";
      case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
      default: return "";
    }
  }
  return "";
}

std::string hex(std::span<const uint8_t> b) {
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) s += fmt::format("{}{:02x}", i == 0 ? "" : " ", b[i]);
  return s;
}

semantics::Result<std::vector<std::vector<uint8_t>>> read_packets(const std::string& path) {
  auto content = read_file(path);
  if (!content.ok()) return content.error();
  const auto* data = reinterpret_cast<const uint8_t*>(content->data());
  std::span<const uint8_t> bytes(data, content->size());
  if (bytes.size() >= 4) {
    uint32_t magic = 0;
    std::memcpy(&magic, bytes.data(), 4);
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du || magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u ||
        magic == 0x0a0d0d0au) {
      return interp::read_pcap(bytes, path);
    }
  }
  // Hex text: one packet per non-empty line ("#" starts a comment).
  std::vector<std::vector<uint8_t>> packets;
  size_t start = 0;
  int line_no = 0;
  while (start <= content->size()) {
    size_t end = content->find('\n', start);
    if (end == std::string::npos) end = content->size();
    ++line_no;
    std::string line = content->substr(start, end - start);
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      auto bytes_line = conformance::parse_hex_bytes(line, fmt::format("{}:{}", path, line_no));
      if (!bytes_line.ok()) return bytes_line.error();
      packets.push_back(std::move(bytes_line.value()));
    }
    start = end + 1;
  }
  if (packets.empty()) return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "no packet in the file"};
  return packets;
}

// The objects a tracing program's pointer arguments point to: zero-filled buffers of their
// structures' sizes, read-only (the verifier lets no program write them). Their pointer
// members are then null, so loads through them are probe loads that give 0, as on a kernel
// object whose pointers are null. Bytes the user gave with --ctx take precedence.
struct TracingArguments {
  std::vector<uint8_t> context;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> buffers;
  std::vector<interp::Region> objects;
};

TracingArguments tracing_arguments(const verifier::ContextLayout& context, const loader::Target* target,
                                   const std::vector<uint8_t>& given) {
  TracingArguments out;
  out.context.assign(std::max<size_t>(context.size, given.size()), 0);
  const struct btf* btf = target != nullptr ? target->btf() : nullptr;
  if (btf == nullptr) return out;
  const verifier::BtfKernelTypes types(btf);
  for (const verifier::ContextField& f : context.fields) {
    if (f.holds != verifier::PointerKind::Kernel) continue;
    auto buffer = std::make_unique<std::vector<uint8_t>>(std::max<uint32_t>(types.size_of(f.holds_type), 1), 0);
    const uint64_t address = reinterpret_cast<uint64_t>(buffer->data());
    std::memcpy(out.context.data() + f.offset, &address, sizeof address);
    interp::Region r;
    r.start = address;
    r.size = buffer->size();
    r.kind = interp::RegionKind::Input;
    r.writable = false;
    r.name = fmt::format("{} ({})", f.name, types.name_of(f.holds_type));
    out.objects.push_back(std::move(r));
    out.buffers.push_back(std::move(buffer));
  }
  std::copy(given.begin(), given.end(), out.context.begin());
  return out;
}

}  // namespace

int run_elf(const RunElfRequest& req) {
  auto loaded = load_object_program(req.object, req.section, req.program);
  if (!loaded.ok()) return report_error(loaded.error());
  const loader::Object& obj = loaded->object;
  const loader::ProgramInfo& prog = *loaded->program;
  const verifier::ProgramType& type = *loaded->type;

  interp::LinuxContextKind kind = interp::LinuxContextKind::Raw;
  if (type.name == "xdp") kind = interp::LinuxContextKind::Xdp;
  if (type.context.name == "struct __sk_buff") kind = interp::LinuxContextKind::SkBuff;

  std::vector<std::vector<uint8_t>> packets{{}};
  if (!req.packet_file.empty()) {
    if (kind == interp::LinuxContextKind::Raw) {
      return report_error({ErrorCode::UsageError, {req.object, 0, 0, -1},
                           fmt::format("--packet: {} programs have no packet (use --ctx)", type.name)});
    }
    auto p = read_packets(req.packet_file);
    if (!p.ok()) return report_error(p.error());
    packets = std::move(p.value());
  } else if (kind != interp::LinuxContextKind::Raw) {
    return report_error({ErrorCode::UsageError, {req.object, 0, 0, -1},
                         fmt::format("{} programs need a packet: --packet FILE (hex bytes or pcap)", type.name)});
  }
  std::vector<uint8_t> raw_ctx;
  if (!req.context_hex.empty()) {
    auto b = conformance::parse_hex_bytes(req.context_hex, "--ctx");
    if (!b.ok()) return report_error(b.error());
    raw_ctx = std::move(b.value());
  }

  // A BTF-typed program (fentry, tp_btf, ...) reads its attach target's arguments, and loads
  // through its pointer arguments are probe loads: the verifier's analysis says which.
  std::optional<verifier::TracingContext> tracing;
  std::vector<size_t> probe_loads;
  if (type.name == "tracing" || type.name == "lsm") {
    auto verified = verifier::verify_object_program(obj, prog, {}, loaded->target);
    if (!verified.ok()) return report_error(verified.error());
    tracing = verified->tracing;
    probe_loads = verified->result.probe_loads;
  }
  if (!probe_loads.empty() && req.engine == "jit") {
    return report_error({ErrorCode::UsageError, {req.object, 0, 0, -1},
                         fmt::format("program '{}' reads kernel objects by probe loads (a fault gives 0), which the JIT "
                                     "does not implement: run it with --engine interp",
                                     prog.name)});
  }
  TracingArguments arguments = tracing ? tracing_arguments(tracing->context, loaded->target, raw_ctx) : TracingArguments{};

  interp::Environment env;
  interp::add_linux_helpers(env, kind);
  add_world_helpers(verifier::platform::linux_platform(), env);
  if (auto e = add_object_maps(obj, env); e) return report_error(*e);

  interp::EngineKind engine_kind = req.engine == "jit" ? interp::EngineKind::Jit : interp::EngineKind::Interpreter;
  // The program and its tail-call targets, each validated, linked and given an engine.
  struct Built {
    semantics::Program program;
    interp::LinkedProgram linked;
    std::unique_ptr<interp::Engine> engine;
  };
  std::vector<std::unique_ptr<Built>> built;
  auto build = [&](const loader::ProgramInfo& p) -> semantics::Result<interp::Engine*> {
    auto valid = semantics::validate(p.insns);
    if (!valid.ok()) {
      Error e = valid.error();
      e.where.file = req.object;
      return e;
    }
    auto b = std::make_unique<Built>();
    b->program = std::move(valid.value());
    auto linked = interp::link(b->program, env);
    if (!linked.ok()) {
      Error e = linked.error();
      e.where.file = req.object;
      return e;
    }
    b->linked = std::move(linked.value());
    b->linked.program = &b->program;
    if (engine_kind == interp::EngineKind::Jit) {
      interp::JitOptions jopt;  // checked mode: any program, same traps as the interpreter
      jopt.listing = req.dump_jit;
      auto jit = interp::Jit::compile(b->linked, env, jopt);
      if (!jit.ok()) return jit.error();
      if (req.dump_jit && req.text != nullptr) *req.text << fmt::format("; program {}\n{}", p.name, jit.value()->listing());
      b->engine = std::move(jit.value());
    } else {
      b->engine = std::make_unique<interp::Interpreter>(b->linked, env);
    }
    interp::Engine* raw = b->engine.get();
    built.push_back(std::move(b));
    return raw;
  };
  auto main_engine = build(prog);
  if (!main_engine.ok()) return report_error(main_engine.error());

  // --tail-call SLOT=PROGRAM fills the object's prog array (the first one, as user space would).
  std::vector<std::pair<uint32_t, interp::Engine*>> targets;
  std::optional<size_t> prog_array;
  for (size_t i = 0; i < obj.maps.size(); ++i) {
    if (obj.maps[i].type == BPF_MAP_TYPE_PROG_ARRAY && !prog_array) prog_array = i;
  }
  for (const std::string& spec : req.tail_calls) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || !prog_array) {
      return report_error({ErrorCode::UsageError, {req.object, 0, 0, -1},
                           !prog_array ? "--tail-call: the object has no prog array"
                                       : "--tail-call takes SLOT=PROGRAM, e.g. 0=xdp_tcp"});
    }
    const auto* target = obj.find_program(spec.substr(eq + 1));
    if (target == nullptr) {
      return report_error({ErrorCode::NoSuchProgram, {req.object, 0, 0, -1},
                           fmt::format("--tail-call: no program '{}' in the object", spec.substr(eq + 1))});
    }
    auto e = build(*target);
    if (!e.ok()) return report_error(e.error());
    targets.emplace_back(static_cast<uint32_t>(std::stoul(spec.substr(0, eq))), e.value());
  }

  std::ostream null_text(nullptr);
  std::ostream& text = req.text != nullptr ? *req.text : null_text;
  if (req.report != nullptr) {
    req.report->program_name = prog.name;
    req.report->section = prog.section;
    req.report->program_type = type.name;
  }
  int exit_code = kExitOk;
  for (size_t i = 0; i < packets.size(); ++i) {
    interp::LinuxRunOptions ro;
    ro.kind = kind;
    ro.packet = packets[i];
    ro.raw_context = raw_ctx;
    ro.raw_size = tracing ? std::max<uint32_t>(tracing->context.size, 8) : type.context.size;
    if (tracing) ro.raw_context = arguments.context;
    ro.network_header_first = type.name == "cgroup_skb";
    ro.raw_writable = std::any_of(type.context.fields.begin(), type.context.fields.end(),
                                  [](const verifier::ContextField& f) { return f.writable; });
    auto run = interp::LinuxRun::create(ro);
    if (!run.ok()) return report_error(run.error());
    for (const auto& [slot, engine] : targets) (*run)->set_tail_call_target(*prog_array, slot, engine);
    if (req.max_steps != 0) (*run)->run_options.max_steps = req.max_steps;
    env.trace_output.clear();
    interp::Invocation invocation = (*run)->invocation();
    for (const interp::Region& object : arguments.objects) invocation.regions.push_back(object);
    (*run)->run_options.probe_loads = probe_loads;
    const interp::RunResult r = main_engine.value()->run(invocation, (*run)->run_options);
    const std::string prefix = packets.size() > 1 ? fmt::format("packet {}: ", i + 1) : "";
    reports::RunOutcome outcome;
    if (packets.size() > 1 || kind != interp::LinuxContextKind::Raw) outcome.packet = i + 1;
    outcome.trapped = r.trapped;
    outcome.r0 = r.r0;
    outcome.steps = r.steps;
    std::istringstream trace(env.trace_output);
    for (std::string line; std::getline(trace, line);) {
      text << prefix << "trace: " << line << "\n";
      outcome.trace.push_back(line);
    }
    if (r.trapped) {
      outcome.trap.emplace();
      outcome.trap->kind = interp::to_string(r.trap.kind);
      outcome.trap->pc = r.trap.pc;
      outcome.trap->message = r.trap.message;
      std::cerr << "bpfcert: " << req.object << ": " << prog.name << ": " << prefix << r.trap.to_string() << "\n";
      if (const auto* line = prog.line_at(r.trap.pc); line != nullptr) {
        std::cerr << fmt::format("{}:{}:{}: note: pc {} is here\n", reports::display_path(line->file), line->line,
                                 line->column, r.trap.pc)
                  << reports::source_excerpt(static_cast<int>(line->line), line->text, static_cast<int>(line->column));
        outcome.trap->source_file = reports::display_path(line->file);
        outcome.trap->line = static_cast<int>(line->line);
        outcome.trap->column = static_cast<int>(line->column);
        outcome.trap->source_text = line->text;
      }
      exit_code = kExitVerdict;
    } else {
      outcome.verdict = verdict_name(type.name, r.r0);
      text << prefix << fmt::format("{:#018x}", r.r0) << (outcome.verdict.empty() ? "" : " " + outcome.verdict) << "\n";
      if (kind != interp::LinuxContextKind::Raw && (*run)->packet() != packets[i]) {
        text << prefix << "packet: " << hex((*run)->packet()) << "\n";
        outcome.packet_out = hex((*run)->packet());
      }
    }
    if (req.report != nullptr) req.report->runs.push_back(std::move(outcome));
  }
  if (req.dump_maps) {
    if (req.report != nullptr) req.report->maps.emplace();
    for (size_t i = 0; i < env.map_count(); ++i) {
      const interp::Map& m = env.map_at(i);
      for (const auto& [key, value] : m.entries()) {
        const bool zero = std::all_of(value, value + m.def().value_size, [](uint8_t b) { return b == 0; });
        const auto t = m.def().type;
        const bool array = t == interp::MapType::Array || t == interp::MapType::PercpuArray ||
                           t == interp::MapType::ProgArray || t == interp::MapType::PerfEventArray;
        if (zero && array) continue;
        const std::string value_hex = hex(std::span<const uint8_t>(value, m.def().value_size));
        text << fmt::format("map {}: key {} value {}\n", m.def().name, hex(key), value_hex);
        if (req.report != nullptr) req.report->maps->push_back({m.def().name, hex(key), value_hex});
      }
    }
  }
  return exit_code;
}

}  // namespace bpfcert::cli
