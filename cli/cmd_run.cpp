// bpfcert run: execute a program on the reference interpreter (or, with --jit, the JIT).
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "conformance/verifier_input.h"
#include "cli/input.h"
#include "cli/options.h"
#include "cli/run_elf.h"
#include "conformance/test_environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/jit/jit.h"
#include "interp/link.h"
#include "reports/run_report.h"
#include "verifier/analyzer.h"

namespace bpfcert::cli {

void add_run_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Run a program on the reference interpreter (or the JIT); prints r0");
  struct Options {
    std::string input, mem_hex, mem_file, syntax, json;
    uint64_t max_steps = interp::kDefaultMaxSteps;
    bool allow_extensions = false;
    bool jit = false;
    bool unchecked = false;
    bool dump_jit = false;
    bool quiet = false, verbose = false;
    RunElfRequest elf;  // BPF ELF objects (clang -target bpf output)
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("IN", o->input, "raw bytecode, assembler text (either syntax) or .data file")->required();
  auto* mem = cmd->add_option("--mem", o->mem_hex, "input memory as hex bytes (r1 = its address, r2 = its length)");
  cmd->add_option("--mem-file", o->mem_file, "input memory from a file")->excludes(mem);
  cmd->add_option("--max-steps", o->max_steps, "instruction budget before a step-budget-exhausted trap")
      ->capture_default_str();
  cmd->add_option("--syntax", o->syntax, "assembler syntax of IN (detected when omitted)")
      ->check(CLI::IsMember({"conformance", "llvm"}));
  cmd->add_flag("--allow-extensions", o->allow_extensions, "accept encodings outside RFC 9669 (callx, may_goto, load-acquire, store-release, addr_space_cast)");
  cmd->add_flag("--jit", o->jit, "run on the x86-64 JIT (same results and traps as the interpreter)");
  cmd->add_flag("--unchecked", o->unchecked,
                "with --jit: no memory checks; the program must first pass the verifier (conformance platform, "
                "this memory's size), else the run is refused with exit 1")
      ->needs(cmd->get_option("--jit"));
  cmd->add_flag("--dump-jit", o->dump_jit,
                "with --jit: print the generated x86-64 code, annotated with the BPF instructions, before the run")
      ->needs(cmd->get_option("--jit"));
  add_json_option(cmd, &o->json, reports::kRunSchemaId);
  add_quiet_flag(cmd, &o->quiet, "print no r0 line (the exit code and --json tell how the run ended)");
  add_verbose_flag(cmd, &o->verbose, "also print the number of instructions executed (standard error)");
  auto* elf = cmd->add_option_group("ELF objects", "Running one program of a BPF ELF object with a Linux context");
  elf->add_option("--section", o->elf.section, "the program's ELF section (e.g. xdp, tc, kprobe/vfs_read)");
  elf->add_option("--program", o->elf.program, "the program's function name");
  elf->add_option("--packet", o->elf.packet_file, "packets for XDP / skb programs: pcap, or hex bytes one packet a line");
  elf->add_option("--ctx", o->elf.context_hex, "context bytes (hex) for tracing programs; zeros otherwise");
  elf->add_option("--tail-call", o->elf.tail_calls, "SLOT=PROGRAM: put a program of the object in the prog array");
  elf->add_flag("--dump-maps", o->elf.dump_maps, "print the maps' non-zero entries after the run");
  set_help(cmd, {{{"bpfcert run prog.asm --mem '01 02 03 04'", "r1 = the memory, r2 = its length; prints r0"},
                  {"bpfcert run test.data", "a bpf_conformance test with its memory"},
                  {"bpfcert run --jit --unchecked prog.bin", "native code without checks: only if the verifier accepts it"},
                  {"bpfcert run prog.o --section xdp --packet pkts.pcap", "one run per packet, with a struct xdp_md"},
                  {"bpfcert run prog.bin --json -", "the run report (schema bpfcert/run/1) on standard output"}},
                 "the program returned; r0 printed as 0x and 16 hex digits",
                 "the program trapped (the trap's kind, pc and message on standard error)"});
  cmd->callback([o, exit_code, cmd] {
    if ((*exit_code = check_outputs({{"--json", o->json}})) != kExitOk) return;
    reports::RunReport report;
    report.tool_version = version();
    report.input = o->input;
    report.engine = !o->jit ? "interpreter" : o->unchecked ? "jit-unchecked" : "jit";
    std::ostream& text = text_stream({o->json});
    if (auto head = read_file(o->input); head.ok() && head->starts_with("\x7f" "ELF")) {
      if (!refuse_options(cmd, {"--mem", "--mem-file", "--syntax", "--allow-extensions", "--unchecked"},
                          "to BPF ELF objects (they run with a Linux context: --packet, --ctx)")) {
        *exit_code = kExitInput;
        return;
      }
      report.input_kind = "elf";
      o->elf.report = o->json.empty() ? nullptr : &report;
      o->elf.text = o->quiet ? nullptr : &text;
      o->elf.object = o->input;
      o->elf.max_steps = o->max_steps;
      o->elf.engine = o->jit ? "jit" : "interp";
      o->elf.dump_jit = o->dump_jit;
      *exit_code = run_elf(o->elf);
      if (!o->json.empty() && *exit_code != kExitInput && !write_output(o->json, reports::to_json_text(report))) {
        *exit_code = kExitInput;
      }
      return;
    }
    if (!refuse_options(cmd, {"--section", "--program", "--packet", "--ctx", "--tail-call", "--dump-maps"},
                        "here: IN is not a BPF ELF object")) {
      *exit_code = kExitInput;
      return;
    }
    std::vector<semantics::Error> more_errors;
    auto prog = load_program(o->input, o->syntax.empty() ? std::nullopt : semantics::syntax_from_string(o->syntax), &more_errors);
    if (!prog.ok()) {
      *exit_code = report_errors(prog.error(), more_errors);
      return;
    }
    std::vector<uint8_t> memory;
    if (!o->mem_hex.empty()) {
      auto bytes = conformance::parse_hex_bytes(o->mem_hex, "--mem");
      if (!bytes.ok()) {
        *exit_code = report_error(bytes.error());
        return;
      }
      memory = std::move(bytes.value());
    } else if (!o->mem_file.empty()) {
      auto content = read_file(o->mem_file);
      if (!content.ok()) {
        *exit_code = report_error(content.error());
        return;
      }
      memory.assign(content->begin(), content->end());
    } else if (prog->data_file) {
      memory = prog->data_file->mem;
    }
    semantics::ValidationOptions vopt;
    vopt.allow_extensions = o->allow_extensions;
    auto valid = semantics::validate(std::move(prog->insns), vopt);
    if (!valid.ok()) {
      semantics::Error e = valid.error();
      e.where.file = o->input;
      *exit_code = report_error(e);
      return;
    }
    interp::Environment env;
    if (prog->data_file) {
      auto built = conformance::build_test_environment(*prog->data_file, env);
      if (!built.ok()) {
        *exit_code = report_error(built.error());
        return;
      }
    } else {
      interp::add_standard_helpers(env);
      interp::add_test_helpers(env);
    }
    auto linked = interp::link(*valid, env);
    if (!linked.ok()) {
      semantics::Error e = linked.error();
      e.where.file = o->input;
      *exit_code = report_error(e);
      return;
    }
    // Without memory checks a bad access would fault in this process: only a program the
    // verifier proves safe for this memory, these maps and these helpers may run that way: the
    // JIT takes the verifier's permit and nothing else.
    std::optional<semantics::UncheckedPermit> permit;
    if (o->unchecked) {
      verifier::VerifierInput vin = conformance::conformance_platform_input(valid.value(), memory.size());
      if (prog->data_file) {
        auto declared = conformance::add_data_file_declarations(*prog->data_file, vin);
        if (!declared.ok()) {
          *exit_code = report_error(declared.error());
          return;
        }
      }
      auto verdict = verifier::verify(vin);
      if (!verdict.ok()) {
        *exit_code = report_error(verdict.error());
        return;
      }
      if (!verdict->accepted) {
        std::cerr << fmt::format("bpfcert: {}: refusing to run --unchecked: the verifier rejects the program "
                                 "(`bpfcert verify` with the same memory says why)\n",
                                 o->input);
        for (const verifier::Finding& f : verdict->findings) {
          if (f.severity == verifier::Severity::Error) {
            std::cerr << fmt::format("  pc {}: {}: {}\n", f.pc, f.check, f.message);
          }
        }
        *exit_code = kExitVerdict;
        return;
      }
      permit = verdict->unchecked_permit;
    }
    std::unique_ptr<interp::Engine> vm;
    if (o->jit) {
      interp::JitOptions jopt;
      jopt.safety = o->unchecked ? interp::SafetyMode::Unchecked : interp::SafetyMode::Checked;
      jopt.permit = std::move(permit);
      jopt.listing = o->dump_jit;
      auto jit = interp::Jit::compile(*linked, env, jopt);
      if (!jit.ok()) {
        *exit_code = report_error(jit.error());
        return;
      }
      if (o->dump_jit) text << jit.value()->listing();
      vm = std::move(jit.value());
    } else {
      vm = std::make_unique<interp::Interpreter>(*linked, env);
    }
    interp::RunOptions ropt;
    ropt.max_steps = o->max_steps;
    const interp::RunResult result = vm->run(interp::memory_invocation(memory), ropt);
    reports::RunOutcome outcome;
    outcome.trapped = result.trapped;
    outcome.r0 = result.r0;
    outcome.steps = result.steps;
    std::istringstream trace(env.trace_output);
    for (std::string line; std::getline(trace, line);) outcome.trace.push_back(line);
    if (!env.trace_output.empty()) std::cerr << env.trace_output;
    if (o->verbose) std::cerr << fmt::format("bpfcert: {}: {} instructions executed\n", o->input, result.steps);
    if (result.trapped) {
      outcome.trap.emplace();
      outcome.trap->kind = interp::to_string(result.trap.kind);
      outcome.trap->pc = result.trap.pc;
      outcome.trap->message = result.trap.message;
      std::cerr << "bpfcert: " << o->input << ": " << result.trap.to_string() << "\n";
    } else if (!o->quiet) {
      text << fmt::format("{:#018x}", result.r0) << "\n";
    }
    report.input_kind = to_string(prog->kind);
    report.runs.push_back(std::move(outcome));
    if (!o->json.empty() && !write_output(o->json, reports::to_json_text(report))) {
      *exit_code = kExitInput;
      return;
    }
    *exit_code = result.trapped ? kExitVerdict : kExitOk;
  });
}

}  // namespace bpfcert::cli
