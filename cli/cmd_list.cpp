// bpfcert list: what a BPF ELF object holds (sections, programs with their types and how they
// were decided, maps, externs and CO-RE relocations as resolved for the target kernel); for an
// executable, each object a libbpf skeleton embeds in it.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "objects/object_input.h"
#include "loader/object.h"
#include "loader/program_types.h"
#include "reports/output.h"
#include "semantics/assembly.h"
#include "verifier/platform/linux.h"

namespace bpfcert::cli {

using objects::ObjectSource;
using objects::expand_object_inputs;
using objects::make_target;

namespace {

std::string map_type_name(uint32_t id) {
  const verifier::Platform& platform = verifier::platform::linux_platform();
  const auto it = platform.map_types.find(id);
  return it != platform.map_types.end() ? it->second.name : fmt::format("type-{}", id);
}

// The type column: libbpf's name, and whether bpfcert's platform models it.
std::string type_text(const loader::ProgramInfo& p) {
  if (!p.type.known()) return "(none)";
  const bool modelled = verifier::platform::program_type_for_linux_id(p.type.prog_type) != nullptr;
  return fmt::format("{}{}", p.type.name(), modelled ? "" : " (not modelled)");
}

nlohmann::json to_json(const loader::Object& obj) {
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
    nlohmann::json functions = nlohmann::json::array();
    for (const auto& f : p.functions) functions.push_back(f.name);
    nlohmann::json jp{{"name", p.name},
                      {"section", p.section},
                      {"type", p.type.known() ? nlohmann::json(std::string(p.type.name())) : nlohmann::json(nullptr)},
                      {"type_id", p.type.prog_type},
                      {"type_source", loader::to_string(p.type.source)},
                      {"type_rule", p.type.rule},
                      {"modelled", verifier::platform::program_type_for_linux_id(p.type.prog_type) != nullptr},
                      {"instructions", p.insns.size()},
                      {"functions", functions}};
    if (p.type.expected_attach_type) {
      jp["expected_attach_type"] = std::string(loader::attach_type_name(*p.type.expected_attach_type));
    }
    if (!p.type.attach_target.empty()) jp["attach_target"] = p.type.attach_target;
    if (p.attach_btf_id) jp["attach_btf_id"] = *p.attach_btf_id;
    j["programs"].push_back(std::move(jp));
  }
  j["program_errors"] = nlohmann::json::array();
  for (const auto& f : obj.failed_programs) {
    j["program_errors"].push_back({{"name", f.name}, {"section", f.section}, {"error", f.error.to_string()}});
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
  j["externs"] = nlohmann::json::array();
  for (const auto& x : obj.externs) {
    nlohmann::json jx{{"name", x.name}, {"kind", to_string(x.kind)}, {"weak", x.weak}, {"resolved", x.resolved},
                      {"source", x.source}};
    if (x.kind == loader::ExternKind::Kconfig && x.resolved) jx["value"] = x.value;
    if (x.kernel_btf_id != 0) jx["kernel_btf_id"] = x.kernel_btf_id;
    if (x.address != 0) jx["address"] = x.address;
    j["externs"].push_back(std::move(jx));
  }
  j["core_relocations"] = nlohmann::json::array();
  for (const auto& r : obj.core_relocations) {
    j["core_relocations"].push_back(
        {{"section", r.section}, {"insn", r.insn}, {"kind", r.kind}, {"access", r.access}, {"result", r.result}});
  }
  if (!obj.core_target.empty()) j["core_target"] = obj.core_target;
  j["warnings"] = obj.warnings;
  return j;
}

void print_text(const loader::Object& obj) {
  std::cout << fmt::format("{}: license \"{}\", BTF {}, line info {}\n", obj.path, obj.license,
                           obj.has_btf ? "yes" : "no", obj.has_line_info ? "yes" : "no");
  std::cout << "sections:\n";
  for (const auto& s : obj.sections) {
    std::cout << fmt::format("  [{:2}] {:<24} {:<12} {:6} bytes\n", s.index, s.name, to_string(s.kind), s.size);
  }
  std::cout << "programs:\n";
  for (const auto& p : obj.programs) {
    std::string callees;
    for (size_t i = 1; i < p.functions.size(); ++i) callees += (i == 1 ? "" : ", ") + p.functions[i].name;
    std::cout << fmt::format("  {:<24} section {:<24} type {:<14} {:5} insns{}\n", p.name, p.section, type_text(p),
                             p.insns.size(), callees.empty() ? "" : "  calls " + callees);
  }
  for (const auto& f : obj.failed_programs) {
    std::cout << fmt::format("  {:<24} section {:<24} NOT LOADED: {}\n", f.name, f.section, f.error.message);
  }
  std::cout << "maps:\n";
  for (size_t i = 0; i < obj.maps.size(); ++i) {
    const auto& m = obj.maps[i];
    std::cout << fmt::format("  {:2} {:<20} {:<16} key {:3} value {:5} max_entries {:6} flags {:#x} ({}, {})\n", i, m.name,
                             map_type_name(m.type), m.key_size, m.value_size, m.max_entries, m.flags, to_string(m.origin),
                             m.section);
  }
  if (!obj.externs.empty()) {
    std::cout << "externs:\n";
    for (const auto& x : obj.externs) {
      std::string value = !x.resolved ? "unresolved"
                          : x.kind == loader::ExternKind::Kconfig ? "= " + x.value
                          : x.kernel_btf_id != 0 ? fmt::format("BTF id {}", x.kernel_btf_id)
                                                 : fmt::format("address {:#x}", x.address);
      std::cout << fmt::format("  {:<28} {:<8}{} {} ({})\n", x.name, to_string(x.kind), x.weak ? " weak" : "", value,
                               x.source);
    }
  }
  if (!obj.core_relocations.empty()) {
    std::cout << fmt::format("CO-RE relocations ({}, against {}):\n", obj.core_relocations.size(),
                             obj.core_target.empty() ? "none" : obj.core_target);
    for (const auto& r : obj.core_relocations) {
      std::cout << fmt::format("  {}+{:<5} {:<14} {}: {}\n", r.section, r.insn, r.kind, r.access, r.result);
    }
  }
  for (const auto& w : obj.warnings) std::cout << "warning: " << w << "\n";
}

// The linked program with its source lines, as llvm-objdump -S shows an object.
void print_disassembly(const loader::ProgramInfo& p) {
  std::cout << fmt::format("\n{} (section {}):\n", p.name, p.section);
  const loader::SourceLine* last = nullptr;
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
  auto* cmd = app.add_subcommand("list", "List the sections, programs, maps, externs and CO-RE relocations of BPF "
                                         "ELF objects (or of the objects an executable embeds)");
  struct Options {
    std::vector<std::string> inputs;
    std::string json, btf, program_type;
    std::vector<std::string> kconfig;
    bool disasm = false, quiet = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("OBJ", o->inputs, "ELF objects (clang -target bpf -c output), executables embedding them, folders")
      ->required();
  add_json_option(cmd, &o->json, "bpfcert/object-listing/1; several objects: an array of listings");
  cmd->add_flag("--disasm", o->disasm, "also disassemble every linked program, with its source lines");
  cmd->add_option("--btf", o->btf, "BTF of the kernel to resolve CO-RE relocations and ksyms against ('none': no kernel)");
  cmd->add_option("--kconfig", o->kconfig, "a kconfig extern's value, KEY=VALUE");
  cmd->add_option("--program-type", o->program_type, "libbpf's name of the type every program gets");
  add_quiet_flag(cmd, &o->quiet, "print nothing on standard output (with --json: the listing as JSON only)");
  set_help(cmd, {{{"bpfcert list prog.o", "sections, programs (type, callees), maps, externs"},
                  {"bpfcert list prog.o --disasm", "the code of every program, under its C lines"},
                  {"bpfcert list build/ --json -", "every object of a folder, as JSON on standard output"}},
                 "the objects were read",
                 ""});
  cmd->callback([o, exit_code] {
    *exit_code = kExitOk;
    if ((*exit_code = check_outputs({{"--json", o->json}})) != kExitOk) return;
    auto target = make_target(o->btf, o->kconfig);
    if (!target.ok()) {
      *exit_code = report_error(target.error());
      return;
    }
    auto sources = expand_object_inputs(o->inputs);
    if (!sources.ok()) {
      *exit_code = report_error(sources.error());
      return;
    }
    loader::LoadOptions load;
    load.target = target->get();
    load.program_type = o->program_type;
    nlohmann::json listings = nlohmann::json::array();
    for (const ObjectSource& source : *sources) {
      auto obj = loader::load_object(source.bytes, source.name, load);
      if (!obj.ok()) {
        *exit_code = report_error(obj.error());
        return;
      }
      if (!o->quiet && (o->json.empty() || !reports::is_standard_output(o->json))) {
        if (&source != &sources->front()) std::cout << "\n";
        print_text(*obj);
        if (o->disasm) {
          for (const auto& p : obj->programs) print_disassembly(p);
        }
      }
      listings.push_back(to_json(*obj));
    }
    // One object: its listing; several: an array of them.
    const nlohmann::json doc = listings.size() == 1 ? listings.front() : listings;
    if (!o->json.empty() && !write_output(o->json, doc.dump(2) + "\n")) *exit_code = kExitInput;
  });
}

}  // namespace bpfcert::cli
