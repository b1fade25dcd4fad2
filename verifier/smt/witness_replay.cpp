#include "verifier/smt/witness_replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/linux_context.h"
#include "interp/maps.h"
#include "interp/link.h"

namespace bpfcert::verifier::smt::detail {

using semantics::Error;
using semantics::ErrorCode;

namespace {

Error not_runnable(std::string why) { return Error{ErrorCode::UsageError, {}, std::move(why)}; }

bool array_like(interp::MapType t) {
  return t == interp::MapType::Array || t == interp::MapType::PercpuArray || t == interp::MapType::ProgArray ||
         t == interp::MapType::PerfEventArray;
}

interp::LinuxContextKind linux_kind(EntryKind e) {
  switch (e) {
    case EntryKind::Xdp: return interp::LinuxContextKind::Xdp;
    case EntryKind::SkBuff: return interp::LinuxContextKind::SkBuff;
    default: return interp::LinuxContextKind::Raw;
  }
}

// The environment a run of the setup's program gets: the platform's helpers, the input's maps
// (by fd, as the verifier matched them) and variables. Frozen maps hold their frozen value.
semantics::Result<std::unique_ptr<interp::Environment>> make_environment(const VerifierInput& in, EntryKind entry) {
  auto env = std::make_unique<interp::Environment>();
  if (has_memory(entry)) {
    interp::add_standard_helpers(*env);
    interp::add_test_helpers(*env);
  } else {
    interp::add_linux_helpers(*env, linux_kind(entry));
  }
  for (const MapDescriptor& m : in.maps) {
    interp::MapDef def;
    def.name = m.name;
    def.type = static_cast<interp::MapType>(m.type);
    def.key_size = m.key_size;
    def.value_size = m.value_size;
    def.max_entries = m.max_entries;
    auto added = env->add_map(def, m.fd);
    if (!added.ok()) return not_runnable("the reference VM cannot create the map: " + added.error().message);
    interp::Map& map = env->map_at(*added);
    if (m.read_only && m.max_entries == 1 && m.frozen_value.size() == m.value_size && !map.slab().empty()) {
      std::memcpy(map.slab().data(), m.frozen_value.data(), m.value_size);
    }
  }
  for (const VariableDescriptor& v : in.variables) env->add_variable(v.id, v.name, v.size);
  return env;
}

// ---- the replay helper table ----------------------------------------------------------------
// Helpers whose results are witness inputs (clocks, random numbers, buffers a helper fills) are
// replaced for the replay by wrappers that run the real helper (so its argument checks and
// faults are the VM's) and then return the witness's result and write its buffer bytes. A
// HelperFn is a plain function pointer, so each wrapper is an instance for one slot.

struct ReplayTable {
  std::vector<int32_t> ids;
  std::vector<interp::HelperFn> real;
  std::vector<WitnessHelperResult> records;
  size_t cursor = 0;
  std::string divergence;

  uint64_t call(size_t slot, interp::HelperContext& hc, const std::array<uint64_t, 5>& a) {
    const uint64_t r = real[slot](hc, a[0], a[1], a[2], a[3], a[4]);
    if (hc.faulted || hc.exit_requested) return r;
    if (cursor >= records.size() || records[cursor].id != ids[slot]) {
      if (divergence.empty()) {
        divergence = fmt::format("helper {} called where the witness expects {}", ids[slot],
                                 cursor < records.size() ? fmt::format("helper {}", records[cursor].id) : "no call");
      }
      return r;
    }
    const WitnessHelperResult& rec = records[cursor++];
    if (rec.buffer_register >= 1 && rec.buffer_register <= 5 && !rec.buffer.empty()) {
      const uint64_t addr = a[static_cast<size_t>(rec.buffer_register - 1)];
      if (!hc.memory.writable(addr, rec.buffer.size())) {
        if (divergence.empty()) divergence = fmt::format("helper {}: its buffer is not writable in the run", rec.id);
        return r;
      }
      std::memcpy(reinterpret_cast<void*>(addr), rec.buffer.data(), rec.buffer.size());
    }
    return rec.r0;
  }
};

thread_local ReplayTable* t_table = nullptr;

constexpr size_t kReplaySlots = 32;

template <size_t Slot>
uint64_t replay_helper(interp::HelperContext& hc, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  return t_table->call(Slot, hc, {a, b, c, d, e});
}

template <size_t... I>
constexpr std::array<interp::HelperFn, sizeof...(I)> make_wrappers(std::index_sequence<I...>) {
  return {&replay_helper<I>...};
}

constexpr std::array<interp::HelperFn, kReplaySlots> kWrappers = make_wrappers(std::make_index_sequence<kReplaySlots>{});

struct TableScope {
  explicit TableScope(ReplayTable* t) { t_table = t; }
  ~TableScope() { t_table = nullptr; }
  TableScope(const TableScope&) = delete;
  TableScope& operator=(const TableScope&) = delete;
};

// Guard bytes around the conformance memory that belong to no region, so that a run reading
// past its end traps even when the allocator put another region next to it.
constexpr size_t kGuard = 4096;

}  // namespace

semantics::Result<std::unique_ptr<WitnessSetup>> make_setup(const VerifierInput& in, const WitnessOptions& options) {
  if (in.program == nullptr || in.platform == nullptr) return not_runnable("no program or platform");
  auto setup = std::make_unique<WitnessSetup>();
  setup->input = &in;
  const std::string type_name =
      in.program_type.empty() && !in.platform->program_types.empty() ? in.platform->program_types.front().name
                                                                      : in.program_type;
  setup->type = in.platform->find_program_type(type_name);
  if (setup->type == nullptr) return not_runnable(fmt::format("the platform has no program type '{}'", type_name));
  const ProgramType& t = *setup->type;
  switch (t.entry) {
    case ProgramType::Entry::MemoryAndLength:
      setup->entry = EntryKind::Memory;
      setup->memory_size = in.memory_size.value_or(0);
      if (setup->memory_size > (uint64_t{1} << 20)) {
        return not_runnable(fmt::format("memory of {} bytes is larger than the witness search models (1 MiB)",
                                        setup->memory_size));
      }
      break;
    case ProgramType::Entry::Context:
      setup->entry = t.context.name == "struct xdp_md"      ? EntryKind::Xdp
                     : t.context.name == "struct __sk_buff" ? EntryKind::SkBuff
                                                            : EntryKind::Raw;
      break;
    case ProgramType::Entry::MemoryAndContext:
      setup->entry = EntryKind::MemoryContext;
      setup->memory_size = in.memory_size.value_or(0);
      setup->context_size = t.context.size;
      setup->context_writable = std::any_of(t.context.fields.begin(), t.context.fields.end(),
                                            [](const ContextField& f) { return f.writable; });
      if (setup->memory_size > (uint64_t{1} << 20) || setup->context_size > (uint32_t{1} << 20)) {
        return not_runnable("memory or context larger than the witness search models (1 MiB)");
      }
      break;
  }
  if (!has_memory(setup->entry)) {
    interp::LinuxRunOptions ro;
    ro.kind = linux_kind(setup->entry);
    ro.raw_size = t.context.size;
    ro.raw_writable = std::any_of(t.context.fields.begin(), t.context.fields.end(),
                                  [](const ContextField& f) { return f.writable; });
    auto probe = interp::LinuxRun::create(ro);
    if (!probe.ok()) return not_runnable("the reference VM cannot build the context: " + probe.error().message);
    const interp::Invocation inv = (*probe)->invocation();
    setup->context_size = static_cast<uint32_t>((*probe)->context_bytes().size());
    setup->context_writable = !inv.regions.empty() && inv.regions.front().writable;
    setup->has_packet = setup->entry != EntryKind::Raw;
    setup->headroom = setup->has_packet ? interp::kLinuxHeadroom : 0;
    setup->max_packet = std::min<uint32_t>(options.max_packet, interp::kLinuxMaxPacket);
    setup->network_header_first = t.name == "cgroup_skb";
    for (const ContextField& f : t.context.fields) {
      if (f.holds) setup->pointer_fields.push_back({f.offset, f.size, *f.holds});
      if (setup->entry == EntryKind::SkBuff && f.name == "len" && f.size == 4) setup->len_field = f.offset;
    }
  }
  auto made = make_environment(in, setup->entry);
  if (!made.ok()) return made.error();
  const interp::Environment& env = **made;
  auto linked = interp::link(*in.program, **made);
  if (!linked.ok()) return not_runnable("the program does not link on the reference VM: " + linked.error().message);
  setup->lddw_values = std::move(linked->lddw_values);
  for (size_t i = 0; i < env.map_count(); ++i) {
    const interp::MapDef& def = env.map_at(i).def();
    VmMap m;
    m.fd = env.map_fd(i);
    m.array_like = array_like(def.type);
    m.prog_array = def.type == interp::MapType::ProgArray;
    m.has_values = def.type != interp::MapType::RingBuf;
    m.key_size = def.key_size;
    m.value_size = def.value_size;
    m.max_entries = def.max_entries;
    setup->maps.push_back(m);
  }
  for (const auto& [id, h] : env.helpers()) setup->helpers[id] = h.name;
  for (const auto& [id, k] : env.kfuncs()) setup->kfuncs[id] = k.name;
  return setup;
}

std::pair<WitnessReplay, std::string> replay(const WitnessSetup& setup, const WitnessInput& input,
                                             const Expectation& expect) {
  WitnessReplay out;
  auto env_or = make_environment(*setup.input, setup.entry);
  if (!env_or.ok()) return {out, env_or.error().message};
  interp::Environment& env = **env_or;

  ReplayTable table;
  table.records = input.helpers;
  for (const WitnessHelperResult& h : input.helpers) {
    if (std::find(table.ids.begin(), table.ids.end(), h.id) != table.ids.end()) continue;
    const interp::Helper* real = env.helper(h.id);
    if (real == nullptr) return {out, fmt::format("helper {} is not in the VM's environment", h.id)};
    if (table.ids.size() == kReplaySlots) return {out, "too many distinct helpers to replay"};
    table.ids.push_back(h.id);
    table.real.push_back(real->fn);
    env.add_helper({h.id, real->name, kWrappers[table.ids.size() - 1]});
  }

  for (const WitnessMap& m : input.maps) {
    if (m.index >= env.map_count()) return {out, fmt::format("the witness names map {} the run does not have", m.index)};
    interp::Map& map = env.map_at(m.index);
    for (const WitnessMapEntry& e : m.entries) {
      if (e.value.size() != map.def().value_size) return {out, "a map value of the wrong size"};
      if (array_like(map.def().type)) {
        uint32_t index = 0;
        if (e.key.size() != 4) return {out, "an array map key of the wrong size"};
        std::memcpy(&index, e.key.data(), 4);
        if (index >= map.def().max_entries) return {out, "an array map index out of range"};
        std::memcpy(map.slab().data() + map.stride() * index, e.value.data(), e.value.size());
      } else if (e.key.size() != map.def().key_size || map.update(e.key.data(), e.value.data(), interp::kUpdateAny) != 0) {
        return {out, fmt::format("map '{}' does not take the witness's entry", map.def().name)};
      }
    }
  }
  for (const WitnessVariable& v : input.variables) {
    const auto addr = env.variable_address(v.id);
    const auto it = std::find_if(setup.input->variables.begin(), setup.input->variables.end(),
                                 [&](const VariableDescriptor& d) { return d.id == v.id; });
    if (!addr || it == setup.input->variables.end() || v.bytes.size() > it->size) return {out, "a variable the run does not have"};
    std::memcpy(reinterpret_cast<void*>(*addr), v.bytes.data(), v.bytes.size());
  }

  auto linked = interp::link(*setup.input->program, env);
  if (!linked.ok()) return {out, "link: " + linked.error().message};
  interp::Interpreter vm(*linked, env);
  interp::RunOptions ro;
  if (expect.kind == Expectation::Kind::Reach) ro.max_steps = expect.steps_before;

  interp::RunResult r;
  std::vector<uint8_t> memory, context;
  std::unique_ptr<interp::LinuxRun> run;
  {
    TableScope scope(&table);
    if (has_memory(setup.entry)) {
      const std::vector<uint8_t> bytes = input.memory.value_or(std::vector<uint8_t>(setup.memory_size, 0));
      if (bytes.size() != setup.memory_size) return {out, "witness memory of the wrong size"};
      memory.assign(bytes.size() + 2 * kGuard, 0);
      std::memcpy(memory.data() + kGuard, bytes.data(), bytes.size());
      interp::Invocation inv = interp::memory_invocation(std::span<uint8_t>(memory.data() + kGuard, bytes.size()));
      if (setup.entry == EntryKind::MemoryContext) {
        const std::vector<uint8_t> cb = input.context.value_or(std::vector<uint8_t>(setup.context_size, 0));
        if (cb.size() != setup.context_size) return {out, "witness context of the wrong size"};
        context.assign(cb.size() + 2 * kGuard, 0);
        std::memcpy(context.data() + kGuard, cb.data(), cb.size());
        interp::Region c;
        c.start = reinterpret_cast<uint64_t>(context.data() + kGuard);
        c.size = cb.size();
        c.kind = interp::RegionKind::Context;
        c.writable = setup.context_writable;
        c.name = "ctx";
        if (c.size > 0) inv.regions.push_back(c);
        inv.args[2] = c.start;
        inv.args[3] = c.size;
      }
      r = vm.run(inv, ro);
    } else {
      interp::LinuxRunOptions lo;
      lo.kind = linux_kind(setup.entry);
      lo.packet = input.packet.value_or(std::vector<uint8_t>{});
      lo.raw_size = setup.type->context.size;
      lo.raw_writable = setup.context_writable;
      lo.network_header_first = setup.network_header_first;
      if (setup.entry == EntryKind::Raw && input.context) {
        lo.raw_context = *input.context;
        lo.raw_context.resize(std::min<size_t>(lo.raw_context.size(), lo.raw_size));
      }
      auto created = interp::LinuxRun::create(lo);
      if (!created.ok()) return {out, "the VM cannot build the context: " + created.error().message};
      run = std::move(created.value());
      // The context's other bytes are inputs too; the VM's pointer fields stay as it set them.
      if (setup.entry != EntryKind::Raw && input.context) {
        auto* ctx = reinterpret_cast<uint8_t*>(run->context_address());
        const size_t n = std::min<size_t>(input.context->size(), setup.context_size);
        for (size_t i = 0; i < n; ++i) {
          const bool pointer = std::any_of(setup.pointer_fields.begin(), setup.pointer_fields.end(), [&](const auto& f) {
            return i >= f.offset && i < f.offset + f.size;
          });
          if (!pointer) ctx[i] = (*input.context)[i];
        }
      }
      if (!input.headroom.empty() && setup.has_packet) {
        const size_t n = std::min<size_t>(input.headroom.size(), setup.headroom);
        std::memcpy(reinterpret_cast<void*>(run->data - n), input.headroom.data() + input.headroom.size() - n, n);
      }
      run->run_options = ro;
      r = vm.run(run->invocation(), ro);
    }
  }

  out.trapped = r.trapped;
  out.steps = r.steps;
  out.r0 = r.r0;
  if (r.trapped) {
    out.trap = interp::to_string(r.trap.kind);
    out.message = r.trap.message;
    out.pc = r.trap.pc;
  } else {
    out.pc = expect.pc;
  }
  if (!table.divergence.empty()) return {out, table.divergence};
  switch (expect.kind) {
    case Expectation::Kind::Trap:
      if (!r.trapped) return {out, fmt::format("the run ended with r0 = {:#x} instead of trapping at pc {}", r.r0, expect.pc)};
      if (r.trap.kind != expect.trap || r.trap.pc != expect.pc) {
        return {out, fmt::format("the run trapped with {} at pc {} instead of {} at pc {}", out.trap, r.trap.pc,
                                 interp::to_string(expect.trap), expect.pc)};
      }
      if (r.steps != expect.steps_before + 1) {
        return {out, fmt::format("the run trapped after {} instructions, the witness's path has {}", r.steps,
                                 expect.steps_before + 1)};
      }
      break;
    case Expectation::Kind::Reach:
      if (!r.trapped || r.trap.kind != interp::TrapKind::StepBudgetExhausted || r.trap.pc != expect.pc) {
        return {out, r.trapped ? fmt::format("the run trapped with {} at pc {} before reaching pc {} after {} instructions",
                                             out.trap, r.trap.pc, expect.pc, expect.steps_before)
                               : fmt::format("the run ended (r0 = {:#x}) before reaching pc {}", r.r0, expect.pc)};
      }
      out.stopped_at_pc = true;
      out.trapped = false;
      out.trap.clear();
      out.message = fmt::format("stopped by its step budget at pc {} after {} instructions", expect.pc, r.steps);
      break;
    case Expectation::Kind::Exit:
      if (r.trapped) return {out, fmt::format("the run trapped with {} at pc {} instead of ending", out.trap, r.trap.pc)};
      if (r.r0 != expect.r0 || r.steps != expect.steps_before + 1) {
        return {out, fmt::format("the run ended with r0 = {:#x} after {} instructions; the witness predicts r0 = {:#x} "
                                 "after {}",
                                 r.r0, r.steps, expect.r0, expect.steps_before + 1)};
      }
      break;
  }
  return {out, std::string()};
}

}  // namespace bpfcert::verifier::smt::detail
