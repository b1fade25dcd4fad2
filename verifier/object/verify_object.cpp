#include "verifier/object/verify_object.h"

#include <fmt/format.h>

#include "verifier/platform/linux.h"

namespace bpfcert::verifier {

std::vector<MapDescriptor> map_descriptors(const loader::Object& object) {
  std::vector<MapDescriptor> out;
  for (size_t i = 0; i < object.maps.size(); ++i) {
    const loader::MapDefinition& m = object.maps[i];
    MapDescriptor d;
    d.name = m.name;
    d.type = m.type;
    d.key_size = m.key_size;
    d.value_size = m.value_size;
    d.max_entries = m.max_entries;
    d.fd = static_cast<int32_t>(i);
    d.read_only = m.read_only;
    // The loader writes these bytes and freezes the map (.rodata, known .kconfig values): the
    // verdict holds for them (a loader that rewrites them first must verify again).
    if (m.frozen) d.frozen_value = m.initial_value;
    out.push_back(d);
  }
  return out;
}

semantics::Result<ObjectProgramVerification> verify_object_program(const loader::Object& object,
                                                                   const loader::ProgramInfo& program,
                                                                   const AnalyzerOptions& options,
                                                                   const loader::Target* target) {
  auto fail = [&](semantics::Error e) {
    e.where.file = object.path;
    e.message = fmt::format("program '{}': {}", program.name, e.message);
    return e;
  };
  ObjectProgramVerification out;
  auto valid = semantics::validate(program.insns);
  if (!valid.ok()) return fail(valid.error());
  out.program = std::move(valid.value());
  out.type_name = std::string(program.type.name());
  if (program.type.known()) out.type = platform::program_type_for_linux_id(program.type.prog_type);
  if (out.type == nullptr) {
    // The object loads; nothing about this program can be proven on this platform yet.
    Finding f;
    f.check = CheckId::ProgramType;
    f.message = program.type.known()
                    ? fmt::format("program type '{}' ({}) is not modelled by the Linux platform yet: nothing is proven",
                                  out.type_name, program.type.rule)
                    : fmt::format("section '{}' selects no program type: give one with --program-type (iproute2 and "
                                  "Cilium name it on their command line)",
                                  program.section);
    out.result.findings.push_back(std::move(f));
    out.result.stats.instructions = out.program.insns.size();
    return out;
  }
  VerifierInput in;
  in.program = &out.program;
  in.platform = &platform::linux_platform();
  in.program_type = out.type->name;
  in.maps = map_descriptors(object);
  in.options = options;
  const struct btf* btf = target != nullptr ? target->btf() : nullptr;
  auto tracing = tracing_context(program, btf);
  if (!tracing.ok()) return fail(tracing.error());
  out.tracing = std::move(tracing.value());
  const BtfKernelTypes kernel_types(btf);
  if (out.tracing) {
    in.context = out.tracing->context;
    in.kernel_types = &kernel_types;
    in.return_range = out.tracing->return_range;
  }
  auto result = verify(in);
  if (!result.ok()) return fail(result.error());
  out.result = std::move(result.value());
  return out;
}

}  // namespace bpfcert::verifier
