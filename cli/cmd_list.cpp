// bpfcert list: what a BPF ELF object holds (sections, programs with their types, maps).
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "reports/output.h"
#include "semantics/assembly.h"
#include "verifier/elf/object.h"
#include "verifier/platform/linux.h"

namespace bpfcert::cli {

namespace {

std::string map_type_name(uint32_t id) {
  const verifier::Platform& platform = verifier::platform::linux_platform();
  const auto it = platform.map_types.find(id);
  return it != platform.map_types.end() ? it->second.name : fmt::format("type-{}", id);
}

nlohmann::json to_json(const verifier::elf::Object& obj) {
  nlohmann::json j;
  j["schema"] = "bpfcert/object-listing/1";
  j["path"] = obj.path;
  j["license"] = obj.license;
  j["btf"] = obj.has_btf;
  j["line_info"] = obj.has_line_info;
  j["sections"] = nlohmann::json::array();
  for (const auto& s : obj.sections) {
    j["sections"].push_back({{"index", s.index}, {"name", s.name}, {"kind", to_string(s.kind)}, {"size", s.size}});
  }
  j["programs"] = nlohmann::json::array();
  for (const auto& p : obj.programs) {
    const auto* type = verifier::platform::program_type_for_section(p.section);
    nlohmann::json functions = nlohmann::json::array();
    for (const auto& f : p.functions) functions.push_back(f.name);
    j["programs"].push_back({{"name", p.name},
                             {"section", p.section},
                             {"type", type != nullptr ? nlohmann::json(type->name) : nlohmann::json(nullptr)},
                             {"instructions", p.insns.size()},
                             {"functions", functions}});
  }
  j["maps"] = nlohmann::json::array();
  for (size_t i = 0; i < obj.maps.size(); ++i) {
    const auto& m = obj.maps[i];
    j["maps"].push_back({{"index", i},
                         {"name", m.name},
                         {"type", map_type_name(m.type)},
                         {"type_id", m.type},
                         {"key_size", m.key_size},
                         {"value_size", m.value_size},
                         {"max_entries", m.max_entries},
                         {"flags", m.flags},
                         {"origin", to_string(m.origin)},
                         {"section", m.section}});
  }
  j["warnings"] = obj.warnings;
  return j;
}

void print_text(const verifier::elf::Object& obj) {
  std::cout << fmt::format("{}: license \"{}\", BTF {}, line info {}\n", obj.path, obj.license,
                           obj.has_btf ? "yes" : "no", obj.has_line_info ? "yes" : "no");
  std::cout << "sections:\n";
  for (const auto& s : obj.sections) {
    std::cout << fmt::format("  [{:2}] {:<24} {:<12} {:6} bytes\n", s.index, s.name, to_string(s.kind), s.size);
  }
  std::cout << "programs:\n";
  for (const auto& p : obj.programs) {
    const auto* type = verifier::platform::program_type_for_section(p.section);
    std::string callees;
    for (size_t i = 1; i < p.functions.size(); ++i) callees += (i == 1 ? "" : ", ") + p.functions[i].name;
    std::cout << fmt::format("  {:<24} section {:<24} type {:<14} {:5} insns{}\n", p.name, p.section,
                             type != nullptr ? type->name : "(unknown)", p.insns.size(),
                             callees.empty() ? "" : "  calls " + callees);
  }
  std::cout << "maps:\n";
  for (size_t i = 0; i < obj.maps.size(); ++i) {
    const auto& m = obj.maps[i];
    std::cout << fmt::format("  {:2} {:<20} {:<16} key {:3} value {:5} max_entries {:6} flags {:#x} ({}, {})\n", i, m.name,
                             map_type_name(m.type), m.key_size, m.value_size, m.max_entries, m.flags, to_string(m.origin),
                             m.section);
  }
  for (const auto& w : obj.warnings) std::cout << "warning: " << w << "\n";
}

// The linked program with its source lines, as llvm-objdump -S shows an object.
void print_disassembly(const verifier::elf::ProgramInfo& p) {
  std::cout << fmt::format("\n{} (section {}):\n", p.name, p.section);
  const verifier::elf::SourceLine* last = nullptr;
  for (size_t pc = 0; pc < p.insns.size(); ++pc) {
    for (const auto& f : p.functions) {
      if (f.start_pc == pc) std::cout << fmt::format("<{}>:\n", f.name);
    }
    const auto* line = p.line_at(pc);
    const bool same = line != nullptr && last != nullptr && line->line == last->line && line->file == last->file;
    if (line != nullptr && !same && !line->text.empty()) {
      std::cout << fmt::format("; {}:{}: {}\n", line->file, line->line, line->text);
    }
    last = line;
    const bool wide = p.insns[pc].opcode == 0x18 && pc + 1 < p.insns.size();
    std::cout << fmt::format("{:5}: {}\n", pc,
                             semantics::disassemble_one(p.insns[pc], wide ? &p.insns[pc + 1] : nullptr,
                                                        semantics::Syntax::Llvm));
    if (wide) ++pc;
  }
}

}  // namespace

void add_list_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("list", "List the sections, programs and maps of a BPF ELF object");
  struct Options {
    std::string input, json;
    bool disasm = false, quiet = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("OBJ", o->input, "ELF object (clang -target bpf -c output)")->required();
  add_json_option(cmd, &o->json, "bpfcert/object-listing/1");
  cmd->add_flag("--disasm", o->disasm, "also disassemble every linked program, with its source lines");
  add_quiet_flag(cmd, &o->quiet, "print nothing on standard output (with --json: the listing as JSON only)");
  set_help(cmd, {{{"bpfcert list prog.o", "sections, programs (type, callees), maps"},
                  {"bpfcert list prog.o --disasm", "the code of every program, under its C lines"},
                  {"bpfcert list prog.o --json -", "the listing as JSON on standard output"}},
                 "the object was read",
                 ""});
  cmd->callback([o, exit_code] {
    auto obj = verifier::elf::load_object_file(o->input);
    if (!obj.ok()) {
      *exit_code = report_error(obj.error());
      return;
    }
    if (!o->quiet && (o->json.empty() || !reports::is_standard_output(o->json))) {
      print_text(*obj);
      if (o->disasm) {
        for (const auto& p : obj->programs) print_disassembly(p);
      }
    }
    if (!o->json.empty() && !write_output(o->json, to_json(*obj).dump(2) + "\n")) {
      *exit_code = kExitInput;
      return;
    }
    *exit_code = kExitOk;
  });
}

}  // namespace bpfcert::cli
