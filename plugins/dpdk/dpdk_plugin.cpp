// bpfcert-dpdk-plugin: DPDK's eBPF VM (librte_bpf) as a bpf_conformance plugin, so that
// `bpfcert conform --target plugin` certifies its interpreter and, with --jit, its x86-64 JIT.
//
//   bpfcert-dpdk-plugin [MEM] [--jit] [--debug]     program hex on stdin, r0 hex on stdout
//
// librte_bpf needs no EAL initialisation: rte_bpf_load() validates and (on x86-64) compiles the
// program, rte_bpf_exec() interprets it, rte_bpf_get_jit() returns the compiled function. The
// test's memory is the program's one argument (RTE_BPF_ARG_PTR of its size) and arrives in r1.
// What DPDK cannot follow of the plugin convention, and bpfcert is told with
// --plugin-abi no-r2,packet-mbuf:
//   - only r1 and r10 are set: r2 (the memory's length) is not, and the validator refuses a
//     program that reads it;
//   - legacy packet loads (LD ABS / IND) read the rte_mbuf in r6, which the plugin cannot give.
// Failures are marked for bpfcert's runner: "load: <DPDK's message>" when rte_bpf_load() refuses
// the program, "run: <message>" when the interpreter logged an error while running it (DPDK
// then returns 0 from the whole program, e.g. on a division by zero).
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace {

// "aa  bb  11  " (the protocol's format; any whitespace, optional 0x) to bytes.
std::optional<std::vector<uint8_t>> parse_hex(const std::string& text) {
  std::vector<uint8_t> out;
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    if (text.compare(i, 2, "0x") == 0) i += 2;
    if (i + 1 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
      return std::nullopt;
    }
    out.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

// DPDK reports why it refused a program through its log: capture it in memory.
class LogCapture {
 public:
  LogCapture() {
    stream_ = open_memstream(&buffer_, &size_);
    if (stream_ != nullptr) rte_openlog_stream(stream_);
  }
  ~LogCapture() {
    if (stream_ != nullptr) {
      rte_openlog_stream(nullptr);
      std::fclose(stream_);
    }
    std::free(buffer_);
  }
  // Everything logged so far.
  std::string text() {
    if (stream_ == nullptr) return "";
    std::fflush(stream_);
    return std::string(buffer_, size_);
  }

 private:
  FILE* stream_ = nullptr;
  char* buffer_ = nullptr;
  size_t size_ = 0;
};

// The last non-empty line of a log excerpt, which holds the validator's reason.
std::string last_line(const std::string& log) {
  size_t end = log.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(log[end - 1]))) --end;
  const size_t start = log.rfind('\n', end == 0 ? 0 : end - 1);
  return log.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}

int fail(const char* stage, const std::string& message) {
  std::printf("%s %s\n", stage, message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mem_text;
  bool jit = false, debug = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--jit") {
      jit = true;
    } else if (arg == "--debug") {
      debug = true;
    } else if (arg == "--elf") {
      return fail("load:", "bpfcert-dpdk-plugin: ELF input is not supported; send the program as hex");
    } else if (i == 1 && !arg.starts_with("--")) {
      mem_text = arg;
    }  // other options are bpf_conformance's business: ignored, as its plugins do
  }
  const std::string program_text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  const auto code = parse_hex(program_text);
  const auto memory_bytes = parse_hex(mem_text);
  if (!code || !memory_bytes) return fail("load:", "bpfcert-dpdk-plugin: malformed hex input");
  if (code->empty() || code->size() % sizeof(ebpf_insn) != 0) {
    return fail("load:", "bpfcert-dpdk-plugin: the program is not a whole number of 8-byte instructions");
  }
  std::vector<ebpf_insn> insns(code->size() / sizeof(ebpf_insn));
  std::memcpy(insns.data(), code->data(), code->size());
  // The memory the program may touch: exactly the test's bytes (a VM reading past them is a
  // bug the run must see), in a buffer of its own.
  std::vector<uint8_t> memory = *memory_bytes;
  uint8_t none = 0;
  void* ctx = memory.empty() ? &none : memory.data();

  LogCapture log;
  rte_bpf_prm prm{};
  prm.ins = insns.data();
  prm.nb_ins = static_cast<uint32_t>(insns.size());
  prm.prog_arg.type = RTE_BPF_ARG_PTR;
  prm.prog_arg.size = memory.size();
  rte_bpf* bpf = rte_bpf_load(&prm);
  const std::string load_log = log.text();
  if (debug) std::fputs(load_log.c_str(), stderr);
  if (bpf == nullptr) {
    const std::string why = last_line(load_log);
    return fail("load:", why.empty() ? std::string("rte_bpf_load: ") + std::strerror(rte_errno) : why);
  }
  uint64_t r0 = 0;
  if (jit) {
    rte_bpf_jit compiled{};
    if (rte_bpf_get_jit(bpf, &compiled) != 0 || compiled.func == nullptr) {
      rte_bpf_destroy(bpf);
      return fail("load:", "DPDK's JIT did not compile this program");
    }
    r0 = compiled.func(ctx);
  } else {
    r0 = rte_bpf_exec(bpf, ctx);
  }
  rte_bpf_destroy(bpf);
  const std::string run_log = log.text().substr(load_log.size());
  if (debug) std::fputs(run_log.c_str(), stderr);
  if (!last_line(run_log).empty()) return fail("run:", last_line(run_log));
  std::printf("%" PRIx64 "\n", r0);
  return 0;
}
