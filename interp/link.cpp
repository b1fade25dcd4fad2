#include "interp/link.h"

#include <fmt/format.h>

#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::interp {

using semantics::CallKind;
using semantics::Error;
using semantics::ErrorCode;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Location;

semantics::Result<LinkedProgram> link(const semantics::Program& program, Environment& env) {
  LinkedProgram linked;
  linked.program = &program;
  linked.lddw_values.assign(program.size(), 0);
  linked.callees.assign(program.size(), nullptr);
  auto fail = [&](ErrorCode code, size_t pc, std::string message) {
    return Error{code, Location{{}, 0, 0, static_cast<int64_t>(pc)}, std::move(message)};
  };
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const semantics::Encoding& row = program.row(pc);
    const semantics::Insn& insn = program.insns[pc];
    if (row.kind == Kind::Call) {
      if (row.call_kind() == CallKind::Helper) linked.callees[pc] = env.helper(insn.imm);
      if (row.call_kind() == CallKind::Kfunc) linked.callees[pc] = env.kfunc(insn.imm);
      continue;
    }
    if (row.kind != Kind::LoadImm64) continue;
    const int32_t next = program.lddw_next_imm(pc);
    uint64_t value = 0;
    switch (row.lddw_kind()) {
      case LddwKind::Imm: value = semantics::lddw_value(insn.imm, next); break;
      case LddwKind::MapFd:
      case LddwKind::MapValue:
      case LddwKind::MapIdx:
      case LddwKind::MapIdxValue: {
        const bool by_fd = row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapValue;
        std::optional<size_t> index;
        if (by_fd) {
          index = env.map_index_by_fd(insn.imm);
        } else if (insn.imm >= 0 && static_cast<size_t>(insn.imm) < env.map_count()) {
          index = static_cast<size_t>(insn.imm);
        }
        if (!index) {
          return fail(ErrorCode::UnknownMap, pc,
                      fmt::format("{}: no map with {} {}", row.id, by_fd ? "fd" : "index", insn.imm));
        }
        if (row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapIdx) {
          value = env.map_handle(*index);
          break;
        }
        // Direct value access (global data): element 0 of an array map, plus next_imm.
        Map& map = env.map_at(*index);
        const bool array = map.def().type == MapType::Array || map.def().type == MapType::PercpuArray;
        if (!array || next < 0 || static_cast<uint32_t>(next) >= map.def().value_size) {
          return fail(ErrorCode::BadMapValueOffset, pc,
                      fmt::format("{}: offset {} is not inside the value of array map '{}' ({} bytes)", row.id,
                                  next, map.def().name, map.def().value_size));
        }
        value = reinterpret_cast<uint64_t>(map.slab().data()) + static_cast<uint32_t>(next);
        break;
      }
      case LddwKind::VarAddr: {
        const auto addr = env.variable_address(insn.imm);
        if (!addr) return fail(ErrorCode::UnknownVariable, pc, fmt::format("no variable with id {}", insn.imm));
        value = *addr;
        break;
      }
      case LddwKind::CodeAddr:
        value = semantics::code_address(static_cast<size_t>(semantics::branch_target(insn, row, pc)));
        break;
    }
    linked.lddw_values[pc] = value;
  }
  return linked;
}

}  // namespace bpfcert::interp
