// The witness search over random programs of tests/support's generator (every row of the opcode
// table, helpers, kfuncs, maps, local calls, callx, packet loads, bounded loops, planted traps)
// that the verifier rejects: whatever the executor finds must replay on the reference
// interpreter. A mismatch is a defect of the executor's model of the interpreter; the seed
// reproduces it. BPFCERT_WITNESS_PROGRAMS=N runs a longer campaign.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "tests/support/program_generator.h"
#include "verifier/conformance_platform.h"
#include "verifier/smt/witness.h"

namespace bpfcert::verifier::smt {
namespace {

// The generator's calling convention as platform data (as tests/verifier's campaign has it): the
// conformance platform's helpers and maps, with r3 = a read-only context and r4 = its size.
Platform generator_platform(size_t context_size) {
  Platform p = conformance_platform();
  p.name = "generator";
  ProgramType t = p.program_types.front();
  t.name = "generated";
  t.entry = ProgramType::Entry::MemoryAndContext;
  t.context.name = "test context";
  t.context.size = static_cast<uint32_t>(context_size);
  if (context_size > 0) {
    t.context.fields = {{"bytes", 0, static_cast<uint32_t>(context_size), true, false, std::nullopt, true}};
  }
  p.program_types = {t};
  p.combined_stack_size = 0;
  return p;
}

TEST(WitnessGenerated, WhatTheSearchFindsReplays) {
  const char* count_env = std::getenv("BPFCERT_WITNESS_PROGRAMS");
  const size_t count = count_env != nullptr ? std::strtoull(count_env, nullptr, 0) : 60;
  WitnessOptions options;
  options.timeout_seconds = 1;
  std::map<std::string, int> counts;
  size_t rejected = 0;
  double seconds = 0, slowest = 0;
  int searches = 0;
  for (uint64_t seed = 1; seed <= count; ++seed) {
    test_support::GeneratorOptions opt;
    opt.seed = seed;
    opt.traps = seed % 2 == 0;  // planted traps give findings that are real
    opt.snippets = 8 + seed % 16;
    const test_support::GeneratedProgram g = test_support::generate(opt);
    semantics::ValidationOptions vo;
    vo.allow_extensions = true;
    auto prog = semantics::validate(g.insns, vo);
    ASSERT_TRUE(prog.ok()) << "seed " << seed;
    const Platform platform = generator_platform(g.context.size());
    VerifierInput in;
    in.program = &prog.value();
    in.platform = &platform;
    in.program_type = "generated";
    in.memory_size = g.memory.size();
    for (const test_support::MapSpec& m : g.maps) {
      in.maps.push_back({m.def.name, static_cast<uint32_t>(m.def.type), m.def.key_size, m.def.value_size,
                         m.def.max_entries, m.fd});
    }
    for (const test_support::VariableSpec& v : g.variables) in.variables.push_back({v.id, v.name, static_cast<uint32_t>(v.size)});
    auto r = verify(in);
    ASSERT_TRUE(r.ok()) << "seed " << seed;
    if (r->accepted) continue;
    ++rejected;
    const std::vector<Witness> ws = find_witnesses(in, *r, options);
    for (size_t i = 0; i < ws.size(); ++i) {
      if (r->findings[i].severity != Severity::Error) continue;
      const Witness& w = ws[i];
      ++counts[to_string(w.status)];
      if (std::getenv("BPFCERT_WITNESS_VERBOSE") != nullptr && w.status == WitnessStatus::NotConfirmed) {
        std::printf("seed %llu: %s pc %lld: %s\n", static_cast<unsigned long long>(seed), to_string(w.check),
                    static_cast<long long>(w.pc), w.reason.c_str());
      }
      EXPECT_FALSE(w.replay_mismatch) << "seed " << seed << ": " << w.check << " at pc " << w.pc << ": " << w.reason
                                      << "\n"
                                      << g.listing();
      EXPECT_LT(w.stats.seconds, options.timeout_seconds + 2) << "seed " << seed;
      if (w.status != WitnessStatus::NotApplicable) {
        ++searches;
        seconds += w.stats.seconds;
        slowest = std::max(slowest, w.stats.seconds);
      }
    }
  }
  EXPECT_GT(counts["confirmed"], 0);
  std::printf("generated: %zu programs, %zu rejected: %d confirmed, %d not confirmed, %d not applicable; %d searches, "
              "%.1f ms on average, slowest %.3f s\n",
              count, rejected, counts["confirmed"], counts["not_confirmed"], counts["not_applicable"], searches,
              searches ? 1e3 * seconds / searches : 0.0, slowest);
}

}  // namespace
}  // namespace bpfcert::verifier::smt
