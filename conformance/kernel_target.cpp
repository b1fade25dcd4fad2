#include "conformance/kernel_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <linux/bpf.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "conformance/test_environment.h"
#include "interp/environment.h"
#include "interp/helpers.h"
#include "loader/kernel.h"

namespace bpfcert::conformance {

namespace {

using loader::kernel::Fd;
using semantics::Insn;

constexpr Insn op(uint8_t opcode, uint8_t dst, uint8_t src, int16_t off, int32_t imm) { return Insn{opcode, dst, src, off, imm}; }

// The result map holds {r0, written}: the epilogue sets written = 1; a program that ended
// another way (a legacy packet load out of bounds) leaves it 0 and its 32-bit retval counts.
constexpr uint32_t kResultValueSize = 16;

// Which loader policy a verifier message stands for (OPCODES.md §4: "Linux rejects ...").
std::string classify(const std::string& reason) {
  auto has = [&](const char* s) { return reason.find(s) != std::string::npos; };
  if (has("div by zero")) return "constant division by zero refused at load time (the ISA defines x / 0 = 0, x % 0 = x)";
  if (has("invalid shift")) return "immediate shift count >= width refused at load time (the ISA masks the count)";
  if (has("unknown opcode 8d")) return "callx (0x8d, not in RFC 9669) unknown to Linux";
  if (has("unreachable insn")) return "unreachable instructions refused";
  if (has("infinite loop") || has("back-edge") || has("too large") || has("sequence of")) {
    return "the verifier requires proven termination";
  }
  if (has("jump out of range") || has("jump to/from subprog") || has("func#") || has("call to invalid destination") ||
      has("last insn is not an exit or jmp")) {
    return "subprogram layout rules (calls and jumps may not cross function boundaries)";
  }
  if (has("invalid access to packet") || has("invalid mem access") || has("invalid read from stack") ||
      has("invalid write to stack") || has("invalid stack off") || has("outside of the allowed memory range") ||
      has("min value is") || has("max value is") || has("invalid access to map value") || has("invalid bpf_context") ||
      has("pointer arithmetic") || has("R1 type=scalar")) {
    return "memory access the verifier cannot prove in bounds (the reference VM checks it at run time)";
  }
  if (has("BPF_ATOMIC loads from") || has("BPF_ATOMIC stores into")) {
    return "atomic operations (load-acquire and store-release too) on packet memory refused (Linux allows them on the "
           "stack and map values only)";
  }
  if (has("addr_space_cast insn can only be used")) return "addr_space_cast refused in a program without an arena map";
  if (has("call stack of")) return "recursion refused: the verifier cannot bound the depth of recursive calls";
  if (has("!read_ok")) return "reading a register the verifier considers uninitialised";
  if (has("invalid func") || has("unknown func")) return "helper unknown to Linux";
  if (has("misaligned")) return "misaligned access refused";
  if (has("reserved fields") || has("unknown opcode") || has("invalid bpf_ld_imm64") || has("BPF_LDX uses reserved") ||
      has("invalid BPF_LD_IMM") || has("frame pointer is read only") || has("R10 is read only")) {
    return "invalid encoding refused";
  }
  return "other: " + reason;
}

struct Loaded {
  Fd prog;
  std::string error;  // the verifier's reason when prog is invalid
};

Loaded load(bpf_prog_type type, const std::vector<Insn>& insns, const std::vector<int>& fd_array) {
  loader::kernel::ProgramLoad request;
  request.prog_type = type;
  request.name = "bpfcert_test";
  request.insns.resize(insns.size());
  for (size_t i = 0; i < insns.size(); ++i) {
    const auto bytes = semantics::encode(insns[i]);
    std::memcpy(&request.insns[i], bytes.data(), sizeof(bpf_insn));
  }
  request.fd_array = fd_array;
  request.full_log_on_rejection = true;  // the two last lines of the full log explain a refusal
  loader::kernel::LoadedProgram loaded = loader::kernel::load_program(request);
  Loaded out;
  out.prog = std::move(loaded.fd);
  if (out.prog.valid()) return out;
  const std::string tail = loader::kernel::log_tail(loaded.verdict.log, 2);
  out.error = tail.empty() ? fmt::format("bpf(BPF_PROG_LOAD): {}", std::strerror(loaded.verdict.error)) : tail;
  return out;
}

}  // namespace

KernelTarget::KernelTarget() {
  utsname u{};
  if (::uname(&u) == 0) description_ = fmt::format("Linux {} {} (bpf() + BPF_PROG_TEST_RUN)", u.release, u.machine);
  if (!loader::kernel::loading_available(nullptr)) {
    const int err = errno;
    unavailable_ = fmt::format("bpf() refused ({}): running BPF programs needs CAP_BPF and CAP_PERFMON or root, "
                               "and a kernel with BPF_PROG_TEST_RUN",
                               std::strerror(err));
  }
}

std::vector<std::string> KernelTarget::notes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (auto& [policy, tests] : policies_) {
    std::sort(tests.begin(), tests.end());
    out.push_back(fmt::format("kernel differs from the ISA on {} test(s): {}: {}", tests.size(), policy, fmt::join(tests, ", ")));
  }
  return out;
}

TestRun KernelTarget::run(const TestCase& test, const RunSettings&) const {
  using semantics::CallKind;
  using semantics::Kind;
  using semantics::LddwKind;
  // What the kernel cannot be asked: bpfcert's test helpers and kfuncs, platform variables.
  bool packet = false;
  for (size_t pc = 0; pc < test.insns.size(); ++pc) {
    const Insn& insn = test.insns[pc];
    const semantics::Encoding* row = semantics::find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    if (row == nullptr) continue;
    if (row->kind == Kind::Call && row->call_kind() == CallKind::Kfunc) {
      return {Outcome::Skipped, "calls a bpfcert test kfunc (CALL src 2): Linux kfuncs are kernel BTF ids", ""};
    }
    if (row->kind == Kind::Call && row->call_kind() == CallKind::Helper && (insn.imm < 1 || insn.imm > 3) &&
        test.expect != ExpectKind::Reject) {
      return {Outcome::Skipped, fmt::format("calls helper {}: only the map helpers 1-3 behave alike on Linux", insn.imm), ""};
    }
    if (row->kind == Kind::LoadImm64 && row->lddw_kind() == LddwKind::VarAddr && test.expect != ExpectKind::Reject) {
      return {Outcome::Skipped, "LDDW src 3 names a platform variable; on Linux it is a kernel BTF id", ""};
    }
    if (row->kind == Kind::PacketLoad) packet = true;
    if (row->kind == Kind::LoadImm64) ++pc;
  }
  if (test.needs_platform && test.file.find("map").empty() && test.expect == ExpectKind::Result) {
    // e.g. callx to helper 1000: the platform's test helper.
    bool only_maps = true;
    for (const semantics::Encoding* e : test.encodings) only_maps = only_maps && e->kind != Kind::Call;
    if (!only_maps) return {Outcome::Skipped, "needs bpfcert's test helpers", ""};
  }

  // Maps: the test's declarations become kernel maps; fds and indices are patched in.
  interp::Environment env;
  auto built = build_test_environment(test.file, env);
  if (!built.ok()) return {Outcome::Error, built.error().to_string(), ""};
  std::vector<Fd> maps;
  std::vector<int> fd_array;
  std::map<int32_t, int> fd_of;  // test fd -> kernel fd
  for (size_t i = 0; i < env.map_count(); ++i) {
    const interp::Map& m = env.map_at(i);
    bpf_map_type type;
    if (m.def().type == interp::MapType::Array) {
      type = BPF_MAP_TYPE_ARRAY;
    } else if (m.def().type == interp::MapType::Hash) {
      type = BPF_MAP_TYPE_HASH;
    } else {
      return {Outcome::Skipped, fmt::format("map type {} is not compared with Linux", interp::to_string(m.def().type)), ""};
    }
    auto created = loader::kernel::create_map(type, m.def().key_size, m.def().value_size, m.def().max_entries, 0,
                                              "bpfcert_map");
    if (!created.ok()) return {Outcome::Error, fmt::format("bpf(BPF_MAP_CREATE): {}", std::strerror(errno)), ""};
    Fd fd = std::move(created.value());
    for (const auto& [key, value] : m.entries()) {
      if (!loader::kernel::update_element(fd.get(), key.data(), value)) {
        return {Outcome::Error, fmt::format("bpf(BPF_MAP_UPDATE_ELEM): {}", std::strerror(errno)), ""};
      }
    }
    if (const auto tfd = env.map_fd(i)) fd_of[*tfd] = fd.get();
    fd_array.push_back(fd.get());
    maps.push_back(std::move(fd));
  }
  std::vector<Insn> body = test.insns;
  for (size_t pc = 0; pc < body.size(); ++pc) {
    Insn& insn = body[pc];
    if (insn.opcode != 0x18) continue;
    if ((insn.src == BPF_PSEUDO_MAP_FD || insn.src == BPF_PSEUDO_MAP_VALUE) && fd_of.count(insn.imm)) {
      insn.imm = fd_of[insn.imm];
    }
    ++pc;
  }

  const bpf_prog_type type = packet ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
  if (test.expect == ExpectKind::Reject) {
    // The program as it is: a conforming loader must refuse it.
    Loaded l = load(type, body, fd_array);
    if (!l.prog.valid()) return judge_refusal(test, "kernel verifier: " + l.error, "", false);
    std::lock_guard lock(mutex_);
    policies_["accepts an encoding RFC 9669 makes invalid"].push_back(test.name);
    return {Outcome::AcceptedInvalid, fmt::format("the kernel accepted a program that must be rejected ({})", test.expected_text),
            "accepted"};
  }

  auto created_result = loader::kernel::create_map(BPF_MAP_TYPE_ARRAY, 4, kResultValueSize, 1, 0, "bpfcert_r0");
  if (!created_result.ok()) return {Outcome::Error, fmt::format("bpf(BPF_MAP_CREATE): {}", std::strerror(errno)), ""};
  Fd result = std::move(created_result.value());

  // Functions start at local call and code address targets; the main function ends at the first.
  size_t main_end = body.size();
  for (size_t pc = 0; pc < body.size(); ++pc) {
    const semantics::Encoding* row = semantics::find_encoding(body[pc].opcode, body[pc].src, body[pc].off, body[pc].imm);
    if (row == nullptr) continue;
    const bool call = row->kind == Kind::Call && row->call_kind() == CallKind::Local;
    const bool code = row->kind == Kind::LoadImm64 && row->lddw_kind() == LddwKind::CodeAddr;
    if (call || code) {
      const int64_t t = semantics::branch_target(body[pc], *row, pc);
      if (t > 0 && static_cast<size_t>(t) < main_end) main_end = static_cast<size_t>(t);
    }
    if (row->kind == Kind::LoadImm64) ++pc;
  }
  const auto len = static_cast<int32_t>(test.file.mem.size());
  std::vector<Insn> prologue;
  if (packet) {
    // Socket filters: legacy packet loads read the skb in r6; no direct memory access.
    prologue = {op(0xbf, 6, 1, 0, 0), op(0xb7, 1, 0, 0, 0), op(0xb7, 2, 0, 0, len), op(0xb7, 3, 0, 0, 0)};
  } else {
    // XDP: r1 = data, checked once against data_end so the verifier knows [r1, r1 + len) is
    // readable and writable; r2 = len.
    prologue = {op(0x61, 2, 1, 4, 0),   op(0x61, 1, 1, 0, 0), op(0xbf, 3, 1, 0, 0), op(0x07, 3, 0, 0, len),
                op(0x2d, 3, 2, 3, 0),   op(0xb7, 2, 0, 0, len), op(0xb7, 3, 0, 0, 0), op(0x05, 0, 0, 2, 0),
                op(0xb7, 0, 0, 0, 0),   op(0x95, 0, 0, 0, 0)};
  }
  const std::vector<Insn> epilogue = {op(0x18, 1, BPF_PSEUDO_MAP_VALUE, 0, result.get()), op(0, 0, 0, 0, 0),
                                      op(0x7b, 1, 0, 0, 0),  // *(u64 *)(r1 + 0) = r0
                                      op(0x7a, 1, 0, 8, 1),  // *(u64 *)(r1 + 8) = 1
                                      op(0xb7, 0, 0, 0, 0), op(0x95, 0, 0, 0, 0)};
  const size_t P = prologue.size(), E = epilogue.size();
  auto moved = [&](int64_t old_pc) { return old_pc + static_cast<int64_t>(P) + (old_pc >= static_cast<int64_t>(main_end) ? static_cast<int64_t>(E) : 0); };
  std::vector<Insn> prog = prologue;
  const int64_t epilogue_at = static_cast<int64_t>(main_end + P);
  for (size_t pc = 0; pc < body.size(); ++pc) {
    if (pc == main_end) prog.insert(prog.end(), epilogue.begin(), epilogue.end());
    Insn insn = body[pc];
    const int64_t here = moved(static_cast<int64_t>(pc));
    const semantics::Encoding* row = semantics::find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    if (row != nullptr && row->kind == Kind::Exit && pc < main_end) {
      const int64_t rel = epilogue_at - here - 1;
      insn = rel >= INT16_MIN && rel <= INT16_MAX ? op(0x05, 0, 0, static_cast<int16_t>(rel), 0)
                                                   : op(0x06, 0, 0, 0, static_cast<int32_t>(rel));
    } else if (row != nullptr && semantics::has_branch_target(*row)) {
      const int64_t rel = moved(semantics::branch_target(insn, *row, pc)) - here - 1;
      if (semantics::branch_target_in_imm(*row)) {
        insn.imm = static_cast<int32_t>(rel);
      } else if (rel >= INT16_MIN && rel <= INT16_MAX) {
        insn.off = static_cast<int16_t>(rel);
      } else {
        return {Outcome::Error, "cannot relocate a jump for the kernel prologue", ""};
      }
    }
    prog.push_back(insn);
  }
  if (main_end == body.size()) prog.insert(prog.end(), epilogue.begin(), epilogue.end());

  fd_array.insert(fd_array.begin(), result.get());  // keeps src 5/6 indices: shift them by one
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    if (prog[pc].opcode == 0x18 && (prog[pc].src == BPF_PSEUDO_MAP_IDX || prog[pc].src == BPF_PSEUDO_MAP_IDX_VALUE)) {
      prog[pc].imm += 1;
    }
    if (prog[pc].opcode == 0x18) ++pc;
  }
  Loaded l = load(type, prog, fd_array);
  if (!l.prog.valid()) {
    TestRun r = judge_refusal(test, "kernel verifier: " + l.error, "", false);
    if (r.outcome == Outcome::Refused) {
      std::lock_guard lock(mutex_);
      policies_[classify(l.error)].push_back(test.name);
    }
    r.actual = "rejected at load: " + l.error;
    return r;
  }
  std::vector<uint8_t> data;
  if (packet) data.assign(14, 0);  // the Ethernet header the socket filter's skb starts after
  data.insert(data.end(), test.file.mem.begin(), test.file.mem.end());
  if (data.size() < 14) data.resize(14, 0);  // BPF_PROG_TEST_RUN wants at least an Ethernet header
  const auto retval = loader::kernel::test_run(l.prog.get(), data);
  if (!retval) return {Outcome::Error, fmt::format("bpf(BPF_PROG_TEST_RUN): {}", std::strerror(errno)), ""};
  uint8_t value[kResultValueSize] = {};
  const uint32_t key = 0;
  if (!loader::kernel::lookup_element(result.get(), &key, value)) {
    return {Outcome::Error, fmt::format("reading r0 back: {}", std::strerror(errno)), ""};
  }
  uint64_t r0 = 0, written = 0;
  std::memcpy(&r0, value, 8);
  std::memcpy(&written, value + 8, 8);
  if (written == 0) r0 = *retval;
  TestRun r = judge_result(test, r0);
  if (is_failure(r.outcome)) {
    std::lock_guard lock(mutex_);
    policies_[test.expect == ExpectKind::Trap ? "ran a program the reference VM stops with a trap"
                                              : "different result at run time"]
        .push_back(test.name);
  }
  return r;
}

}  // namespace bpfcert::conformance
