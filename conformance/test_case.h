// A conformance test: a .data file read, its program assembled, and what is derived from the
// opcode table rows it uses (conformance groups, ISA version, encodings), never from a second
// list. Also finding the tests under --tests paths.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/data_file.h"
#include "semantics/diagnostic.h"
#include "semantics/opcode_table.h"
#include "semantics/program.h"

namespace bpfcert::conformance {

enum class ExpectKind {
  None,       // no result, no error, no expectation: bpf_conformance skips such files, so do we
  Result,     // r0 ("-- result", or "# @bpfcert expect result=" for platform tests)
  ErrorText,  // "-- error": the program must fail; the text is the plugin's own message
  Reject,     // "# @bpfcert expect reject=<error code>": a conforming loader rejects the program
  Trap,       // "# @bpfcert expect trap=<trap kind>": the reference VM stops the program
};
std::string_view to_string(ExpectKind k);  // "", "result", "error", "reject", "trap"

struct TestCase {
  std::string name;    // below the --tests root, without ".data": "alu32/add32_imm_one_plus_one"
  std::string path;    // as found on disk
  std::string family;  // first folder of name, or ""
  DataFile file;
  std::vector<semantics::Insn> insns;

  ExpectKind expect = ExpectKind::None;
  uint64_t expected_r0 = 0;
  std::string expected_text;  // error text, error code or trap kind
  std::optional<uint64_t> max_steps;
  // Why the file cannot be run although it is well-formed (a section bpfcert does not read,
  // such as bpf_conformance's newer "-- map"); such tests are SKIP, as their runner skips
  // files with sections it does not know.
  std::string unsupported;

  // Derived from the table rows of the instructions (for an invalid slot, from the rows that
  // share its opcode byte).
  std::set<semantics::Group> groups;
  // Extension groups whose claim makes this invalid program valid (a test that 0xe5 is rejected
  // is void for a run that claims may_goto): the test runs only when the run claims none of them.
  std::set<semantics::Group> valid_with;
  semantics::IsaVersion version = semantics::IsaVersion::V1;
  std::vector<const semantics::Encoding*> encodings;  // distinct, in table order
  // The test needs the bpfcert test platform: declared maps or variables, helpers, kfuncs or
  // map / variable LDDWs, or an "expect result=" directive. The plugin protocol cannot carry these.
  bool needs_platform = false;

  // The reference validator's error code when the program is invalid, "" when it is valid. It
  // tells what a "-- error" test checks: the rejection of an invalid program, or a run-time stop.
  std::string reference_rejection;
  // The check a test that expects the program to fail exercises, claimable apart from the
  // instruction groups (a VM that relies on a verifier makes no run-time checks):
  // "trap:<kind>", "reject:<error code>", or "trap" for a "-- error" test of a valid program.
  // Empty for tests that expect a result.
  std::string check;

  // Expected value as the report prints it: r0 in hex, or the text / code / kind.
  std::string expected_string() const;
};

// Check families: "trap:<kind>" and "trap" are run-time checks, "reject:<code>" load-time ones.
inline constexpr std::string_view kTrapChecks = "traps";
inline constexpr std::string_view kRejectChecks = "rejects";
std::string_view check_family(std::string_view check);  // "traps" or "rejects"

// Reads and derives one test. `name` is how reports call it. Errors are file problems (bad
// sections, unassemblable asm, unknown directives values), reported as ERROR by the runner.
semantics::Result<TestCase> load_test_case(const std::string& path, const std::string& name);

struct TestFile {
  std::string path;
  std::string name;
};

// Every .data file under the given files and folders (recursively), sorted by name; names are
// relative to the folder given (a file given directly is named by its stem). Fails when a path
// does not exist or two files would share a name.
semantics::Result<std::vector<TestFile>> find_tests(const std::vector<std::string>& paths);

// Groups and version of a slot sequence (used by load_test_case and the coverage report).
void derive_groups(const std::vector<semantics::Insn>& insns, std::set<semantics::Group>& groups,
                   semantics::IsaVersion& version, std::vector<const semantics::Encoding*>& encodings);

// The groups a test's verdict counts toward: base32 only when it uses nothing else, base64 only
// when nothing but base groups (a divmul64 test that loads values with lddw certifies divmul64).
std::vector<semantics::Group> certified_groups(const std::set<semantics::Group>& groups);

}  // namespace bpfcert::conformance
