#include "loader/object.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "loader/object_reader.h"

namespace bpfcert::loader {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Location;
using semantics::Result;

const char* to_string(MapOrigin o) {
  switch (o) {
    case MapOrigin::Legacy: return "legacy";
    case MapOrigin::Btf: return "btf";
    case MapOrigin::GlobalData: return "global-data";
    case MapOrigin::Kconfig: return "kconfig";
  }
  return "?";
}

const char* to_string(SectionKind k) {
  switch (k) {
    case SectionKind::Program: return "program";
    case SectionKind::Subprograms: return "subprograms";
    case SectionKind::LegacyMaps: return "maps";
    case SectionKind::BtfMaps: return "btf-maps";
    case SectionKind::Data: return "data";
    case SectionKind::License: return "license";
    case SectionKind::Version: return "version";
    case SectionKind::Btf: return "btf";
    case SectionKind::BtfExt: return "btf-ext";
    case SectionKind::Other: return "other";
  }
  return "?";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Kconfig: return "kconfig";
    case ExternKind::Ksym: return "ksym";
    case ExternKind::Kfunc: return "kfunc";
  }
  return "?";
}

const SourceLine* ProgramInfo::line_at(size_t pc) const {
  // The last record at or before pc, within the same function (a record never spans a
  // function boundary: each function starts with its own record).
  auto it = std::upper_bound(lines.begin(), lines.end(), pc,
                             [](size_t p, const LineRecord& r) { return p < r.pc; });
  if (it == lines.begin()) return nullptr;
  --it;
  const FunctionRange* f = function_at(pc);
  if (f != nullptr && it->pc < f->start_pc) return nullptr;
  return &it->source;
}

const FunctionRange* ProgramInfo::function_at(size_t pc) const {
  for (const FunctionRange& f : functions) {
    if (pc >= f.start_pc && pc < f.end_pc) return &f;
  }
  return nullptr;
}

const ProgramInfo* Object::find_program(const std::string& name) const {
  for (const ProgramInfo& p : programs) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool looks_like_elf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
}

Result<Object> load_object(std::span<const uint8_t> bytes, const std::string& path, const LoadOptions& options) {
  detail::ObjectReader reader(bytes, path, options);
  return reader.run();
}

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, "is a folder, not a file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, "cannot open file"};
  // istreambuf_iterator throws on a read error (EISDIR, EIO) instead of setting badbit.
  std::vector<uint8_t> bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, std::string("cannot read the file: ") + e.what()};
  }
  return bytes;
}

Result<Object> load_object_file(const std::string& path, const LoadOptions& options) {
  auto bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.error();
  return load_object(*bytes, path, options);
}

}  // namespace bpfcert::loader
