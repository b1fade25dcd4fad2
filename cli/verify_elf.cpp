#include "cli/verify_elf.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "objects/object_input.h"
#include "cli/options.h"
#include "loader/kernel.h"
#include "loader/program_types.h"
#include "reports/cfg_dot.h"
#include "reports/from_verifier.h"
#include "reports/html_page.h"
#include "reports/output.h"
#include "reports/source_excerpt.h"
#include "reports/verification_summary.h"
#include "verifier/analyzer.h"
#include "verifier/object/verify_object.h"
#include "verifier/platform/linux.h"
#include "verifier/smt/witness.h"

namespace bpfcert::cli {

using objects::ObjectSource;
using objects::expand_object_inputs;
using objects::load_object_program;
using objects::make_target;
using objects::select_programs;
using objects::selected_failures;

using nlohmann::json;

namespace {

inline constexpr const char* kObjectSchemaId = "bpfcert/object-verification/1";

struct ProgramOutcome {
  const loader::ProgramInfo* program = nullptr;
  reports::VerificationReport report;
  std::vector<reports::InstructionSource> sources;  // per pc, for --dot and --html
  std::optional<verifier::Cfg> cfg;                 // with --dot
  std::optional<loader::kernel::KernelVerdict> kernel;
  std::optional<json> witnesses;  // the counts, with --witness
};

json witness_counts(const reports::VerificationReport& rep, unsigned depth) {
  json j{{"depth", depth}, {"confirmed", 0}, {"not_confirmed", 0}, {"not_applicable", 0}};
  for (const reports::VerificationFinding& f : rep.findings) {
    if (f.witness) j[f.witness->status] = j[f.witness->status].get<int>() + 1;
  }
  return j;
}

json kernel_json(const loader::kernel::KernelVerdict& k) {
  json j{{"status", to_string(k.status)}, {"seconds", k.seconds}};
  if (!k.reason.empty()) j["reason"] = k.reason;
  if (!k.location.empty()) j["location"] = k.location;
  if (k.processed_insns) j["processed_insns"] = *k.processed_insns;
  if (k.error != 0) j["errno"] = k.error;
  if (!k.note.empty()) j["note"] = k.note;
  return j;
}

std::string kernel_text(const loader::kernel::KernelVerdict& k, bool bpfcert_accepts) {
  using loader::kernel::KernelStatus;
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

// The kernel differential for one program, or why there is none.
struct KernelComparison {
  bool wanted = false;
  std::string unavailable;  // set when no program can be compared here
};

// Verifies the selected programs of one object: the report of each, with C positions, its
// witnesses and the kernel's verdict as requested.
semantics::Result<std::vector<ProgramOutcome>> verify_programs(const loader::Object& obj,
                                                               const std::vector<const loader::ProgramInfo*>& selected,
                                                               const VerifyElfRequest& req,
                                                               const KernelComparison& kernel,
                                                               const loader::Target* target) {
  const verifier::Platform& platform = verifier::platform::linux_platform();
  std::vector<ProgramOutcome> outcomes;
  for (const loader::ProgramInfo* p : selected) {
    verifier::AnalyzerOptions aopt;
    aopt.collect_invariants = req.print_invariants || !req.html.empty();  // the page shows the state on click
    aopt.max_loop_iterations = req.max_loop_iterations;
    auto verified = verifier::verify_object_program(obj, *p, aopt, target);
    if (!verified.ok()) return verified.error();
    const verifier::VerificationResult& result = verified->result;
    reports::ReportContext context;
    context.tool_version = version();
    context.input = obj.path;
    context.input_kind = "elf";
    context.program_name = p->name;
    context.section = p->section;
    context.platform = platform.name;
    context.program_type = verified->type_name.empty() ? "none" : verified->type_name;
    context.syntax = semantics::Syntax::Llvm;  // as clang wrote it, and as `bpfcert list` shows it
    context.with_invariants = aopt.collect_invariants;
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
    out.program = p;
    out.report = reports::make_verification_report(result, p->insns, context);
    out.sources = std::move(context.sources);
    if (!req.dot.empty()) out.cfg = verifier::Cfg::build(verified->program);
    reports::VerificationReport& rep = out.report;
    if (req.witness && !rep.accepted && verified->type != nullptr) {
      verifier::VerifierInput vin;
      vin.program = &verified->program;
      vin.platform = &platform;
      vin.program_type = verified->type->name;
      vin.maps = verifier::map_descriptors(obj);
      verifier::smt::WitnessOptions wo;
      wo.depth = req.witness_depth;
      wo.timeout_seconds = req.witness_timeout;
      reports::add_witnesses(rep, verifier::smt::find_witnesses(vin, result, wo));
      out.witnesses = witness_counts(rep, req.witness_depth);
    }
    if (kernel.wanted) {
      if (!kernel.unavailable.empty()) {
        loader::kernel::KernelVerdict k;
        k.reason = kernel.unavailable;
        out.kernel = k;
      } else {
        loader::kernel::KernelLoadOptions ko;
        ko.unprivileged = req.kernel_unprivileged;
        out.kernel = loader::kernel::load_object_program(obj, *p, ko);
      }
    }
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

bool all_accepted(const std::vector<ProgramOutcome>& outcomes) {
  return std::all_of(outcomes.begin(), outcomes.end(), [](const ProgramOutcome& o) { return o.report.accepted; });
}

// One SARIF run with every program's results (each names its object, program and section).
json sarif_of(const std::vector<const std::vector<ProgramOutcome>*>& all, const std::string& source_root) {
  std::vector<reports::VerificationReport> programs;
  for (const auto* outcomes : all) {
    for (const ProgramOutcome& o : *outcomes) programs.push_back(o.report);
  }
  reports::SarifOptions so;
  so.source_root = source_root;
  return reports::to_sarif(programs, so);
}

// The page of --html: every program, and the C files their line info names, read where the
// object was built when they are still there.
std::string html_page(const std::string& title, const std::vector<ProgramOutcome>& outcomes) {
  reports::HtmlPage page;
  page.title = title;
  for (const ProgramOutcome& o : outcomes) {
    page.programs.push_back({&o.report, o.program->insns, o.sources, semantics::Syntax::Llvm});
    for (size_t pc = 0; pc < o.program->insns.size(); ++pc) {
      const auto* l = o.program->line_at(pc);
      if (l == nullptr || page.files.count(reports::display_path(l->file))) continue;
      std::string text, error;
      if (reports::read_text_file(l->file, &text, &error)) page.files[reports::display_path(l->file)] = std::move(text);
    }
  }
  return reports::to_html(page);
}

// One object: every program's full report (text, JSON bpfcert/object-verification/1, SARIF).
int verify_one(const ObjectSource& source, const loader::LoadOptions& load, const VerifyElfRequest& req,
               const KernelComparison& kernel) {
  auto obj = loader::load_object(source.bytes, source.name, load);
  if (!obj.ok()) return report_error(obj.error());
  auto selected = select_programs(*obj, req.section, req.program);
  if (!selected.ok()) return report_error(selected.error());
  auto outcomes = verify_programs(*obj, *selected, req, kernel, load.target);
  if (!outcomes.ok()) return report_error(outcomes.error());
  const auto failures = selected_failures(*obj, req.section, req.program);
  const bool accepted = all_accepted(*outcomes) && failures.empty();
  if (!req.quiet) {
    std::ostream& text = text_stream({req.json, req.sarif, req.dot, req.html});
    for (const auto& w : obj->warnings) text << fmt::format("{}: warning: {}\n", source.name, w);
    for (const ProgramOutcome& o : *outcomes) {
      reports::VerificationReport t = o.report;
      if (!req.print_invariants) t.invariants.reset();
      text << reports::to_text(t, {req.verbose});
      if (o.kernel) text << kernel_text(*o.kernel, o.report.accepted);
    }
  }
  bool ok = true;
  if (!req.json.empty()) {
    json doc{{"schema", kObjectSchemaId},
             {"object", source.name},
             {"license", obj->license},
             {"verdict", accepted ? "accepted" : "rejected"},
             {"warnings", obj->warnings}};
    json programs = json::array();
    for (const ProgramOutcome& o : *outcomes) {
      reports::VerificationReport j = o.report;
      if (!req.print_invariants) j.invariants.reset();
      json p{{"report", reports::to_json(j)}};
      if (o.kernel) p["kernel"] = kernel_json(*o.kernel);
      if (o.witnesses) p["witnesses"] = *o.witnesses;
      programs.push_back(std::move(p));
    }
    doc["programs"] = std::move(programs);
    if (!failures.empty()) {
      json errors = json::array();
      for (const loader::ProgramError* f : failures) {
        errors.push_back({{"program", f->name}, {"section", f->section}, {"error", f->error.to_string()}});
      }
      doc["program_errors"] = std::move(errors);
    }
    ok = write_output(req.json, doc.dump(2) + "\n") && ok;
  }
  if (!req.sarif.empty()) ok = write_output(req.sarif, sarif_of({&outcomes.value()}, req.source_root).dump(2) + "\n") && ok;
  if (!req.dot.empty()) {
    std::vector<reports::DotProgram> programs;
    for (const ProgramOutcome& o : *outcomes) {
      programs.push_back({&*o.cfg, o.program->insns, &o.report, o.sources, semantics::Syntax::Llvm});
    }
    ok = write_output(req.dot, reports::to_dot(source.name, programs)) && ok;
  }
  if (!req.html.empty()) ok = write_output(req.html, html_page(source.name, *outcomes)) && ok;
  // The programs that did not load: input errors, after the others' reports.
  for (const loader::ProgramError* f : failures) {
    semantics::Error e = f->error;
    e.message = fmt::format("program '{}' does not load: {}", f->name, e.message);
    report_error(e);
  }
  if (!ok || !failures.empty()) return kExitInput;
  return accepted ? kExitOk : kExitVerdict;
}

reports::SummaryProgram summary_row(const ProgramOutcome& o) {
  reports::SummaryProgram row;
  const loader::ProgramInfo& p = *o.program;
  row.name = p.name;
  row.section = p.section;
  row.type = std::string(p.type.name());
  row.type_source = loader::to_string(p.type.source);
  row.instructions = p.insns.size();
  row.accepted = o.report.accepted;
  row.seconds = o.report.statistics.seconds;
  for (const reports::VerificationFinding& f : o.report.findings) {
    const bool error = f.severity == "error";
    ++(error ? row.errors : row.warnings);
    if (error && !row.first_finding) {
      row.first_finding = reports::SummaryFinding{f.check, f.pc, f.source_file, f.line, f.message};
    }
  }
  if (o.kernel) {
    row.kernel = reports::SummaryKernel{to_string(o.kernel->status), o.kernel->reason, o.kernel->processed_insns,
                                        o.kernel->seconds};
  }
  return row;
}

// Several objects: one table (and bpfcert/verification-summary/1).
int verify_many(const std::vector<ObjectSource>& sources, const loader::LoadOptions& load, const loader::Target& target,
                const VerifyElfRequest& req, const KernelComparison& kernel) {
  reports::VerificationSummary summary;
  summary.tool_version = BPFCERT_VERSION;
  bool any_error = false, any_rejected = false, any_selected = false;
  std::vector<std::vector<ProgramOutcome>> all;
  std::vector<loader::Object> objects;  // outcomes point into their programs
  objects.reserve(sources.size());
  for (const ObjectSource& source : sources) {
    reports::SummaryObject row;
    row.object = source.name;
    row.path = source.path;
    row.offset = source.offset;
    auto obj = loader::load_object(source.bytes, source.name, load);
    if (!obj.ok()) {
      row.error = obj.error().to_string();
      any_error = true;
      summary.objects.push_back(std::move(row));
      continue;
    }
    objects.push_back(std::move(obj.value()));
    const loader::Object& o = objects.back();
    row.warnings = o.warnings;
    if (!o.core_target.empty()) summary.target_btf = o.core_target;
    for (const loader::Extern& x : o.externs) {
      if (x.kind == loader::ExternKind::Kconfig && summary.kconfig_source.empty()) {
        summary.kconfig_source = target.kconfig_source().empty() ? "--kconfig" : target.kconfig_source();
      }
    }
    std::vector<const loader::ProgramInfo*> selected;
    for (const loader::ProgramInfo& p : o.programs) {
      if ((req.section.empty() || p.section == req.section) && (req.program.empty() || p.name == req.program)) {
        selected.push_back(&p);
      }
    }
    const bool filtered = !req.section.empty() || !req.program.empty();
    if (filtered && selected.empty() && selected_failures(o, req.section, req.program).empty()) continue;
    any_selected = true;
    auto outcomes = verify_programs(o, selected, req, kernel, load.target);
    if (!outcomes.ok()) {
      row.error = outcomes.error().to_string();
      any_error = true;
      summary.objects.push_back(std::move(row));
      continue;
    }
    for (const ProgramOutcome& out : *outcomes) {
      row.programs.push_back(summary_row(out));
      any_rejected = any_rejected || !out.report.accepted;
    }
    for (const loader::ProgramError* f : selected_failures(o, req.section, req.program)) {
      reports::SummaryProgram failed;
      failed.name = f->name;
      failed.section = f->section;
      const auto type = loader::program_type_for_section(f->section);
      failed.type = type ? std::string(type->name()) : "";
      failed.type_source = type ? loader::to_string(type->source) : "none";
      failed.error = f->error.to_string();
      row.programs.push_back(std::move(failed));
      any_error = true;
    }
    summary.objects.push_back(std::move(row));
    all.push_back(std::move(outcomes.value()));
  }
  if (!any_selected && !any_error && (!req.section.empty() || !req.program.empty())) {
    return report_error({semantics::ErrorCode::NoSuchProgram, {},
                         fmt::format("no object has a program{}{}",
                                     req.section.empty() ? "" : fmt::format(" in section '{}'", req.section),
                                     req.program.empty() ? "" : fmt::format(" named '{}'", req.program))});
  }
  if (!req.quiet) text_stream({req.json, req.sarif}) << reports::to_text(summary);
  bool ok = true;
  if (!req.json.empty()) ok = write_output(req.json, reports::to_json(summary).dump(2) + "\n") && ok;
  if (!req.sarif.empty()) {
    std::vector<const std::vector<ProgramOutcome>*> ptrs;
    for (const auto& v : all) ptrs.push_back(&v);
    json sarif = sarif_of(ptrs, req.source_root);
    if (!sarif.is_null()) ok = write_output(req.sarif, sarif.dump(2) + "\n") && ok;
  }
  if (!ok || any_error) return kExitInput;
  return any_rejected ? kExitVerdict : kExitOk;
}

}  // namespace

int verify_elf(const VerifyElfRequest& req) {
  auto target = make_target(req.btf, req.kconfig);
  if (!target.ok()) return report_error(target.error());
  if (!req.program_type.empty() && !loader::program_type_id(req.program_type)) {
    std::string names;
    for (const loader::ProgramTypeName& t : loader::linux_program_types()) {
      if (t.id != 0) names += (names.empty() ? "" : ", ") + std::string(t.name);
    }
    return report_error({semantics::ErrorCode::UsageError, {},
                         fmt::format("--program-type: Linux has no program type '{}' (it has: {})", req.program_type,
                                     names)});
  }
  auto sources = expand_object_inputs(req.inputs);
  if (!sources.ok()) return report_error(sources.error());
  loader::LoadOptions load;
  load.target = target->get();
  load.program_type = req.program_type;

  KernelComparison kernel;
  kernel.wanted = req.compare_kernel || req.kernel_unprivileged;
  std::string why;
  if (kernel.wanted && !(*target)->is_running_kernel()) {
    kernel.unavailable = "the verdicts are for the kernel of --btf, not the running one";
  } else if (kernel.wanted && !loader::kernel::loading_available(&why)) {
    kernel.unavailable = "kernel loading not permitted here: " + why;
  }
  if (sources->size() == 1 && !req.summary) return verify_one(sources->front(), load, req, kernel);
  if (!req.dot.empty() || !req.html.empty()) {
    return report_error({semantics::ErrorCode::UsageError, {},
                         fmt::format("{} draws the programs of one object, not a summary ({} objects given)",
                                     req.dot.empty() ? "--html" : "--dot", sources->size())});
  }
  return verify_many(*sources, load, **target, req, kernel);
}

}  // namespace bpfcert::cli
