#include "verifier/elf/verify_object.h"

#include <fmt/format.h>

#include "verifier/platform/linux.h"

namespace bpfcert::verifier::elf {

std::vector<MapDescriptor> map_descriptors(const Object& object) {
  std::vector<MapDescriptor> out;
  for (size_t i = 0; i < object.maps.size(); ++i) {
    const MapDefinition& m = object.maps[i];
    MapDescriptor d;
    d.name = m.name;
    d.type = m.type;
    d.key_size = m.key_size;
    d.value_size = m.value_size;
    d.max_entries = m.max_entries;
    d.fd = static_cast<int32_t>(i);
    d.read_only = m.read_only;
    // .rodata is frozen by the loader (libbpf, bpfcert's kernel loader) after its initial value
    // is written: the verdict holds for these bytes (a loader that rewrites them first must
    // verify again).
    if (m.read_only && m.origin == MapOrigin::GlobalData) d.frozen_value = m.initial_value;
    out.push_back(d);
  }
  return out;
}

semantics::Result<ObjectProgramVerification> verify_object_program(const Object& object, const ProgramInfo& program,
                                                                   const AnalyzerOptions& options,
                                                                   const std::string& type) {
  auto fail = [&](semantics::Error e) {
    e.where.file = object.path;
    e.message = fmt::format("program '{}': {}", program.name, e.message);
    return e;
  };
  ObjectProgramVerification out;
  out.type = type.empty() ? platform::program_type_for_section(program.section)
                          : platform::linux_platform().find_program_type(type);
  if (out.type == nullptr) {
    return fail({semantics::ErrorCode::NoSuchProgram, {},
                 type.empty() ? fmt::format("section '{}' selects no Linux program type", program.section)
                              : fmt::format("the Linux platform has no program type '{}'", type)});
  }
  auto valid = semantics::validate(program.insns);
  if (!valid.ok()) return fail(valid.error());
  out.program = std::move(valid.value());
  VerifierInput in;
  in.program = &out.program;
  in.platform = &platform::linux_platform();
  in.program_type = out.type->name;
  in.maps = map_descriptors(object);
  in.options = options;
  auto result = verify(in);
  if (!result.ok()) return fail(result.error());
  out.result = std::move(result.value());
  return out;
}

}  // namespace bpfcert::verifier::elf
