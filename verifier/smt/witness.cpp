// Per finding: which violations its check stands for (or why no input can show it), the search,
// the model turned into the interpreter's input, and the replay that decides "confirmed".
#include "verifier/smt/witness.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "verifier/smt/symbolic_executor.h"
#include "verifier/smt/witness_replay.h"

namespace bpfcert::verifier::smt {

using detail::Violation;
using detail::ViolationSet;

const char* to_string(WitnessStatus s) {
  switch (s) {
    case WitnessStatus::Confirmed: return "confirmed";
    case WitnessStatus::NotConfirmed: return "not_confirmed";
    case WitnessStatus::NotApplicable: return "not_applicable";
  }
  return "not_applicable";
}

std::string hex_bytes(const std::vector<uint8_t>& bytes) {
  std::string s;
  for (size_t i = 0; i < bytes.size(); ++i) s += fmt::format("{}{:02x}", i == 0 ? "" : " ", bytes[i]);
  return s;
}

namespace {

struct CheckModel {
  ViolationSet violations;  // empty: not applicable
  const char* reason = "";
};

// What a check's finding means at run time. Checks that are rules of the program's structure or
// of the pointer discipline have no input that shows them: the reference VM runs such code
// without trapping, or the rule holds for every input alike.
CheckModel check_model(CheckId check) {
  switch (check) {
    case CheckId::MemBounds: return {{Violation::Bounds, Violation::ObjectBounds}};
    case CheckId::MemNull: return {{Violation::Null}};
    // Through a scalar, null, or a pointer that cannot be dereferenced (data_end: the VM's
    // packet ends there, so any access through it is out of bounds).
    case CheckId::MemType: return {{Violation::Type, Violation::Null, Violation::Bounds}};
    case CheckId::MemReadonly: return {{Violation::ReadOnly}};
    case CheckId::HelperArg:
      return {{Violation::HelperArg, Violation::Bounds, Violation::ObjectBounds, Violation::Null, Violation::Type}};
    case CheckId::StackUninit: return {{Violation::StackUninit}};
    case CheckId::RegUninit: return {{Violation::RegUninit}};
    case CheckId::ExitR0: return {{Violation::ExitR0}};
    case CheckId::LoopUnbounded:
      return {{}, "non-termination has no finite witness: a bounded search can only show iterations up to its depth"};
    case CheckId::CfgJump:
    case CheckId::CfgUnreachable:
    case CheckId::LoopIrreducible: return {{}, "a property of the control-flow graph, the same for every input"};
    case CheckId::CallDepth:
    case CheckId::CallRecursion:
    case CheckId::CallIndirect:
    case CheckId::FrameSize: return {{}, "a limit on the call structure or stack use, the same for every input"};
    case CheckId::HelperUnknown:
    case CheckId::InsnForbidden:
    case CheckId::MapUnknown:
    case CheckId::MapDirectValue:
      return {{}, "the instruction is not allowed for this program or platform whatever the input"};
    case CheckId::PtrArith:
    case CheckId::PtrCompare:
    case CheckId::PtrPartial:
    case CheckId::PtrLeak:
    case CheckId::ExitStackPointer:
    case CheckId::RefLeak:
    case CheckId::RefReleased:
      return {{}, "a rule of the pointer discipline: the reference VM runs such code without trapping"};
    case CheckId::CtxAccess:
      return {{}, "a rule of the context's layout: the reference VM's context has no per-field checks"};
    case CheckId::AnalysisBudget: return {{}, "the analysis gave up: there is no claim to witness"};
    case CheckId::ProgramType: return {{}, "the program's type is not modelled: there is no claim to witness"};
  }
  return {{}, "no run-time meaning is modelled for this check"};
}

const char* violation_text(Violation v) {
  switch (v) {
    case Violation::Bounds: return "an access outside its region";
    case Violation::ObjectBounds:
      return "an access outside the map value or stack frame its pointer came from (into memory the reference VM "
             "lets it touch, so it does not trap)";
    case Violation::Null: return "an access through null";
    case Violation::Type: return "an access through a scalar";
    case Violation::ReadOnly: return "a store into read-only memory";
    case Violation::HelperArg: return "a helper argument its implementation refuses";
    case Violation::StackUninit: return "a read of unwritten stack bytes";
    case Violation::RegUninit: return "a read of an unwritten register";
    case Violation::ExitR0: return "an exit value outside the program type's rules";
  }
  return "a violation";
}

class Extractor {
 public:
  Extractor(z3::context& ctx, const z3::model& m) : ctx_(ctx), m_(m) {}
  uint64_t u64(const z3::expr& e) const {
    const z3::expr v = m_.eval(e, true);
    uint64_t out = 0;
    if (v.is_numeral() && v.is_numeral_u64(out)) return out;
    return 0;
  }
  uint8_t byte(const z3::expr& array, uint64_t offset) const {
    return static_cast<uint8_t>(u64(z3::select(array, ctx_.bv_val(offset, 64))));
  }
  std::vector<uint8_t> bytes(const z3::expr& array, uint64_t offset, uint64_t n) const {
    std::vector<uint8_t> out;
    for (uint64_t i = 0; i < n; ++i) out.push_back(byte(array, offset + i));
    return out;
  }
  std::vector<uint8_t> bits(const z3::expr& e) const {  // a bit-vector's bytes, little-endian
    std::vector<uint8_t> out;
    for (unsigned i = 0; i < e.get_sort().bv_size() / 8; ++i) out.push_back(static_cast<uint8_t>(u64(e.extract(8 * i + 7, 8 * i))));
    return out;
  }

 private:
  z3::context& ctx_;
  const z3::model& m_;
};

// The input the model gives. Bytes the path never reads cannot change it, so they are 0 (the
// model's values for them are arbitrary): witnesses show only what matters.
WitnessInput extract_input(z3::context& ctx, const detail::SearchResult& r, const detail::SymbolicExecutor& ex,
                           const detail::WitnessSetup& setup) {
  const Extractor x(ctx, *r.model);
  const detail::SymState& s = *r.state;
  std::map<int, std::set<uint64_t>> read;
  for (const detail::ReadRecord& rd : detail::log_items(s.reads)) {
    const uint64_t at = x.u64(rd.offset);
    for (unsigned i = 0; i < rd.size; ++i) read[rd.region].insert(at + i);
  }
  auto bytes = [&](int region, uint64_t from, uint64_t n, std::set<uint64_t> also = {}) {
    std::vector<uint8_t> out(n, 0);
    also.insert(read[region].begin(), read[region].end());
    for (const uint64_t at : also) {
      if (at - from < n) out[at - from] = x.byte(s.regions[static_cast<size_t>(region)].initial, at);
    }
    return out;
  };
  WitnessInput in;
  if (ex.memory_region() >= 0) in.memory = bytes(ex.memory_region(), 0, setup.memory_size);
  if (ex.context_region() >= 0) {
    std::set<uint64_t> len;  // constrained by the packet's length even when the program does not read it
    if (setup.len_field) {
      for (uint64_t i = 0; i < 4; ++i) len.insert(*setup.len_field + i);
    }
    in.context = bytes(ex.context_region(), 0, setup.context_size, len);
  }
  if (ex.packet_region() >= 0) {
    const uint64_t n = std::min<uint64_t>(x.u64(ex.packet_length()), setup.max_packet);
    in.packet = bytes(ex.packet_region(), 0, n);
    std::vector<uint8_t> head = bytes(ex.packet_region(), 0 - uint64_t{setup.headroom}, setup.headroom);
    if (std::any_of(head.begin(), head.end(), [](uint8_t b) { return b != 0; })) in.headroom = std::move(head);
  }
  const VerifierInput& vin = *setup.input;
  for (size_t i = 0; i < ex.map_regions().size(); ++i) {
    const int region = ex.map_regions()[i];
    if (region < 0 || !s.regions[static_cast<size_t>(region)].input) continue;
    const detail::VmMap& m = setup.maps[i];
    const uint64_t stride = semantics::map_value_stride(m.value_size), value_size = m.value_size;
    WitnessMap wm;
    wm.index = i;
    wm.name = vin.maps[i].name;
    if (m.array_like) {
      std::set<uint64_t> elements;
      for (const uint64_t at : read[region]) {
        if (at / stride < m.max_entries) elements.insert(at / stride);
      }
      for (const uint64_t k : elements) {
        WitnessMapEntry e;
        for (int b = 0; b < 4; ++b) e.key.push_back(static_cast<uint8_t>(k >> (8 * b)));
        e.value = bytes(region, k * stride, value_size);
        wm.entries.push_back(std::move(e));
      }
    } else {
      for (const detail::HashKey& k : s.hashes[i].keys) {
        if (k.initial) wm.entries.push_back({x.bits(k.key), bytes(region, uint64_t{k.slot} * stride, value_size)});
      }
    }
    if (!wm.entries.empty()) in.maps.push_back(std::move(wm));
  }
  for (size_t i = 0; i < ex.variable_regions().size(); ++i) {
    const VariableDescriptor& v = vin.variables[i];
    in.variables.push_back({v.id, v.name, bytes(ex.variable_regions()[i], 0, v.size)});
  }
  for (const detail::HelperCallRecord& h : detail::log_items(s.helpers)) {
    WitnessHelperResult out;
    out.pc = h.pc;
    out.id = h.id;
    out.name = h.name;
    out.r0 = x.u64(h.r0);
    out.buffer_register = h.buffer_register;
    for (const z3::expr& b : h.buffer) out.buffer.push_back(static_cast<uint8_t>(x.u64(b)));
    in.helpers.push_back(std::move(out));
  }
  return in;
}

std::string search_summary(const WitnessStatistics& st, const detail::SearchResult& r, unsigned depth) {
  std::vector<std::string> parts;
  if (st.depth_cuts > 0) parts.push_back(fmt::format("{} path(s) cut at depth {}", st.depth_cuts, depth));
  if (st.abandoned > 0) {
    std::string why;
    for (const std::string& a : r.abandoned) why += (why.empty() ? "" : "; ") + a;
    parts.push_back(fmt::format("{} path(s) left unexplored ({})", st.abandoned, why));
  }
  if (!r.budget.empty()) parts.push_back(fmt::format("the search stopped at its budget ({})", r.budget));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

Witness search_one(const detail::WitnessSetup& setup, const Finding& f, const WitnessOptions& options) {
  Witness out;
  out.check = f.check;
  out.pc = f.pc;
  out.depth = options.depth;
  const CheckModel cm = check_model(f.check);
  if (cm.violations.empty()) {
    out.reason = cm.reason;
    return out;
  }
  const semantics::Program& prog = *setup.input->program;
  if (f.pc < 0 || static_cast<size_t>(f.pc) >= prog.size()) {
    out.reason = "the finding names no instruction";
    return out;
  }
  out.status = WitnessStatus::NotConfirmed;
  try {
    z3::context ctx;
    detail::SymbolicExecutor ex(ctx, setup, options);
    detail::SearchResult r = ex.search(static_cast<size_t>(f.pc), cm.violations);
    out.stats = r.stats;
    if (!r.found) {
      const std::string summary = search_summary(r.stats, r, options.depth);
      out.reason = r.stats.complete
                       ? fmt::format("every path was explored to its end ({} paths) and on none does the reference "
                                     "interpreter fail at pc {} as {} says: a false alarm for every input the search "
                                     "models, or a rule the VM does not enforce at run time",
                                     r.stats.paths, f.pc, f.check)
                       : fmt::format("not confirmed within k={} (possible false alarm): {} paths explored{}{}",
                                     options.depth, r.stats.paths, summary.empty() ? "" : "; ", summary);
      return out;
    }
    detail::Expectation expect = r.expect;
    if (expect.kind == detail::Expectation::Kind::Exit && r.exit_r0) {
      expect.r0 = Extractor(ctx, *r.model).u64(*r.exit_r0);
    }
    WitnessInput input = extract_input(ctx, r, ex, setup);
    auto [rep, mismatch] = detail::replay(setup, input, expect);
    out.input = std::move(input);
    out.replay = rep;
    if (!mismatch.empty()) {
      out.replay_mismatch = true;
      out.reason = fmt::format("the symbolic executor found {} at pc {}, but its input does not replay: {} "
                               "(a defect of the witness search, not a verdict on the program)",
                               violation_text(r.violation), f.pc, mismatch);
      return out;
    }
    out.status = WitnessStatus::Confirmed;
    switch (expect.kind) {
      case detail::Expectation::Kind::Trap:
        out.reason = fmt::format("{}: the reference interpreter traps with {} at pc {}", violation_text(r.violation),
                                 rep.trap, f.pc);
        break;
      case detail::Expectation::Kind::Reach:
        out.reason = fmt::format("{}: the reference interpreter reaches pc {} by this path (after {} instructions)",
                                 violation_text(r.violation), f.pc, expect.steps_before);
        break;
      case detail::Expectation::Kind::Exit:
        out.reason = fmt::format("{}: the program ends at pc {} with r0 = {:#x}", violation_text(r.violation), f.pc, rep.r0);
        break;
    }
  } catch (const z3::exception& e) {
    out.reason = fmt::format("the solver failed: {}", e.msg());
  } catch (const std::exception& e) {
    out.reason = fmt::format("the search failed: {}", e.what());
  }
  return out;
}

}  // namespace

std::vector<Witness> find_witnesses(const VerifierInput& input, const VerificationResult& result,
                                    const WitnessOptions& options) {
  std::vector<Witness> out;
  std::unique_ptr<detail::WitnessSetup> setup;
  std::string no_setup;
  try {
    auto made = detail::make_setup(input, options);
    if (made.ok()) {
      setup = std::move(made.value());
    } else {
      no_setup = made.error().message;
    }
  } catch (const std::exception& e) {
    no_setup = e.what();
  }
  for (const Finding& f : result.findings) {
    Witness w;
    w.check = f.check;
    w.pc = f.pc;
    w.depth = options.depth;
    if (f.severity != Severity::Error) {
      w.reason = "a warning, not a rejection";
    } else if (!setup) {
      w.reason = no_setup;
    } else {
      w = search_one(*setup, f, options);
    }
    out.push_back(std::move(w));
  }
  return out;
}

Witness find_witness(const VerifierInput& input, const Finding& finding, const WitnessOptions& options) {
  VerificationResult r;
  r.findings.push_back(finding);
  return find_witnesses(input, r, options).front();
}

}  // namespace bpfcert::verifier::smt
