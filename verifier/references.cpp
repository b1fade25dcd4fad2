// References the program must release: a ring buffer record bpf_ringbuf_reserve returned is
// held until bpf_ringbuf_submit or bpf_ringbuf_discard releases it, as Linux's verifier tracks
// acquired references (acquire_reference, release_reference, check_reference_leak).
//
// A record is helper memory whose object is its reserve's pc + 1; the state's `refs` lists the
// records a path may hold (join: union). The invariant that makes the rest simple: a non-null
// pointer to record X that is not marked released implies X is held on that path. It holds
// because every copy shares the record's id until the null check, whose null branch turns all
// of them into 0 and drops X; a release marks every copy (registers and spills of every frame)
// released (kReleasedId), and a released pointer joins only with itself; a reserve at the pc
// of a record still held is a finding (the two references would merge into one). So a use or
// a release needs only "not released" of the pointer, and an exit needs `refs` empty.
#include <fmt/format.h>

#include <algorithm>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

bool Analyzer::is_record(const Value& v) const {
  return v.is_pointer() && v.region == PointerKind::Memory && records_.contains(v.object);
}

bool Analyzer::holds(const State& s, int64_t object) {
  return std::ranges::binary_search(s.refs, static_cast<uint32_t>(object));
}

void Analyzer::acquire(State& s, size_t pc, const HelperArgs& h, int64_t object) {
  records_.insert(object);
  if (holds(s, object)) {
    report(CheckId::RefLeak, pc,
           fmt::format("{} runs again while the record it returned before (in an earlier iteration) is still held; "
                       "release each record before reserving the next",
                       h.name),
           s);
    return;
  }
  const auto id = static_cast<uint32_t>(object);
  s.refs.insert(std::ranges::upper_bound(s.refs, id), id);
}

void Analyzer::drop_reference(State& s, int64_t object) { std::erase(s.refs, static_cast<uint32_t>(object)); }

// Every pointer to the record, in registers and in spills of every frame, becomes released.
void Analyzer::release(State& s, int64_t object) {
  drop_reference(s, object);
  settle_released(s);
}

void Analyzer::settle_released(State& s) const {
  auto dead = [&](const Value& v) { return is_record(v) && v.id != kReleasedId && !holds(s, v.object); };
  auto mark = [](Value& v) {
    v.id = kReleasedId;
    v.nullable = false;
  };
  for (Value& v : s.regs) {
    if (dead(v)) mark(v);
  }
  for (size_t f = 0; f < s.frames.size(); ++f) {
    if (std::ranges::none_of(s.frames[f]->spill, dead)) continue;
    for (Value& v : s.frame_mut(f).spill) {
      if (dead(v)) mark(v);
    }
  }
}

void Analyzer::check_no_references(const State& s, size_t pc, std::string_view what) {
  if (s.refs.empty() || !check_) return;
  std::string pcs;
  for (const uint32_t r : s.refs) pcs += fmt::format("{}{}", pcs.empty() ? "" : ", ", r - 1);
  report(CheckId::RefLeak, pc,
         fmt::format("{} while a path may still hold the record bpf_ringbuf_reserve returned at pc {}: submit or "
                     "discard it first",
                     what, pcs),
         s);
}

}  // namespace bpfcert::verifier::detail
