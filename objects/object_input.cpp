#include "objects/object_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "interp/maps.h"
#include "interp/world_helpers.h"
#include "loader/embedded.h"
#include "verifier/platform/linux.h"

namespace bpfcert::objects {

using semantics::Error;
using semantics::ErrorCode;

namespace {

std::string candidates(const loader::Object& object) {
  std::string s;
  for (const auto& p : object.programs) s += fmt::format("{}{} (section {})", s.empty() ? "" : ", ", p.name, p.section);
  for (const auto& p : object.failed_programs) {
    s += fmt::format("{}{} (section {}, not loaded)", s.empty() ? "" : ", ", p.name, p.section);
  }
  return s.empty() ? "none" : s;
}

bool starts_with_elf_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

// The objects of one file. `explicit_file`: named on the command line, so a file holding no BPF
// object is an error (in a folder it is skipped).
std::optional<Error> add_file(const std::string& path, bool explicit_file, std::vector<ObjectSource>& out) {
  if (!explicit_file && !starts_with_elf_magic(path)) return std::nullopt;
  auto bytes = loader::read_file_bytes(path);
  if (!bytes.ok()) return bytes.error();
  switch (loader::elf_file_kind(*bytes)) {
    case loader::ElfFileKind::BpfObject:
      out.push_back(ObjectSource{path, path, std::nullopt, std::move(bytes.value())});
      return std::nullopt;
    case loader::ElfFileKind::NotElf:
      if (!explicit_file) return std::nullopt;
      return Error{ErrorCode::BadElf, {path, 0, 0, -1}, "not an ELF file (no \\x7fELF magic)"};
    case loader::ElfFileKind::Other: break;
  }
  auto embedded = loader::find_embedded_objects(*bytes, path);
  if (!embedded.ok()) return explicit_file ? std::optional<Error>(embedded.error()) : std::nullopt;
  if (embedded->empty()) {
    if (!explicit_file) return std::nullopt;
    return Error{ErrorCode::BadElf, {path, 0, 0, -1},
                 "an ELF file that is no BPF object and embeds none (no ELF image of machine BPF in its data sections)"};
  }
  for (const loader::EmbeddedObject& e : *embedded) {
    out.push_back(ObjectSource{e.display_name(path), path, e.offset, {e.bytes.begin(), e.bytes.end()}});
  }
  return std::nullopt;
}

}  // namespace

bool names_objects(const std::vector<std::string>& inputs) {
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(in, ec) || starts_with_elf_magic(in)) return true;
  }
  return false;
}

semantics::Result<std::vector<ObjectSource>> expand_object_inputs(const std::vector<std::string>& inputs) {
  std::vector<ObjectSource> out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(in, ec)) {
      if (auto e = add_file(in, true, out)) return *e;
      continue;
    }
    std::vector<std::string> files;
    for (auto it = std::filesystem::recursive_directory_iterator(in, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code fec;
      if (it->is_regular_file(fec)) files.push_back(it->path().string());
    }
    if (ec) return Error{ErrorCode::BadFile, {in, 0, 0, -1}, fmt::format("cannot list the folder: {}", ec.message())};
    std::sort(files.begin(), files.end());
    const size_t before = out.size();
    for (const std::string& f : files) {
      if (auto e = add_file(f, false, out)) return *e;
    }
    if (out.size() == before) {
      return Error{ErrorCode::BadFile, {in, 0, 0, -1},
                   "is a folder without any BPF object (object files, or executables embedding them)"};
    }
  }
  return out;
}

semantics::Result<std::unique_ptr<loader::Target>> make_target(const std::string& btf,
                                                               const std::vector<std::string>& kconfig) {
  loader::TargetOptions options;
  if (btf == "none") {
    options.no_btf = true;
  } else {
    options.btf_path = btf;
  }
  for (const std::string& kv : kconfig) {
    const size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    const bool known_key = key.starts_with("CONFIG_") || key.starts_with("LINUX_");
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size() || !known_key) {
      return Error{ErrorCode::UsageError, {},
                   fmt::format("--kconfig takes KEY=VALUE with a CONFIG_* or LINUX_* key (CONFIG_HZ=250, "
                               "LINUX_KERNEL_VERSION=6.1.0), not '{}'",
                               kv)};
    }
    options.kconfig[key] = kv.substr(eq + 1);
  }
  return std::make_unique<loader::Target>(std::move(options));
}

semantics::Result<std::vector<const loader::ProgramInfo*>> select_programs(const loader::Object& object,
                                                                          const std::string& section,
                                                                          const std::string& program) {
  std::vector<const loader::ProgramInfo*> out;
  for (const auto& p : object.programs) {
    if (!section.empty() && p.section != section) continue;
    if (!program.empty() && p.name != program) continue;
    out.push_back(&p);
  }
  const auto failures = selected_failures(object, section, program);
  if (out.empty() && !failures.empty()) return failures.front()->error;
  if (out.empty()) {
    return Error{ErrorCode::NoSuchProgram, {object.path, 0, 0, -1},
                 fmt::format("no program{}{} in the object; it has: {}",
                             section.empty() ? "" : fmt::format(" in section '{}'", section),
                             program.empty() ? "" : fmt::format(" named '{}'", program), candidates(object))};
  }
  return out;
}

std::vector<const loader::ProgramError*> selected_failures(const loader::Object& object, const std::string& section,
                                                            const std::string& program) {
  std::vector<const loader::ProgramError*> out;
  for (const auto& p : object.failed_programs) {
    if ((section.empty() || p.section == section) && (program.empty() || p.name == program)) out.push_back(&p);
  }
  return out;
}

semantics::Result<ObjectProgram> load_object_program(const std::string& path, const std::string& section,
                                                     const std::string& program) {
  auto sources = expand_object_inputs({path});
  if (!sources.ok()) return sources.error();
  if (sources->size() != 1) {
    return Error{ErrorCode::UsageError, {path, 0, 0, -1},
                 fmt::format("the file embeds {} BPF objects; run one of them from its own file", sources->size())};
  }
  static loader::Target running_kernel;
  loader::LoadOptions options;
  options.target = &running_kernel;
  auto obj = loader::load_object(sources->front().bytes, sources->front().name, options);
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
  out.target = &running_kernel;
  out.type = verifier::platform::program_type_for_linux_id(out.program->type.prog_type);
  if (out.type == nullptr) {
    return Error{ErrorCode::NoSuchProgram, {path, 0, 0, -1},
                 out.program->type.known()
                     ? fmt::format("program '{}': program type '{}' is not modelled by the reference VM's Linux "
                                   "platform yet",
                                   out.program->name, out.program->type.name())
                     : fmt::format("program '{}': section '{}' selects no program type", out.program->name,
                                   out.program->section)};
  }
  return out;
}

std::optional<Error> add_object_maps(const loader::Object& object, interp::Environment& env) {
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
    // Tools leave some sizes to their user space (bpf_map__set_value_size and set_max_entries
    // before loading): a stack map gets PERF_MAX_STACK_DEPTH (127) frames, and a map without
    // max_entries one entry (local storages have none in Linux: make_map sizes them).
    if (def.type == interp::MapType::StackTrace && def.value_size == 0) def.value_size = 127 * 8;
    const bool storage = def.type == interp::MapType::SkStorage || def.type == interp::MapType::InodeStorage ||
                         def.type == interp::MapType::TaskStorage || def.type == interp::MapType::CgrpStorage ||
                         def.type == interp::MapType::CgroupStorage || def.type == interp::MapType::PercpuCgroupStorage;
    if (def.max_entries == 0 && !storage) def.max_entries = 1;
    auto added = env.add_map(def, static_cast<int32_t>(i));
    if (!added.ok()) {
      Error e = added.error();
      e.where.file = object.path;
      return e;
    }
    if (!m.initial_value.empty()) {
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

}  // namespace bpfcert::objects
