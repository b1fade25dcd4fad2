#include "conformance/verifier_input.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "conformance/test_environment.h"
#include "interp/environment.h"
#include "verifier/platforms.h"

namespace bpfcert::conformance {

verifier::VerifierInput conformance_platform_input(const semantics::Program& program, size_t memory_size) {
  verifier::VerifierInput input;
  input.program = &program;
  input.platform = verifier::find_platform("conformance");
  input.program_type = input.platform->program_types.front().name;
  input.memory_size = memory_size;
  return input;
}

verifier::MapDescriptor map_descriptor(const interp::MapDef& def, std::optional<int32_t> fd) {
  verifier::MapDescriptor m;
  m.name = def.name;
  m.type = static_cast<uint32_t>(def.type);
  m.key_size = def.key_size;
  m.value_size = def.value_size;
  m.max_entries = def.max_entries;
  m.fd = fd;
  return m;
}

semantics::Result<bool> add_data_file_declarations(const conformance::DataFile& data_file,
                                                   verifier::VerifierInput& input) {
  using semantics::Error;
  using semantics::ErrorCode;
  // The maps as the runner creates them, so the verifier sees the fds the program uses.
  interp::Environment env;
  auto built = conformance::build_test_environment(data_file, env);
  if (!built.ok()) return built.error();
  const size_t first = input.maps.size();
  for (size_t i = 0; i < env.map_count(); ++i) input.maps.push_back(map_descriptor(env.map_at(i).def(), env.map_fd(i)));
  for (const conformance::Directive* d : data_file.find("frozen")) {
    const semantics::Location where{data_file.path, d->line, 0, -1};
    char* end = nullptr;
    const long fd = d->args.starts_with("fd=") ? std::strtol(d->args.c_str() + 3, &end, 0) : -1;
    const auto index = end != nullptr && end != d->args.c_str() + 3 ? env.map_index_by_fd(static_cast<int32_t>(fd))
                                                                   : std::nullopt;
    if (!index) return Error{ErrorCode::BadFile, where, fmt::format("frozen: no map with '{}'", d->args)};
    interp::Map& map = env.map_at(*index);
    const uint8_t zero[4] = {0, 0, 0, 0};
    const uint8_t* value = map.def().key_size == 4 ? map.lookup(zero) : nullptr;
    if (value == nullptr) return Error{ErrorCode::BadFile, where, fmt::format("frozen: map fd {} has no value for key 0", fd)};
    verifier::MapDescriptor& m = input.maps[first + *index];
    m.read_only = true;
    m.frozen_value.assign(value, value + m.value_size);
  }
  for (const conformance::Directive* d : data_file.find("var")) {
    std::istringstream in(d->args);
    std::string tok;
    verifier::VariableDescriptor v;
    while (in >> tok) {
      if (tok.starts_with("id=")) v.id = static_cast<int32_t>(std::strtol(tok.c_str() + 3, nullptr, 0));
      if (tok.starts_with("size=")) v.size = static_cast<uint32_t>(std::strtoul(tok.c_str() + 5, nullptr, 0));
    }
    v.name = fmt::format("var{}", v.id);
    input.variables.push_back(v);
  }
  return true;
}

}  // namespace bpfcert::conformance
