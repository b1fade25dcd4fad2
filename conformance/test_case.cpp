#include "conformance/test_case.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "interp/trap.h"

namespace bpfcert::conformance {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Group;
using semantics::IsaVersion;

std::string_view to_string(ExpectKind k) {
  switch (k) {
    case ExpectKind::None: return "";
    case ExpectKind::Result: return "result";
    case ExpectKind::ErrorText: return "error";
    case ExpectKind::Reject: return "reject";
    case ExpectKind::Trap: return "trap";
  }
  return "";
}

std::string_view check_family(std::string_view check) {
  return check.starts_with("reject") ? kRejectChecks : kTrapChecks;
}

std::string TestCase::expected_string() const {
  if (expect == ExpectKind::Result) return fmt::format("{:#x}", expected_r0);
  return expected_text;
}

namespace {

bool known_error_code(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::UsageError); ++i) {
    if (semantics::to_string(static_cast<ErrorCode>(i)) == s) return true;
  }
  return false;
}

bool known_trap_kind(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(interp::TrapKind::HelperFault); ++i) {
    if (interp::to_string(static_cast<interp::TrapKind>(i)) == s) return true;
  }
  return false;
}

std::optional<uint64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t used = 0;
    const std::string str(s);
    const uint64_t v = str.starts_with("-") ? static_cast<uint64_t>(std::stoll(str, &used, 0)) : std::stoull(str, &used, 0);
    if (used != str.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

void derive_groups(const std::vector<semantics::Insn>& insns, std::set<Group>& groups, IsaVersion& version,
                   std::vector<const semantics::Encoding*>& encodings) {
  std::set<size_t> rows;
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const semantics::Insn& insn = insns[pc];
    const semantics::Encoding* row = semantics::find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    if (row == nullptr) {
      // An invalid variant of an existing opcode belongs with that opcode's rows: the least
      // demanding of them (a VM that does not claim atomic32 need not reject atomic variants).
      const auto same = semantics::encodings_for_opcode(insn.opcode);
      if (same.empty()) continue;
      // An extension's invalid variant (an 8-bit atomic add) is invalid with or without the
      // extension, so it belongs to no extension group.
      const semantics::Encoding* least = nullptr;
      for (const semantics::Encoding* e : same) {
        if (e->rfc && (least == nullptr || std::pair(e->group, e->since) < std::pair(least->group, least->since))) least = e;
      }
      groups.insert(least != nullptr ? least->group : Group::Base32);
      if (least != nullptr) version = std::max(version, least->since);
      continue;
    }
    groups.insert(row->group);
    version = std::max(version, row->since);
    if (row->kind != semantics::Kind::WideSlot) rows.insert(semantics::encoding_index(*row));
    if (row->kind == semantics::Kind::LoadImm64) ++pc;  // its second slot carries no row of its own
  }
  for (size_t i : rows) encodings.push_back(&semantics::encodings()[i]);
}

std::vector<Group> certified_groups(const std::set<Group>& groups) {
  std::vector<Group> out;
  for (Group g : groups) {
    if (g != Group::Base32 && g != Group::Base64) out.push_back(g);
  }
  if (out.empty()) out.push_back(groups.count(Group::Base64) ? Group::Base64 : Group::Base32);
  return out;
}

semantics::Result<TestCase> load_test_case(const std::string& path, const std::string& name) {
  auto file = read_data_file(path);
  if (!file.ok()) return file.error();
  TestCase t;
  t.path = path;
  t.name = name;
  const size_t slash = name.find('/');
  t.family = slash == std::string::npos ? "" : name.substr(0, slash);
  t.file = std::move(file.value());
  auto bad = [&](int line, std::string message) { return Error{ErrorCode::BadFile, {path, line, 0, -1}, std::move(message)}; };

  std::optional<std::pair<std::string, std::string>> expect;  // from "@bpfcert expect k=v"
  for (const Directive& d : t.file.directives) {
    if (d.key == "expect") {
      const size_t eq = d.args.find('=');
      if (eq == std::string::npos) return bad(d.line, "@bpfcert expect: expected result=, reject= or trap=");
      if (expect) return bad(d.line, "@bpfcert expect: a test has one expectation");
      expect = std::pair(d.args.substr(0, eq), d.args.substr(eq + 1));
    } else if (d.key == "max-steps") {
      const auto v = parse_number(d.args);
      if (!v || *v == 0) return bad(d.line, fmt::format("@bpfcert max-steps: '{}' is not a positive number", d.args));
      t.max_steps = *v;
    } else if (d.key != "map" && d.key != "map-init" && d.key != "var") {
      return bad(d.line, fmt::format("unknown directive '@bpfcert {}'", d.key));
    }
  }
  if (t.file.result && t.file.error) return bad(0, "a test has a result or an error section, not both");
  if (expect && (t.file.result || t.file.error)) {
    return bad(0, "'@bpfcert expect' is for tests without result and error sections (so bpf_conformance skips them)");
  }
  if (t.file.result) {
    t.expect = ExpectKind::Result;
    t.expected_r0 = *t.file.result;
  } else if (t.file.error) {
    t.expect = ExpectKind::ErrorText;
    t.expected_text = *t.file.error;
  } else if (expect) {
    const auto& [k, v] = *expect;
    if (k == "result") {
      const auto n = parse_number(v);
      if (!n) return bad(0, fmt::format("@bpfcert expect result={}: not a number", v));
      t.expect = ExpectKind::Result;
      t.expected_r0 = *n;
    } else if (k == "reject") {
      if (!known_error_code(v)) return bad(0, fmt::format("@bpfcert expect reject={}: not a bpfcert error code", v));
      t.expect = ExpectKind::Reject;
      t.expected_text = v;
    } else if (k == "trap") {
      if (!known_trap_kind(v)) return bad(0, fmt::format("@bpfcert expect trap={}: not a trap kind", v));
      t.expect = ExpectKind::Trap;
      t.expected_text = v;
    } else {
      return bad(0, fmt::format("@bpfcert expect {}=: expected result=, reject= or trap=", k));
    }
  }

  if (!t.file.unknown_sections.empty()) {
    t.unsupported = fmt::format("section '{}' is not read by bpfcert", t.file.unknown_sections.front());
    t.expect = ExpectKind::None;
    return t;
  }
  auto insns = t.file.instructions();
  if (!insns.ok()) return insns.error();
  t.insns = std::move(insns.value());
  derive_groups(t.insns, t.groups, t.version, t.encodings);
  if (t.groups.empty()) t.groups.insert(Group::Base32);
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = true;  // each extension is a group of its own, claimed or not
  if (auto valid = semantics::validate(t.insns, vopt); !valid.ok()) {
    t.reference_rejection = std::string(semantics::to_string(valid.error().code));
  } else if (t.expect == ExpectKind::Reject) {
    // A program that expects a rejection but is valid with every extension: what rejects it is
    // an extension's absence. The test belongs to the RFC groups and runs when none is claimed.
    for (auto g = t.groups.begin(); g != t.groups.end();) {
      if (semantics::is_rfc_group(*g)) {
        ++g;
      } else {
        t.valid_with.insert(*g);
        g = t.groups.erase(g);
      }
    }
    if (t.groups.empty()) t.groups.insert(Group::Base32);
  }
  switch (t.expect) {
    case ExpectKind::Trap: t.check = "trap:" + t.expected_text; break;
    case ExpectKind::Reject: t.check = "reject:" + t.expected_text; break;
    case ExpectKind::ErrorText:
      t.check = t.reference_rejection.empty() ? "trap" : "reject:" + t.reference_rejection;
      break;
    case ExpectKind::Result:
    case ExpectKind::None: break;
  }

  using semantics::CallKind;
  using semantics::Kind;
  using semantics::LddwKind;
  // "expect result=" exists for tests that need the platform (so bpf_conformance skips them);
  // it also covers what the rows cannot show, such as callx reaching a helper by id.
  t.needs_platform = !t.file.find("map").empty() || !t.file.find("var").empty() ||
                     (expect && expect->first == "result");
  for (const semantics::Encoding* e : t.encodings) {
    if (e->kind == Kind::Call && (e->call_kind() == CallKind::Helper || e->call_kind() == CallKind::Kfunc)) {
      t.needs_platform = true;
    }
    if (e->kind == Kind::LoadImm64 && e->lddw_kind() != LddwKind::Imm && e->lddw_kind() != LddwKind::CodeAddr) {
      t.needs_platform = true;
    }
  }
  return t;
}

semantics::Result<std::vector<TestFile>> find_tests(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<TestFile> out;
  std::map<std::string, std::string> seen;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::path root(p);
    if (fs::is_regular_file(root, ec)) {
      out.push_back({p, root.stem().string()});
      continue;
    }
    if (!fs::is_directory(root, ec)) {
      return Error{ErrorCode::BadFile, {p, 0, 0, -1}, "no such test file or folder"};
    }
    for (fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, ec), end;
         it != end && !ec; it.increment(ec)) {
      if (!it->is_regular_file() || it->path().extension() != ".data") continue;
      fs::path rel = fs::relative(it->path(), root, ec);
      rel.replace_extension();
      out.push_back({it->path().string(), rel.generic_string()});
    }
    if (ec) return Error{ErrorCode::BadFile, {p, 0, 0, -1}, "cannot list the folder: " + ec.message()};
  }
  for (const TestFile& f : out) {
    const auto [it, fresh] = seen.emplace(f.name, f.path);
    if (!fresh && it->second != f.path) {
      return Error{ErrorCode::BadFile, {f.path, 0, 0, -1},
                   fmt::format("test name '{}' is also {}; give distinct folders", f.name, it->second)};
    }
  }
  std::sort(out.begin(), out.end(), [](const TestFile& a, const TestFile& b) { return a.name < b.name; });
  out.erase(std::unique(out.begin(), out.end(), [](const TestFile& a, const TestFile& b) { return a.name == b.name; }),
            out.end());
  return out;
}

}  // namespace bpfcert::conformance
