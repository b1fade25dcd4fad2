// bpfcert plugin: bpfcert's own engines as a bpf_conformance plugin, so bpf_conformance's
// runner (or ours, with --target plugin) can certify them. Protocol
// (../shared/formats/bpf_conformance-compat.md): argv[1] is the memory in hex when the test has
// one, stdin is the program in hex; prints r0 in hex and exits 0, or prints why and exits 1,
// the message marked "load:" (the program was not accepted) or "run:" (it trapped), which
// bpfcert's runner reads to tell a refusal from a run-time stop.
#include <fmt/format.h>

#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "conformance/data_file.h"
#include "interp/engine.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"

namespace bpfcert::cli {

void add_plugin_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "plugin", "Run one program as a bpf_conformance plugin: [MEM] on the command line, program hex on stdin");
  struct Options {
    std::string mem;
    bool jit = false, elf = false, debug = false, version = false;
    uint64_t max_steps = interp::kDefaultMaxSteps;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("MEM", o->mem, "input memory as hex bytes (\"aa  bb  \"); r1 = its address, r2 = its length");
  cmd->add_flag("--jit", o->jit, "run on the JIT instead of the reference interpreter");
  cmd->add_flag("--elf", o->elf, "stdin holds an ELF object (bpf_conformance --elf): not supported");
  cmd->add_flag("--debug", o->debug, "print the disassembly to stderr");
  // bpf_conformance never passes it; without it `bpfcert-plugin --version` would run stdin.
  cmd->add_flag("-V,--version", o->version, "print the version and exit without running anything");
  cmd->add_option("--max-steps", o->max_steps, "instruction budget")->capture_default_str();
  // bpf_conformance passes its --plugin_options through; unknown ones must not abort a run.
  cmd->allow_extras();
  set_help(cmd, {{{"echo 'b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00' | bpfcert plugin", "prints 2a"},
                  {"echo '61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00' | bpfcert plugin '01 02 03 04'", "r0 = *(u32 *)mem"},
                  {"bpfcert conform --target plugin --plugin build/cli/bpfcert-plugin", "bpfcert certifying itself as a plugin"}},
                 "the program ran; r0 printed in hex",
                 "the program trapped or is invalid (the message on standard output, as bpf_conformance reads it)"});
  cmd->callback([o, exit_code] {
    // Messages go to stdout (bpf_conformance compares the failure message from stdout).
    auto fail = [&](const std::string& message, int code) {
      std::cout << message << "\n";
      *exit_code = code;
    };
    if (o->version) {
      std::cout << "bpfcert-plugin " << version() << "\n";
      *exit_code = kExitOk;
      return;
    }
    if (o->elf) return fail("bpfcert plugin: ELF input (--elf) is not supported; send the program as hex", kExitInput);
    const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    auto bytes = conformance::parse_hex_bytes(text, "stdin");
    if (!bytes.ok()) return fail("bpfcert plugin: " + bytes.error().message, kExitInput);
    auto memory = conformance::parse_hex_bytes(o->mem, "memory");
    if (!memory.ok()) return fail("bpfcert plugin: " + memory.error().message, kExitInput);
    auto insns = semantics::decode_bytes(*bytes, "stdin");
    if (!insns.ok()) return fail("load: " + insns.error().to_string(), kExitVerdict);
    semantics::ValidationOptions vopt;
    vopt.allow_extensions = true;  // callx: bpf_conformance's callx group decides whether it is claimed
    auto valid = semantics::validate(std::move(insns.value()), vopt);
    if (!valid.ok()) return fail("load: " + valid.error().to_string(), kExitVerdict);
    if (o->debug) {
      semantics::DisassembleOptions dopt;
      dopt.show_pc = true;
      std::cerr << semantics::disassemble(valid->insns, dopt);
    }
    interp::Environment env;
    interp::add_standard_helpers(env);
    interp::add_test_helpers(env);
    auto linked = interp::link(*valid, env);
    if (!linked.ok()) return fail("load: " + linked.error().to_string(), kExitVerdict);
    auto engine = interp::make_engine(o->jit ? interp::EngineKind::Jit : interp::EngineKind::Interpreter, *linked, env);
    if (!engine.ok()) return fail(fmt::format("load: bpfcert plugin: {}", engine.error().message), kExitVerdict);
    interp::RunOptions ropt;
    ropt.max_steps = o->max_steps;
    const interp::RunResult r = (*engine)->run(interp::memory_invocation(*memory), ropt);
    if (r.trapped) return fail("run: " + r.trap.to_string(), kExitVerdict);
    std::cout << fmt::format("{:x}", r.r0) << "\n";
    *exit_code = kExitOk;
  });
}

}  // namespace bpfcert::cli
