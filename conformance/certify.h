// Certification and profile: from the outcomes of a run (or of merged shards), the verdict per
// conformance group, ISA version and check, and the profile of the VM: what it fully supports,
// what it refuses wholesale, where it is wrong, and the largest claim the run certifies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/conformance_report.h"
#include "semantics/diagnostic.h"

namespace bpfcert::conformance {

// Claimed checks from --checks ("all", "none", "traps", "rejects", or check ids such as
// "trap:out-of-bounds" and "reject:unknown-opcode", comma-separated). Unknown names are a usage
// error.
semantics::Result<std::vector<std::string>> claimed_checks(const std::optional<std::string>& list);
// Whether a check ("trap:out-of-bounds") is among the claimed ones.
bool check_claimed(const std::vector<std::string>& claims, const std::string& check);

// Fills the report's verdicts (groups, versions, checks) and its profile from its tests and
// claims. An unreadable test could belong to any group, version or check: it keeps every one of
// them from being certified.
void certify(reports::ConformanceReport& report);

}  // namespace bpfcert::conformance
