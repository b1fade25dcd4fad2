#include "cli/object_input.h"

#include <fmt/format.h>

#include "interp/maps.h"
#include "interp/world_helpers.h"
#include "verifier/platform/linux.h"

namespace bpfcert::cli {

using semantics::Error;
using semantics::ErrorCode;

namespace {

std::string candidates(const verifier::elf::Object& object) {
  std::string s;
  for (const auto& p : object.programs) s += fmt::format("{}{} (section {})", s.empty() ? "" : ", ", p.name, p.section);
  return s.empty() ? "none" : s;
}

}  // namespace

semantics::Result<std::vector<const verifier::elf::ProgramInfo*>> select_programs(const verifier::elf::Object& object,
                                                                                  const std::string& section,
                                                                                  const std::string& program,
                                                                                  bool type_given) {
  std::vector<const verifier::elf::ProgramInfo*> out;
  for (const auto& p : object.programs) {
    if (!section.empty() && p.section != section) continue;
    if (!program.empty() && p.name != program) continue;
    out.push_back(&p);
  }
  if (out.empty()) {
    return Error{ErrorCode::NoSuchProgram, {object.path, 0, 0, -1},
                 fmt::format("no program{}{} in the object; it has: {}",
                             section.empty() ? "" : fmt::format(" in section '{}'", section),
                             program.empty() ? "" : fmt::format(" named '{}'", program), candidates(object))};
  }
  for (const auto* p : out) {
    if (!type_given && verifier::platform::program_type_for_section(p->section) == nullptr) {
      return Error{ErrorCode::NoSuchProgram, {object.path, 0, 0, -1},
                   fmt::format("program '{}': section '{}' selects no Linux program type bpfcert models "
                               "(give one with --program-type)",
                               p->name, p->section)};
    }
  }
  return out;
}

semantics::Result<ObjectProgram> load_object_program(const std::string& path, const std::string& section,
                                                     const std::string& program) {
  auto obj = verifier::elf::load_object_file(path);
  if (!obj.ok()) return obj.error();
  ObjectProgram out;
  out.object = std::move(obj.value());
  auto selected = select_programs(out.object, section, program);
  if (!selected.ok()) return selected.error();
  if (selected->size() != 1) {
    return Error{ErrorCode::UsageError, {path, 0, 0, -1},
                 fmt::format("the object has {} programs; choose one with --section or --program: {}",
                             selected->size(), candidates(out.object))};
  }
  out.program = selected->front();
  out.type = verifier::platform::program_type_for_section(out.program->section);
  return out;
}

std::optional<Error> add_object_maps(const verifier::elf::Object& object, interp::Environment& env) {
  for (size_t i = 0; i < object.maps.size(); ++i) {
    const auto& m = object.maps[i];
    interp::MapDef def;
    def.name = m.name;
    def.type = static_cast<interp::MapType>(m.type);
    def.key_size = m.key_size;
    def.value_size = m.value_size;
    def.max_entries = m.max_entries;
    def.flags = m.flags;
    if (def.type == interp::MapType::PerfEventArray) {
      // libbpf's defaults: one slot per CPU (the reference VM has one), u32 keys and values.
      if (def.key_size == 0) def.key_size = 4;
      if (def.value_size == 0) def.value_size = 4;
      if (def.max_entries == 0) def.max_entries = 1;
    }
    if (def.value_size == 0 && (def.type == interp::MapType::ProgArray || def.type == interp::MapType::ArrayOfMaps ||
                                def.type == interp::MapType::HashOfMaps)) {
      // Maps of file descriptors declared with __array(values, ...): libbpf gives them u32 values.
      def.value_size = 4;
    }
    auto added = env.add_map(def, static_cast<int32_t>(i));
    if (!added.ok()) {
      Error e = added.error();
      e.where.file = object.path;
      return e;
    }
    if (m.origin == verifier::elf::MapOrigin::GlobalData) {
      const uint32_t zero = 0;
      env.map_at(*added).update(reinterpret_cast<const uint8_t*>(&zero), m.initial_value.data(), interp::kUpdateAny);
    }
  }
  return std::nullopt;
}

void add_world_helpers(const verifier::Platform& platform, interp::Environment& env) {
  for (const auto& [id, proto] : platform.helpers) {
    if (env.helper(id) != nullptr) continue;
    interp::WorldSignature sig{};
    for (size_t i = 0; i < sig.size(); ++i) {
      switch (proto.args[i]) {
        case verifier::ArgType::ReadableMemory: sig[i] = interp::WorldArg::Input; break;
        case verifier::ArgType::WritableMemory: sig[i] = interp::WorldArg::Output; break;
        case verifier::ArgType::ConstSize:
        case verifier::ArgType::ConstSizeOrZero: sig[i] = interp::WorldArg::Size; break;
        default: sig[i] = interp::WorldArg::Value; break;
      }
    }
    interp::add_world_helper(env, id, proto.name, sig);
  }
}

}  // namespace bpfcert::cli
