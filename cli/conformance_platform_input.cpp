#include "cli/conformance_platform_input.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "conformance/test_environment.h"
#include "interp/environment.h"

namespace bpfcert::cli {

semantics::Result<bool> add_data_file_declarations(const conformance::DataFile& data_file,
                                                   verifier::VerifierInput& input) {
  // The maps as the runner creates them, so the verifier sees the fds the program uses.
  interp::Environment env;
  auto built = conformance::build_test_environment(data_file, env);
  if (!built.ok()) return built.error();
  for (size_t i = 0; i < env.map_count(); ++i) {
    const interp::MapDef& def = env.map_at(i).def();
    verifier::MapDescriptor m;
    m.name = def.name;
    m.type = static_cast<uint32_t>(def.type);
    m.key_size = def.key_size;
    m.value_size = def.value_size;
    m.max_entries = def.max_entries;
    m.fd = env.map_fd(i);
    input.maps.push_back(m);
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

}  // namespace bpfcert::cli
