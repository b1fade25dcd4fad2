#include "cli/verify_elf.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "cli/object_input.h"
#include "cli/options.h"
#include "reports/cfg_dot.h"
#include "reports/from_verifier.h"
#include "reports/html_page.h"
#include "reports/output.h"
#include "reports/source_excerpt.h"
#include "verifier/analyzer.h"
#include "verifier/elf/verify_object.h"
#include "verifier/kernel/loader.h"
#include "verifier/platform/linux.h"
#include "verifier/smt/witness.h"

namespace bpfcert::cli {

using nlohmann::json;

namespace {

inline constexpr const char* kObjectSchemaId = "bpfcert/object-verification/1";

struct ProgramOutcome {
  reports::VerificationReport report;
  std::vector<reports::InstructionSource> sources;  // per pc, for --dot and --html
  const verifier::elf::ProgramInfo* program = nullptr;
  std::optional<verifier::Cfg> cfg;  // with --dot
  std::optional<verifier::kernel::KernelVerdict> kernel;
  std::optional<json> witnesses;  // the counts, with --witness
};

json witness_counts(const reports::VerificationReport& rep, unsigned depth) {
  json j{{"depth", depth}, {"confirmed", 0}, {"not_confirmed", 0}, {"not_applicable", 0}};
  for (const reports::VerificationFinding& f : rep.findings) {
    if (f.witness) j[f.witness->status] = j[f.witness->status].get<int>() + 1;
  }
  return j;
}

json kernel_json(const verifier::kernel::KernelVerdict& k) {
  json j{{"status", to_string(k.status)}, {"seconds", k.seconds}};
  if (!k.reason.empty()) j["reason"] = k.reason;
  if (!k.location.empty()) j["location"] = k.location;
  if (k.processed_insns) j["processed_insns"] = *k.processed_insns;
  if (k.error != 0) j["errno"] = k.error;
  if (!k.note.empty()) j["note"] = k.note;
  return j;
}

std::string kernel_text(const verifier::kernel::KernelVerdict& k, bool bpfcert_accepts) {
  using verifier::kernel::KernelStatus;
  if (k.status == KernelStatus::Unavailable) return fmt::format("kernel: not compared: {}\n", k.reason);
  const bool kernel_accepts = k.status == KernelStatus::Accepted;
  std::string s = kernel_accepts ? fmt::format("kernel: accepted ({} insns processed, {:.3f} ms)",
                                               k.processed_insns.value_or(0), k.seconds * 1e3)
                                 : fmt::format("kernel: rejected: {}{}", k.reason,
                                               k.location.empty() ? "" : fmt::format(" (at {})", k.location));
  if (kernel_accepts != bpfcert_accepts) {
    s += fmt::format("  [DISAGREEMENT: bpfcert {}, kernel {}]", bpfcert_accepts ? "accepts" : "rejects",
                     kernel_accepts ? "accepts" : "rejects");
  }
  if (!k.note.empty()) s += fmt::format("\nkernel note: {}", k.note);
  return s + "\n";
}

}  // namespace

int verify_elf(const VerifyElfRequest& req) {
  auto obj = verifier::elf::load_object_file(req.object);
  if (!obj.ok()) return report_error(obj.error());
  auto selected = select_programs(*obj, req.section, req.program, !req.program_type.empty());
  if (!selected.ok()) return report_error(selected.error());
  const verifier::Platform& platform = verifier::platform::linux_platform();

  std::string kernel_unavailable;
  const bool compare_kernel = req.compare_kernel || req.kernel_unprivileged;
  if (compare_kernel && !verifier::kernel::kernel_loading_available(&kernel_unavailable)) {
    kernel_unavailable = "kernel loading not permitted here: " + kernel_unavailable;
  }

  std::vector<ProgramOutcome> outcomes;
  bool all_accepted = true;
  for (const verifier::elf::ProgramInfo* p : *selected) {
    verifier::AnalyzerOptions aopt;
    aopt.collect_invariants = req.print_invariants || !req.html.empty();  // the page shows the state on click
    aopt.max_loop_iterations = req.max_loop_iterations;
    auto verified = verifier::elf::verify_object_program(*obj, *p, aopt, req.program_type);
    if (!verified.ok()) return report_error(verified.error());
    const verifier::ProgramType* type = verified->type;
    const verifier::VerificationResult* result = &verified->result;
    reports::ReportContext context;
    context.tool_version = version();
    context.input = req.object;
    context.input_kind = "elf";
    context.program_name = p->name;
    context.section = p->section;
    context.platform = platform.name;
    context.program_type = type->name;
    context.syntax = semantics::Syntax::Llvm;  // as clang wrote it, and as `bpfcert list` shows it
    context.with_invariants = req.print_invariants;
    context.sources.resize(p->insns.size());
    for (size_t pc = 0; pc < p->insns.size(); ++pc) {
      reports::InstructionSource& s = context.sources[pc];
      if (const auto* l = p->line_at(pc); l != nullptr) {
        s.file = reports::display_path(l->file);
        s.line = static_cast<int>(l->line);
        s.column = static_cast<int>(l->column);
        s.text = l->text;
      }
      if (const auto* fn = p->function_at(pc); fn != nullptr) s.function = fn->name;
    }
    ProgramOutcome out;
    out.report = reports::make_verification_report(*result, p->insns, context);
    out.sources = context.sources;
    out.program = p;
    if (!req.dot.empty()) out.cfg = verifier::Cfg::build(verified->program);
    reports::VerificationReport& rep = out.report;
    all_accepted = all_accepted && rep.accepted;
    if (req.witness && !rep.accepted) {
      verifier::VerifierInput vin;
      vin.program = &verified->program;
      vin.platform = &platform;
      vin.program_type = type->name;
      vin.maps = verifier::elf::map_descriptors(*obj);
      verifier::smt::WitnessOptions wo;
      wo.depth = req.witness_depth;
      wo.timeout_seconds = req.witness_timeout;
      reports::add_witnesses(rep, verifier::smt::find_witnesses(vin, *result, wo));
      out.witnesses = witness_counts(rep, req.witness_depth);
    }
    if (compare_kernel) {
      if (!kernel_unavailable.empty()) {
        verifier::kernel::KernelVerdict k;
        k.reason = kernel_unavailable;
        out.kernel = k;
      } else {
        verifier::kernel::KernelLoadOptions ko;
        ko.prog_type = type->linux_id;
        if (req.program_type.empty()) {
          ko.expected_attach_type = verifier::platform::expected_attach_type_for_section(p->section);
        }
        ko.unprivileged = req.kernel_unprivileged;
        out.kernel = verifier::kernel::load_into_kernel(*obj, *p, ko);
      }
    }
    outcomes.push_back(std::move(out));
  }

  if (!req.quiet) {
    std::ostream& text = text_stream({req.json, req.sarif, req.dot, req.html});
    for (const auto& w : obj->warnings) text << fmt::format("{}: warning: {}\n", req.object, w);
    for (const ProgramOutcome& o : outcomes) {
      reports::VerificationReport t = o.report;
      if (!req.print_invariants) t.invariants.reset();
      text << reports::to_text(t, {req.verbose});
      if (o.kernel) text << kernel_text(*o.kernel, o.report.accepted);
    }
  }
  bool ok = true;
  if (!req.json.empty()) {
    json doc{{"schema", kObjectSchemaId},
             {"object", req.object},
             {"license", obj->license},
             {"verdict", all_accepted ? "accepted" : "rejected"},
             {"warnings", obj->warnings}};
    json programs = json::array();
    for (const ProgramOutcome& o : outcomes) {
      reports::VerificationReport j = o.report;
      if (!req.print_invariants) j.invariants.reset();
      json p{{"report", reports::to_json(j)}};
      if (o.kernel) p["kernel"] = kernel_json(*o.kernel);
      if (o.witnesses) p["witnesses"] = *o.witnesses;
      programs.push_back(std::move(p));
    }
    doc["programs"] = std::move(programs);
    ok = write_output(req.json, doc.dump(2) + "\n") && ok;
  }
  if (!req.sarif.empty()) {
    std::vector<reports::VerificationReport> programs;
    for (const ProgramOutcome& o : outcomes) programs.push_back(o.report);
    reports::SarifOptions so;
    so.source_root = req.source_root;
    ok = write_output(req.sarif, reports::to_sarif(programs, so).dump(2) + "\n") && ok;
  }
  if (!req.dot.empty()) {
    std::vector<reports::DotProgram> programs;
    for (const ProgramOutcome& o : outcomes) {
      programs.push_back({&*o.cfg, o.program->insns, &o.report, o.sources, semantics::Syntax::Llvm});
    }
    ok = write_output(req.dot, reports::to_dot(req.object, programs)) && ok;
  }
  if (!req.html.empty()) {
    reports::HtmlPage page;
    page.title = req.object;
    for (const ProgramOutcome& o : outcomes) {
      page.programs.push_back({&o.report, o.program->insns, o.sources, semantics::Syntax::Llvm});
      // The C files, whole, when they can be read where the object was built.
      for (size_t pc = 0; pc < o.program->insns.size(); ++pc) {
        const auto* l = o.program->line_at(pc);
        if (l == nullptr || page.files.count(reports::display_path(l->file))) continue;
        std::string text, error;
        if (reports::read_text_file(l->file, &text, &error)) page.files[reports::display_path(l->file)] = std::move(text);
      }
    }
    ok = write_output(req.html, reports::to_html(page)) && ok;
  }
  if (!ok) return kExitInput;
  return all_accepted ? kExitOk : kExitVerdict;
}

}  // namespace bpfcert::cli
