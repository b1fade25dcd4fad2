// bpfcert verify: prove a program safe (or say why not) on a platform, without running it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "conformance/verifier_input.h"
#include "cli/input.h"
#include "objects/object_input.h"
#include "cli/options.h"
#include "cli/verify_elf.h"
#include "conformance/test_environment.h"
#include "interp/environment.h"
#include "reports/cfg_dot.h"
#include "reports/from_verifier.h"
#include "reports/html_page.h"
#include "reports/verification_report.h"
#include "semantics/assembly.h"
#include "semantics/suggest.h"
#include "verifier/analyzer.h"
#include "verifier/platforms.h"
#include "verifier/smt/witness.h"

namespace bpfcert::cli {

using objects::names_objects;

namespace {

// An empty name is the platform's default type. Prints why and returns false for an unknown one.
bool known_program_type(const verifier::Platform& platform, const std::string& name) {
  if (name.empty() || platform.find_program_type(name) != nullptr) return true;
  std::vector<std::string> names;
  for (const verifier::ProgramType& t : platform.program_types) names.push_back(t.name);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  std::cerr << fmt::format("bpfcert verify: --program-type {}: the {} platform has no such type{} (types: {})\n", name,
                           platform.name, semantics::did_you_mean(semantics::closest_name(name, names)), known);
  return false;
}

}  // namespace

void add_verify_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("verify", "Verify a program by abstract interpretation: exit 0 accepted, 1 rejected");
  struct Options {
    std::vector<std::string> inputs;
    std::string input, platform = "conformance", program_type, json, sarif, source_root, dot, html, syntax, mem_hex,
        mem_file;
    std::optional<uint64_t> mem_size;
    bool print_invariants = false, allow_extensions = false, quiet = false, verbose = false, witness = false;
    uint64_t max_loop_iterations = 1'000'000;
    unsigned witness_depth = 8;
    double witness_timeout = 10;
    VerifyElfRequest elf;  // BPF ELF objects: always the Linux platform
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("IN", o->inputs,
                  "raw bytecode, assembler text (either syntax) or .data file; or BPF ELF objects, executables "
                  "embedding them (libbpf skeletons) and folders of them")
      ->required();
  cmd->add_option("--platform", o->platform, "platform whose rules apply")->capture_default_str();
  cmd->add_option("--program-type", o->program_type,
                  "program type of the platform (default: its first); for ELF objects, libbpf's name of the type "
                  "every program gets (iproute2 and Cilium give it on their command line)");
  add_json_option(cmd, &o->json,
                  "bpfcert/verification/1; for ELF objects bpfcert/object-verification/1, for several "
                  "bpfcert/verification-summary/1");
  cmd->add_option("--sarif", o->sarif, "write a SARIF 2.1.0 report to this file ('-': standard output)");
  cmd->add_option("--source-root", o->source_root,
                  "SARIF: file locations relative to this folder, e.g. the repository's root (default: the working directory)")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--print-invariants", o->print_invariants, "print the abstract state before every instruction");
  cmd->add_option("--dot", o->dot,
                  "write the control-flow graph (Graphviz DOT): findings in their blocks, loops and a path to each error "
                  "coloured ('-': standard output)");
  cmd->add_option("--html", o->html,
                  "write one self-contained page: the source beside the BPF code, findings inline, the abstract state of "
                  "any instruction on click ('-': standard output)");
  auto* mem = cmd->add_option("--mem", o->mem_hex, "conformance platform: the input memory as hex bytes (its size counts)");
  auto* mem_file = cmd->add_option("--mem-file", o->mem_file, "conformance platform: input memory from a file")->excludes(mem);
  cmd->add_option("--mem-size", o->mem_size, "conformance platform: size of the input memory in bytes")
      ->excludes(mem)
      ->excludes(mem_file);
  cmd->add_option("--max-loop-iterations", o->max_loop_iterations, "largest loop bound accepted")->capture_default_str();
  cmd->add_option("--syntax", o->syntax, "assembler syntax of IN (detected when omitted)")
      ->check(CLI::IsMember({"conformance", "llvm"}));
  cmd->add_flag("--allow-extensions", o->allow_extensions, "accept encodings outside RFC 9669 (callx, may_goto, load-acquire, store-release, addr_space_cast)");
  add_quiet_flag(cmd, &o->quiet, "print nothing on standard output (the exit code and the reports asked for only)");
  add_verbose_flag(cmd, &o->verbose, "show abstract values in full: tnum bits, the ids relating packet pointers to their checks");
  cmd->add_flag("--witness", o->witness,
                "for each error of a rejected program, search for an input that makes the reference interpreter fail "
                "there, and replay it (confirmed / not confirmed within the depth / not applicable)");
  cmd->add_option("--witness-depth", o->witness_depth, "witness search: backward jumps taken at most per loop, path and call")
      ->check(CLI::Range(0u, 10000u))
      ->capture_default_str();
  cmd->add_option("--witness-timeout", o->witness_timeout, "witness search: seconds per finding")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  auto* elf = cmd->add_option_group("ELF objects", "Verifying the programs of a BPF ELF object (Linux platform)");
  elf->add_option("--section", o->elf.section, "verify the programs of this ELF section only");
  elf->add_option("--program", o->elf.program, "verify the program with this function name only");
  elf->add_flag("--compare-kernel", o->elf.compare_kernel, "also load each program into the running kernel and report both verdicts");
  elf->add_flag("--kernel-unprivileged", o->elf.kernel_unprivileged,
                "compare with the kernel's checks for loaders without CAP_PERFMON (load with CAP_BPF and CAP_NET_ADMIN only)");
  elf->add_option("--btf", o->elf.btf,
                  "BTF of the kernel to verify for: CO-RE relocations, ksyms and kfuncs resolve against it (default: "
                  "the running kernel's /sys/kernel/btf/vmlinux; 'none' for no kernel)");
  elf->add_option("--kconfig", o->elf.kconfig,
                  "a kconfig extern's value, KEY=VALUE as the config spells it (CONFIG_HZ=250, CONFIG_X=y, "
                  "LINUX_KERNEL_VERSION=6.1.0); takes precedence over the running kernel's config");
  elf->add_flag("--summary", o->elf.summary, "one table of every program (as for several objects), even for one object");
  set_help(cmd, {{{"bpfcert verify prog.o", "every program of a clang -target bpf object, Linux platform"},
                  {"bpfcert verify build/ a.o b.o", "several objects (and folders): one table of every program"},
                  {"bpfcert verify prog.o --section xdp --sarif r.sarif", "SARIF results on the C source lines"},
                  {"bpfcert verify build/prog.o --sarif r.sarif --source-root .", "paths relative to the repository"},
                  {"bpfcert verify prog.asm --mem-size 16 --witness", "conformance platform; an input for each error"},
                  {"bpfcert verify prog.o --compare-kernel", "the running kernel's verdict beside bpfcert's"},
                  {"bpfcert verify prog.bin --print-invariants", "the abstract state before every instruction"},
                  {"bpfcert verify prog.o --html prog.html", "one page: C beside BPF code, findings, state on click"},
                  {"bpfcert verify prog.o --dot - | dot -Tsvg -o prog.svg", "the CFG with findings, loops and failing paths"}},
                 "every program verified was accepted",
                 "a program was rejected (each finding: file:line:column, check id, message)"});
  cmd->callback([o, exit_code, cmd] {
    if ((*exit_code = check_outputs({{"--json", o->json}, {"--sarif", o->sarif}, {"--dot", o->dot}, {"--html", o->html}})) !=
        kExitOk) {
      return;
    }
    const verifier::Platform* platform = verifier::find_platform(o->platform);
    if (platform == nullptr) {
      std::string known;
      for (const std::string& n : verifier::platform_names()) known += (known.empty() ? "" : ", ") + n;
      std::cerr << fmt::format("bpfcert verify: unknown or unavailable platform '{}'{} (available: {})\n", o->platform,
                               semantics::did_you_mean(semantics::closest_name(o->platform, verifier::platform_names())),
                               known);
      *exit_code = kExitInput;
      return;
    }
    if (o->inputs.size() > 1 || names_objects(o->inputs)) {
      if (given(cmd, "--platform") && platform->name != "linux") {
        std::cerr << fmt::format("bpfcert verify: --platform {}: BPF ELF objects are verified on the linux platform\n",
                                 o->platform);
        *exit_code = kExitInput;
        return;
      }
      if (!refuse_options(cmd, {"--mem", "--mem-file", "--mem-size", "--syntax", "--allow-extensions"},
                          "to BPF ELF objects (their programs run with a Linux context)")) {
        *exit_code = kExitInput;
        return;
      }
      o->elf.inputs = o->inputs;
      o->elf.source_root = o->source_root;
      o->elf.program_type = o->program_type;
      o->elf.json = o->json;
      o->elf.sarif = o->sarif;
      o->elf.dot = o->dot;
      o->elf.html = o->html;
      o->elf.print_invariants = o->print_invariants;
      o->elf.quiet = o->quiet;
      o->elf.verbose = o->verbose;
      o->elf.max_loop_iterations = o->max_loop_iterations;
      o->elf.witness = o->witness;
      o->elf.witness_depth = o->witness_depth;
      o->elf.witness_timeout = o->witness_timeout;
      *exit_code = verify_elf(o->elf);
      return;
    }
    o->input = o->inputs.front();
    if (!refuse_options(cmd, {"--section", "--program", "--compare-kernel", "--kernel-unprivileged", "--btf", "--kconfig",
                              "--summary"},
                        "here: IN is not a BPF ELF object")) {
      *exit_code = kExitInput;
      return;
    }
    if (!known_program_type(*platform, o->program_type)) {
      *exit_code = kExitInput;
      return;
    }
    std::vector<semantics::Error> more_errors;
    auto prog = load_program(o->input, o->syntax.empty() ? std::nullopt : semantics::syntax_from_string(o->syntax),
                             &more_errors);
    if (!prog.ok()) {
      *exit_code = report_errors(prog.error(), more_errors);
      return;
    }
    const std::vector<semantics::Insn> insns = prog->insns;
    semantics::ValidationOptions vopt;
    vopt.allow_extensions = o->allow_extensions;
    auto valid = semantics::validate(prog->insns, vopt);
    if (!valid.ok()) {
      semantics::Error e = valid.error();
      e.where.file = o->input;
      *exit_code = report_error(e);
      return;
    }
    verifier::VerifierInput vin;
    vin.program = &valid.value();
    vin.platform = platform;
    vin.program_type = o->program_type.empty() && !platform->program_types.empty() ? platform->program_types.front().name
                                                                                       : o->program_type;
    vin.options.collect_invariants = o->print_invariants || !o->html.empty();  // the page shows the state on click
    vin.options.max_loop_iterations = o->max_loop_iterations;
    // Assembler text may declare maps and variables in "# @bpfcert" comments, as .data files do.
    if (!prog->data_file && prog->kind == InputKind::Assembly && prog->source.find("@bpfcert") != std::string::npos) {
      auto df = conformance::parse_data_file("-- asm\n" + prog->source, o->input);
      if (df.ok()) prog->data_file = std::move(df.value());
    }
    // The conformance platform's memory and the maps and variables a .data file declares.
    if (!o->mem_hex.empty()) {
      auto bytes = conformance::parse_hex_bytes(o->mem_hex, "--mem");
      if (!bytes.ok()) {
        *exit_code = report_error(bytes.error());
        return;
      }
      vin.memory_size = bytes->size();
    } else if (!o->mem_file.empty()) {
      auto content = read_file(o->mem_file);
      if (!content.ok()) {
        *exit_code = report_error(content.error());
        return;
      }
      vin.memory_size = content->size();
    } else if (o->mem_size) {
      vin.memory_size = *o->mem_size;
    } else if (prog->data_file && prog->data_file->has_mem) {
      vin.memory_size = prog->data_file->mem.size();
    } else {
      vin.memory_size = 0;
      // "# @bpfcert mem-size N" in the file (the corpus' convention).
      if (prog->data_file) {
        for (const conformance::Directive* d : prog->data_file->find("mem-size")) {
          vin.memory_size = std::strtoull(d->args.c_str(), nullptr, 0);
        }
      }
    }
    if (prog->data_file) {
      auto declared = conformance::add_data_file_declarations(*prog->data_file, vin);
      if (!declared.ok()) {
        *exit_code = report_error(declared.error());
        return;
      }
    }
    auto result = verifier::verify(vin);
    if (!result.ok()) {
      *exit_code = report_error(result.error());
      return;
    }
    const verifier::VerificationResult& r = *result;
    reports::ReportContext context;
    context.tool_version = version();
    context.input = o->input;
    context.input_kind = to_string(prog->kind);
    context.platform = platform->name;
    context.program_type = vin.program_type;
    context.memory_size = vin.memory_size;
    context.sources = reports::assembler_sources(o->input, prog->source, prog->lines);
    context.with_invariants = vin.options.collect_invariants;
    reports::VerificationReport rep = reports::make_verification_report(r, insns, context);
    if (o->witness && !r.accepted) {
      verifier::smt::WitnessOptions wo;
      wo.depth = o->witness_depth;
      wo.timeout_seconds = o->witness_timeout;
      reports::add_witnesses(rep, verifier::smt::find_witnesses(vin, r, wo));
    }
    bool ok = true;
    if (!o->json.empty()) {
      reports::VerificationReport jrep = rep;
      if (!o->print_invariants) jrep.invariants.reset();
      ok = write_output(o->json, reports::to_json(jrep).dump(2) + "\n") && ok;
    }
    if (!o->sarif.empty()) {
      reports::SarifOptions so;
      so.source_root = o->source_root;
      ok = write_output(o->sarif, reports::to_sarif(rep, so).dump(2) + "\n") && ok;
    }
    if (!o->dot.empty()) {
      const verifier::Cfg cfg = verifier::Cfg::build(valid.value());
      ok = write_output(o->dot, reports::to_dot(o->input, {{&cfg, insns, &rep, context.sources, context.syntax}})) && ok;
    }
    if (!o->html.empty()) {
      reports::HtmlPage page;
      page.title = o->input;
      page.programs.push_back({&rep, insns, context.sources, context.syntax});
      if (!prog->source.empty()) page.files[o->input] = prog->source;
      ok = write_output(o->html, reports::to_html(page)) && ok;
    }
    if (!o->quiet) {
      reports::VerificationReport trep = rep;
      if (!o->print_invariants) trep.invariants.reset();
      text_stream({o->json, o->sarif, o->dot, o->html}) << reports::to_text(trep, {o->verbose});
    }
    *exit_code = !ok ? kExitInput : r.accepted ? kExitOk : kExitVerdict;
  });
}

}  // namespace bpfcert::cli
