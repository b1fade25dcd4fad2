#include "cli/verify_elf.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "cli/object_input.h"
#include "cli/verify_report.h"
#include "cli/witness_report.h"
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

// Source paths from BTF are as clang saw them (often absolute). Under the working directory they
// become relative, so SARIF results resolve against a checkout (GitHub code scanning).
std::string display_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  const std::filesystem::path p(path);
  if (ec || !p.is_absolute()) return path;
  const std::filesystem::path rel = p.lexically_relative(cwd);
  if (rel.empty() || rel.native().starts_with("..")) return path;
  return rel.string();
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
    aopt.collect_invariants = req.print_invariants;
    aopt.max_loop_iterations = req.max_loop_iterations;
    auto verified = verifier::elf::verify_object_program(*obj, *p, aopt, req.program_type);
    if (!verified.ok()) return report_error(verified.error());
    const verifier::ProgramType* type = verified->type;
    const verifier::VerificationResult* result = &verified->result;
    std::vector<int> lines(p->insns.size(), 0);
    for (size_t pc = 0; pc < p->insns.size(); ++pc) {
      if (const auto* l = p->line_at(pc); l != nullptr) lines[pc] = static_cast<int>(l->line);
    }
    ProgramOutcome out;
    out.report = make_verification_report(*result, p->insns, lines, req.print_invariants);
    reports::VerificationReport& rep = out.report;
    rep.input = req.object;
    rep.input_kind = "elf";
    rep.platform = platform.name;
    rep.program_type = type->name;
    rep.program_name = p->name;
    rep.section = p->section;
    for (reports::VerificationFinding& f : rep.findings) {
      if (f.pc < 0) continue;
      const auto pc = static_cast<size_t>(f.pc);
      if (const auto* l = p->line_at(pc); l != nullptr) {
        f.source_file = display_path(l->file);
        f.column = static_cast<int>(l->column);
        f.source_text = l->text;
      }
      if (const auto* fn = p->function_at(pc); fn != nullptr) f.function = fn->name;
    }
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
      add_witnesses(rep, verifier::smt::find_witnesses(vin, *result, wo));
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
    std::ostream& text = text_stream({req.json, req.sarif});
    for (const auto& w : obj->warnings) text << fmt::format("{}: warning: {}\n", req.object, w);
    for (const ProgramOutcome& o : outcomes) {
      reports::VerificationReport t = o.report;
      if (!req.print_invariants) t.invariants.reset();
      text << reports::to_text(t);
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
  if (!ok) return kExitInput;
  return all_accepted ? kExitOk : kExitVerdict;
}

}  // namespace bpfcert::cli
