#include "verifier/smt/precision.h"

#include <chrono>
#include <stdexcept>
#include <tuple>

namespace bpfcert::verifier::smt::precision {

using semantics::AluOp;

std::string_view to_string(Component c) {
  switch (c) {
    case Component::Tnum: return "tnum";
    case Component::U64: return "u64";
    case Component::S64: return "s64";
    case Component::U32: return "u32";
    case Component::S32: return "s32";
  }
  return "?";
}

std::string_view to_string(InputFamily f) {
  switch (f) {
    case InputFamily::Tnum: return "tnum";
    case InputFamily::U64Interval: return "u64-interval";
    case InputFamily::S64Interval: return "s64-interval";
    case InputFamily::U32Interval: return "u32-interval";
    case InputFamily::S32Interval: return "s32-interval";
    case InputFamily::SingleView: return "single-view";
    case InputFamily::Mixed: return "mixed";
    case InputFamily::UnknownMemory: return "unknown-memory";
    case InputFamily::None: return "none";
  }
  return "?";
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::Exhaustive: return "exhaustive";
    case Mode::Sampled: return "sampled";
    case Mode::NotApplicable: return "not-applicable";
  }
  return "?";
}

std::string_view to_string(Operand o) {
  switch (o) {
    case Operand::Result: return "result";
    case Operand::Dst: return "dst";
    case Operand::Src: return "src";
  }
  return "?";
}

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::None: return "none";
    case Direction::Taken: return "taken";
    case Direction::NotTaken: return "not-taken";
  }
  return "?";
}

bool all_sound(const std::vector<PrecisionRow>& rows) {
  return std::all_of(rows.begin(), rows.end(), [](const PrecisionRow& r) { return r.unsound == 0; });
}

namespace {

constexpr Component kAll[] = {Component::Tnum, Component::U64, Component::S64, Component::U32, Component::S32};

size_t index_of(Component c) { return static_cast<size_t>(c); }

template <class F>
void with_width(unsigned n, F&& f) {
  switch (n) {
    case 2: f.template operator()<2>(); return;
    case 4: f.template operator()<4>(); return;
    case 6: f.template operator()<6>(); return;
    case 8: f.template operator()<8>(); return;
    default: throw std::invalid_argument("unsupported width " + std::to_string(n));
  }
}

// Operators that read one operand: the value of dst (neg, le/be/bswap), of src (movsx), or the
// loaded bytes.
bool single_input(const Operator& op) {
  return op.kind == OperatorKind::Load || (op.kind == OperatorKind::Alu && (op.unary || op.alu_op == AluOp::Movsx));
}

bool is_shift(const Operator& op) {
  return op.kind == OperatorKind::Alu &&
         (op.alu_op == AluOp::Lsh || op.alu_op == AluOp::Rsh || op.alu_op == AluOp::Arsh);
}

// The ISA masks shift counts with n - 1 (OPCODES.md §4.11), and semantics::alu does the same at
// every width; that is the count modulo n only when n is a power of two. At 6 bits (n = 6 and
// 3) the scaled semantics shifts 1 by 1 as by 0, which no 64-bit shift does, while the domain's
// shift rules assume counts below n are unchanged, as they are at 64 and 32 bits. Shifts are
// therefore measured at the largest width not above n whose word and half are powers of two.
unsigned faithful_width(const Operator& op, unsigned n) {
  if (!is_shift(op)) return n;
  unsigned w = 2;
  while (w * 2 <= n) w *= 2;
  return w;
}

template <unsigned N>
BinarySpec<N> alu_spec(const Operator& op) {
  const AluOp a = op.alu_op;
  const semantics::Width w = op.width;
  const unsigned ext = op.ext_bits;
  return binary_spec<N>([=](W<N> x, W<N> y) { return semantics::alu(a, w, x, y, ext); },
                                   [=](const S<N>& d, const S<N>& s) { return domain::scalar_alu(a, w, d, s, ext); });
}

template <unsigned N>
BinarySpec<N> branch_spec(const Operator& op) {
  const semantics::JmpOp j = op.jmp_op;
  const semantics::Width w = op.width;
  BinarySpec<N> spec;
  spec.outputs = {{Direction::Taken, Operand::Dst},
                  {Direction::Taken, Operand::Src},
                  {Direction::NotTaken, Operand::Dst},
                  {Direction::NotTaken, Operand::Src}};
  spec.concrete = [=](W<N> x, W<N> y) {
    typename BinarySpec<N>::Concrete c;
    const bool taken = semantics::jump_taken(j, w, x, y);
    c.value = {x, y, x, y};
    c.present = {taken, taken, !taken, !taken};
    return c;
  };
  spec.abstract = [=](const S<N>& a, const S<N>& b) {
    const domain::Refined<W<N>> t = domain::scalar_refine(j, w, true, a, b);
    const domain::Refined<W<N>> f = domain::scalar_refine(j, w, false, a, b);
    typename BinarySpec<N>::Abstract r;
    r.value = {t.dst, t.src, f.dst, f.src};
    r.feasible = {t.feasible, t.feasible, f.feasible, f.feasible};
    return r;
  };
  return spec;
}

// Input families of one width, built on first use and shared by every operator of a run.
template <unsigned N>
struct Sets {
  std::optional<InputSet<N>> tnum, single_view, mixed, unknown;
  std::array<std::optional<InputSet<N>>, 5> interval;                              // by component
  std::array<std::optional<std::pair<InputSet<N>, InputSet<N>>>, 5> sampled_pairs;  // by component
};

class Run {
 public:
  explicit Run(const PrecisionOptions& o) : o_(o) {}

  std::vector<PrecisionRow> measure(const Operator& op) {
    std::vector<PrecisionRow> rows;
    if (op.kind == OperatorKind::Widen) {
      PrecisionRow r;
      r.note =
          "not applicable: widening is meant to lose precision (a bound that moved jumps to its limit so that "
          "loops stabilise); its soundness is checked elsewhere";
      rows.push_back(r);
    } else if (op.kind == OperatorKind::Sync || op.kind == OperatorKind::Tighten) {
      reduction_rows(op, rows);
    } else if (single_input(op)) {
      single_input_rows(op, rows);
    } else {
      binary_rows(op, rows);
    }
    for (PrecisionRow& r : rows) {
      r.op = op.name;
      r.kind = op.kind;
    }
    // A branch's rows by output (taken dst, taken src, ...), each in the order measured.
    std::stable_sort(rows.begin(), rows.end(), [](const PrecisionRow& a, const PrecisionRow& b) {
      return std::tie(a.direction, a.operand) < std::tie(b.direction, b.operand);
    });
    return rows;
  }

 private:
  template <unsigned N>
  Sets<N>& sets() {
    return std::get<Sets<N>>(sets_);
  }

  // A generator per family, seeded from the run's seed and what it draws, so each sample is the
  // same whichever operators are measured.
  std::mt19937_64 rng(unsigned n, unsigned tag) const {
    std::seed_seq seq{static_cast<uint32_t>(o_.seed), static_cast<uint32_t>(o_.seed >> 32), n, tag};
    return std::mt19937_64(seq);
  }

  template <unsigned N>
  const InputSet<N>& tnum_set() {
    auto& s = sets<N>().tnum;
    if (!s) s = tnum_inputs<N>();
    return *s;
  }
  template <unsigned N>
  const InputSet<N>& interval_set(Component c) {
    auto& s = sets<N>().interval[index_of(c)];
    if (!s) s = interval_inputs<N>(c);
    return *s;
  }
  template <unsigned N>
  const std::pair<InputSet<N>, InputSet<N>>& sampled_pairs(Component c) {
    auto& s = sets<N>().sampled_pairs[index_of(c)];
    if (!s) {
      std::mt19937_64 g = rng(N, 10 + static_cast<unsigned>(index_of(c)));
      InputSet<N> a = sampled_interval_inputs<N>(c, o_.samples, g);
      InputSet<N> b = sampled_interval_inputs<N>(c, o_.samples, g);
      s.emplace(std::move(a), std::move(b));
    }
    return *s;
  }

  template <unsigned N>
  const InputSet<N>& family_set(Component c) {
    return c == Component::Tnum ? tnum_set<N>() : interval_set<N>(c);
  }

  // Rows of a two-operand operator (ALU, branch, join) on every pair of one family.
  template <unsigned N>
  void binary_family(const Operator& op, Component c, const InputSet<N>& set, std::vector<PrecisionRow>& rows) {
    std::vector<PrecisionRow> r;
    if (op.kind == OperatorKind::Join) {
      r.push_back(measure_join<N>(domain::scalar_join<W<N>>, c, set, o_.jobs));
    } else {
      r = measure_binary(op.kind == OperatorKind::Branch ? branch_spec<N>(op) : alu_spec<N>(op), c, set,
                                    o_.jobs);
    }
    rows.insert(rows.end(), r.begin(), r.end());
  }

  template <unsigned N>
  void binary_sampled(const Operator& op, Component c, std::vector<PrecisionRow>& rows) {
    const auto& [a, b] = sampled_pairs<N>(c);
    std::vector<PrecisionRow> r;
    if (op.kind == OperatorKind::Join) {
      r.push_back(measure_join_pairs<N>(domain::scalar_join<W<N>>, c, a, b));
    } else {
      r = measure_binary_pairs(op.kind == OperatorKind::Branch ? branch_spec<N>(op) : alu_spec<N>(op), c,
                                          a, b, o_.jobs);
    }
    rows.insert(rows.end(), r.begin(), r.end());
  }

  // tnum: every pair of tnums at `width`. u64 / s64: every pair of intervals at
  // `interval_width`, and a sample at `width` when it is wider. u32 / s32: every pair of
  // half-width intervals at `width` (2^(w/2) values a view: cheap at 8 bits).
  void binary_rows(const Operator& op, std::vector<PrecisionRow>& rows) {
    const unsigned width = faithful_width(op, o_.width), interval_width = faithful_width(op, o_.interval_width);
    auto measured = [&](size_t from, unsigned asked) {
      if (rows.size() == from || rows.back().width == asked) return;
      for (size_t i = from; i < rows.size(); ++i) {
        rows[i].note = "measured at " + std::to_string(rows[i].width) + " bits, not " + std::to_string(asked) +
                       ": the ISA masks shift counts with n - 1, which is the count modulo n only for n a power of two";
      }
    };
    size_t from = rows.size();
    with_width(width, [&]<unsigned N>() { binary_family<N>(op, Component::Tnum, tnum_set<N>(), rows); });
    measured(from, o_.width);
    for (Component c : {Component::U64, Component::S64}) {
      from = rows.size();
      with_width(interval_width, [&]<unsigned M>() { binary_family<M>(op, c, interval_set<M>(c), rows); });
      measured(from, o_.interval_width);
      if (width > interval_width && o_.samples > 0) {
        from = rows.size();
        with_width(width, [&]<unsigned N>() { binary_sampled<N>(op, c, rows); });
        measured(from, o_.width);
      }
    }
    for (Component c : {Component::U32, Component::S32}) {
      from = rows.size();
      with_width(width, [&]<unsigned N>() { binary_family<N>(op, c, interval_set<N>(c), rows); });
      measured(from, o_.width);
    }
  }

  // One operand, at 8 bits: every tnum and every interval of each view, and for loads also
  // the load from unknown memory.
  void single_input_rows(const Operator& op, std::vector<PrecisionRow>& rows) {
    constexpr unsigned N = kSingleInputWidth;
    std::function<W<N>(W<N>)> concrete;
    std::function<S<N>(const S<N>&)> abstract;
    const S<N> top = domain::scalar_top(W<N>(0));
    const AluOp a = op.alu_op;
    const semantics::Width w = op.width;
    const unsigned ext = op.ext_bits, size = op.size;
    const bool sx = op.sign_extend;
    if (op.kind == OperatorKind::Load) {
      concrete = [=](W<N> x) { return semantics::load_result(x, size, sx); };
      abstract = [=](const S<N>& s) { return domain::scalar_load_result(s, size, sx); };
    } else if (a == AluOp::Movsx) {
      concrete = [=](W<N> x) { return semantics::alu(a, w, W<N>(0), x, ext); };
      abstract = [=](const S<N>& s) { return domain::scalar_alu(a, w, top, s, ext); };
    } else {
      concrete = [=](W<N> x) { return semantics::alu(a, w, x, W<N>(0), ext); };
      abstract = [=](const S<N>& s) { return domain::scalar_alu(a, w, s, top, ext); };
    }
    for (Component c : kAll) rows.push_back(measure_unary<N>(concrete, abstract, c, family_set<N>(c), o_.jobs));
    if (op.kind == OperatorKind::Load) {
      auto& unknown = sets<N>().unknown;
      if (!unknown) {
        unknown.emplace();
        unknown->family = InputFamily::UnknownMemory;
        unknown->add(top);
      }
      auto load = [=](const S<N>&) { return domain::scalar_unknown_load(W<N>(0), size, sx); };
      for (Component c : kAll) rows.push_back(measure_unary<N>(concrete, load, c, *unknown, o_.jobs));
    }
  }

  // The reduction on unreduced inputs, at 8 bits: each view alone (exhaustive) and views
  // constrained independently (sampled); every component against the best abstraction of
  // gamma(input).
  void reduction_rows(const Operator& op, std::vector<PrecisionRow>& rows) {
    constexpr unsigned N = kSingleInputWidth;
    std::function<std::pair<S<N>, bool>(const S<N>&)> f;
    if (op.kind == OperatorKind::Sync) {
      f = [](const S<N>& s) { return std::pair{domain::scalar_sync(s), true}; };
    } else {
      f = [](const S<N>& s) {
        const domain::Tightened<W<N>> t = domain::scalar_tighten(s);
        return std::pair{t.s, static_cast<bool>(t.nonempty)};
      };
    }
    auto& single = sets<N>().single_view;
    if (!single) single = single_view_inputs<N>();
    const auto exhaustive = measure_identity<N>(f, *single, o_.jobs);
    rows.insert(rows.end(), exhaustive.begin(), exhaustive.end());
    if (o_.samples > 0) {
      auto& mixed = sets<N>().mixed;
      if (!mixed) {
        std::mt19937_64 g = rng(N, 20);
        mixed = mixed_inputs<N>(o_.samples, g);
      }
      const auto sampled = measure_identity<N>(f, *mixed, o_.jobs);
      rows.insert(rows.end(), sampled.begin(), sampled.end());
    }
  }

  PrecisionOptions o_;
  std::tuple<Sets<2>, Sets<4>, Sets<6>, Sets<8>> sets_;
};

}  // namespace

std::vector<PrecisionRow> measure_operator(const Operator& op, const PrecisionOptions& options) {
  return Run(options).measure(op);
}

PrecisionResults measure_operators(const std::vector<const Operator*>& ops, const PrecisionOptions& options) {
  Run run(options);
  PrecisionResults out;
  for (const Operator* op : ops) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<PrecisionRow> rows = run.measure(*op);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.rows.insert(out.rows.end(), rows.begin(), rows.end());
    out.timings.push_back({op->name, seconds});
    if (options.progress) options.progress(op->name, seconds);
  }
  return out;
}

}  // namespace bpfcert::verifier::smt::precision
