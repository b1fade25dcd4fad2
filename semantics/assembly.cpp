// Templates in the opcode table ("add32 %r{d}, {imm}") are compiled once into token patterns.
// The assembler matches input lines against the patterns; the disassembler fills them in.
// So both directions, in both syntaxes, come from the same rows and cannot drift apart.
#include "semantics/assembly.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

namespace bpfcert::semantics {

std::string_view to_string(Syntax s) { return s == Syntax::Conformance ? "conformance" : "llvm"; }

std::optional<Syntax> syntax_from_string(std::string_view s) {
  if (s == "conformance" || s == "ubpf" || s == "bpf_conformance") return Syntax::Conformance;
  if (s == "llvm" || s == "clang") return Syntax::Llvm;
  return std::nullopt;
}

namespace {

// ---- lexer ------------------------------------------------------------------------------

constexpr unsigned kMaxEncodableRegister = 15;  // the dst and src fields are 4 bits wide

enum class TokKind { Ident, Reg, Number, Punct, Slot, End };

struct Token {
  TokKind kind = TokKind::End;
  std::string_view text;
  int col = 0;           // 1-based column in the line
  uint64_t number = 0;   // Number
  bool number_overflow = false;
  std::string_view reg_prefix;  // Reg: "%r", "r" or "w"
  unsigned reg = 0;             // Reg: register number as written (may exceed 10)
};

constexpr std::array<std::string_view, 29> kOperators = {
    "<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "==", "!=", "<=", ">=", "<<", ">>",
    "<",   ">",   "=",  "+",  "-",  "*",  "/",  "%",  "&",  "|",  "^",  "!",  ":"};

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// Splits off a register spelling: "%r3", "r10", "w2". Returns false for other identifiers.
bool as_register(std::string_view word, std::string_view& prefix, unsigned& number) {
  size_t p = 0;
  if (word.starts_with("%r")) {
    p = 2;
  } else if (word.size() >= 2 && (word[0] == 'r' || word[0] == 'w')) {
    p = 1;
  } else {
    return false;
  }
  if (p >= word.size() || word.size() - p > 2) return false;
  unsigned n = 0;
  for (size_t i = p; i < word.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(word[i]))) return false;
    n = n * 10 + static_cast<unsigned>(word[i] - '0');
  }
  prefix = word.substr(0, p);
  number = n;
  return true;
}

struct LexError {
  int col;
  std::string message;
};

// Lexes one line (comments already stripped). In template mode "{name}" is a slot token.
std::optional<LexError> lex(std::string_view line, bool template_mode, std::vector<Token>& out) {
  out.clear();
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.col = static_cast<int>(i) + 1;
    if (template_mode && c == '{') {
      const size_t close = line.find('}', i);
      t.kind = TokKind::Slot;
      t.text = line.substr(i + 1, close - i - 1);
      i = close + 1;
    } else if (is_ident_start(c) || (c == '%' && i + 1 < line.size() && line[i + 1] == 'r')) {
      size_t j = i + 1;
      while (j < line.size() && is_ident_char(line[j])) ++j;
      // In templates "%r{d}" is a register slot: keep the prefix as the identifier's text.
      t.text = line.substr(i, j - i);
      t.kind = as_register(t.text, t.reg_prefix, t.reg) ? TokKind::Reg : TokKind::Ident;
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < line.size() && is_ident_char(line[j])) ++j;
      t.kind = TokKind::Number;
      t.text = line.substr(i, j - i);
      std::string_view digits = t.text;
      int base = 10;
      if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
      }
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t.number, base);
      if (ec == std::errc::result_out_of_range) {
        t.number_overflow = true;
      } else if (ec != std::errc() || end != digits.data() + digits.size()) {
        return LexError{t.col, fmt::format("malformed number '{}'", t.text)};
      }
      i = j;
    } else if (c == '[' || c == ']' || c == '(' || c == ')' || c == ',') {
      t.kind = TokKind::Punct;
      t.text = line.substr(i, 1);
      ++i;
    } else {
      t.kind = TokKind::Punct;
      for (std::string_view op : kOperators) {
        if (line.substr(i, op.size()) == op) {
          t.text = op;
          break;
        }
      }
      if (t.text.empty()) return LexError{t.col, fmt::format("unexpected character '{}'", c)};
      i += t.text.size();
    }
    out.push_back(t);
  }
  return std::nullopt;
}

// ---- templates --------------------------------------------------------------------------

// Id: an unsigned 32-bit number without sign (helper and kfunc ids), so "call 7" (helper) and
// "call -2" / "call +3" (local call, LLVM syntax) never read alike. Tgt / Tgt32 take a label or
// a signed distance ("+3", "-2"), never a bare number.
enum class Slot { None, Dst, Src, Imm, Id, Simm, Off, Soff, Tgt, Tgt32, Imm64, Next };

struct Element {
  TokKind kind;          // for literals: the token kind to match; Reg for register slots
  std::string text;      // literal text, or the register prefix of a register slot
  Slot slot = Slot::None;
};

struct Pattern {
  const Encoding* row;
  bool canonical;  // the first spelling prints; aliases only parse
  std::vector<Element> elements;
};

Slot slot_from_name(std::string_view name) {
  static const std::map<std::string_view, Slot> kSlots = {
      {"d", Slot::Dst},     {"s", Slot::Src},     {"imm", Slot::Imm},     {"id", Slot::Id},
      {"simm", Slot::Simm},
      {"off", Slot::Off},   {"soff", Slot::Soff}, {"tgt", Slot::Tgt},     {"tgt32", Slot::Tgt32},
      {"imm64", Slot::Imm64}, {"next", Slot::Next}};
  return kSlots.at(name);
}

Pattern compile_pattern(const Encoding& row, std::string_view text, bool canonical) {
  Pattern p{&row, canonical, {}};
  std::vector<Token> toks;
  lex(text, true, toks);
  for (size_t i = 0; i < toks.size(); ++i) {
    const Token& t = toks[i];
    // "%r{d}" lexes as identifier "%r" followed by slot "d" (and "r{d}" as "r", "d").
    const bool reg_prefix = (t.kind == TokKind::Ident && (t.text == "%r" || t.text == "r" || t.text == "w")) &&
                            i + 1 < toks.size() && toks[i + 1].kind == TokKind::Slot &&
                            toks[i + 1].col == t.col + static_cast<int>(t.text.size());
    if (reg_prefix) {
      p.elements.push_back({TokKind::Reg, std::string(t.text), slot_from_name(toks[i + 1].text)});
      ++i;
    } else if (t.kind == TokKind::Slot) {
      p.elements.push_back({TokKind::Slot, {}, slot_from_name(t.text)});
    } else {
      p.elements.push_back({t.kind, std::string(t.text), Slot::None});
    }
  }
  return p;
}

// The key a line is looked up by: its first token's kind and text (registers by prefix).
std::string first_key(TokKind kind, std::string_view text) {
  return fmt::format("{}:{}", static_cast<int>(kind), text);
}

struct PatternSet {
  std::vector<Pattern> patterns;
  std::unordered_map<std::string, std::vector<const Pattern*>> by_first;
};

std::vector<std::string_view> split_alternatives(std::string_view spec) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t bar = spec.find("||", start);
    out.push_back(spec.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 2;
  }
  return out;
}

PatternSet build_patterns(Syntax syntax) {
  PatternSet set;
  const auto rows = encodings();
  set.patterns.reserve(rows.size() * 3);
  for (const Encoding& row : rows) {
    const std::string_view spec = syntax == Syntax::Conformance ? row.conformance_asm : row.llvm_asm;
    if (spec.empty()) continue;
    bool canonical = true;
    for (std::string_view alt : split_alternatives(spec)) {
      set.patterns.push_back(compile_pattern(row, alt, canonical));
      canonical = false;
    }
  }
  for (const Pattern& p : set.patterns) {
    const Element& e = p.elements.front();
    std::string_view prefix = e.text;
    unsigned unused = 0;
    if (e.kind == TokKind::Reg && e.slot == Slot::None) as_register(e.text, prefix, unused);
    const std::string key = first_key(e.kind, e.kind == TokKind::Reg ? prefix : std::string_view(e.text));
    set.by_first[key].push_back(&p);
  }
  return set;
}

const PatternSet& patterns(Syntax syntax) {
  static const PatternSet conformance = build_patterns(Syntax::Conformance);
  static const PatternSet llvm = build_patterns(Syntax::Llvm);
  return syntax == Syntax::Conformance ? conformance : llvm;
}

// ---- matching ---------------------------------------------------------------------------

struct Operands {
  std::optional<unsigned> dst, src;
  int64_t imm = 0;
  int64_t off = 0;
  int64_t next = 0;
  uint64_t imm64 = 0;
  std::optional<int64_t> target;    // numeric relative target
  std::string target_label;         // or a label
  int target_col = 0;
};

struct MatchFailure {
  size_t progress = 0;  // tokens consumed before failing
  int col = 0;
  ErrorCode code = ErrorCode::SyntaxError;
  std::string message;
};

std::string describe(const Element& e) {
  switch (e.slot) {
    case Slot::Dst:
    case Slot::Src: return fmt::format("a register ({}N)", e.text);
    case Slot::Imm:
    case Slot::Next: return "a 32-bit immediate";
    case Slot::Id: return "an unsigned 32-bit id";
    case Slot::Simm: return "'+' or '-' and a 32-bit immediate";
    case Slot::Off:
    case Slot::Soff: return "an offset";
    case Slot::Tgt:
    case Slot::Tgt32: return "a jump target (+N, -N or a label)";
    case Slot::Imm64: return "a 64-bit immediate";
    case Slot::None: break;
  }
  return fmt::format("'{}'", e.text);
}

std::string describe(const Token& t) { return t.kind == TokKind::End ? "end of line" : fmt::format("'{}'", t.text); }

class Matcher {
 public:
  Matcher(const std::vector<Token>& toks, Syntax syntax, unsigned max_register)
      : toks_(toks), syntax_(syntax), max_register_(max_register) {}

  // Matches the whole line against p; fills ops or failure.
  bool match(const Pattern& p, Operands& ops, MatchFailure& fail) {
    pos_ = 0;
    fail_ = &fail;
    for (const Element& e : p.elements) {
      if (!element(e, ops)) return false;
    }
    if (pos_ != toks_.size()) return failure(ErrorCode::SyntaxError, "unexpected " + describe(peek()) + " after the instruction");
    return true;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    static const Token kEnd;
    return pos_ + ahead < toks_.size() ? toks_[pos_ + ahead] : kEnd;
  }
  int col() const { return pos_ < toks_.size() ? toks_[pos_].col : (toks_.empty() ? 1 : toks_.back().col + static_cast<int>(toks_.back().text.size())); }

  bool failure(ErrorCode code, std::string message) {
    fail_->progress = pos_;
    fail_->col = col();
    fail_->code = code;
    fail_->message = std::move(message);
    return false;
  }
  bool expected(const Element& e) {
    return failure(ErrorCode::SyntaxError, fmt::format("expected {}, found {}", describe(e), describe(peek())));
  }

  // [sign] number, within [lo, hi] after applying the sign.
  bool signed_number(const Element& e, bool sign_required, __int128 lo, __int128 hi, __int128& out) {
    int sign = 1;
    const size_t start = pos_;
    if (peek().kind == TokKind::Punct && (peek().text == "-" || peek().text == "+")) {
      sign = peek().text == "-" ? -1 : 1;
      ++pos_;
    } else if (sign_required) {
      return expected(e);
    }
    if (peek().kind != TokKind::Number) {
      pos_ = start;
      return expected(e);
    }
    const Token& t = peek();
    const __int128 v = static_cast<__int128>(t.number) * sign;
    if (t.number_overflow || v < lo || v > hi) {
      pos_ = start;  // the error points at the number's sign, where the literal starts
      return failure(ErrorCode::NumberOutOfRange,
                     fmt::format("{}{} is out of range for {}", sign < 0 ? "-" : "", t.text, describe(e)));
    }
    ++pos_;
    out = v;
    return true;
  }

  bool element(const Element& e, Operands& ops) {
    constexpr __int128 kS32Min = INT32_MIN, kU32Max = UINT32_MAX;
    switch (e.slot) {
      case Slot::None: {
        const Token& t = peek();
        // Literal registers (r0 in cmpxchg) compare by text like any other literal.
        if (t.kind == e.kind && t.text == e.text) {
          ++pos_;
          return true;
        }
        return expected(e);
      }
      case Slot::Dst:
      case Slot::Src: {
        const Token& t = peek();
        // The conformance syntax also takes registers without '%' ("mov r1, 0"), as rbpf and
        // newer bpf_conformance tests write them.
        const bool prefix_ok = t.reg_prefix == e.text || (e.text == "%r" && t.reg_prefix == "r");
        if (t.kind != TokKind::Reg || !prefix_ok) return expected(e);
        if (t.reg > max_register_) {
          return failure(ErrorCode::BadRegister, fmt::format("register {} does not exist (r0-r10)", t.text));
        }
        std::optional<unsigned>& field = e.slot == Slot::Dst ? ops.dst : ops.src;
        if (field && *field != t.reg) {
          return failure(ErrorCode::SyntaxError,
                         fmt::format("this instruction needs the same register twice, found {}", t.text));
        }
        field = t.reg;
        ++pos_;
        return true;
      }
      case Slot::Imm:
      case Slot::Next:
      case Slot::Simm: {
        __int128 v = 0;
        // bpf_conformance's syntax writes an immediate as the 64-bit operand it becomes:
        // 0xffffffffffffffff for -1. Only such exact sign extensions are taken; any other
        // value above 32 bits would be silently truncated, so it stays an error.
        const __int128 hi = syntax_ == Syntax::Conformance ? static_cast<__int128>(UINT64_MAX) : kU32Max;
        if (!signed_number(e, e.slot == Slot::Simm, kS32Min, hi, v)) return false;
        if (v > kU32Max) {
          const auto word = static_cast<uint64_t>(v);
          if (word < 0xffffffff80000000ULL) {
            --pos_;
            return failure(ErrorCode::NumberOutOfRange,
                           fmt::format("{} is out of range for {}", toks_[pos_].text, describe(e)));
          }
          v = static_cast<int32_t>(static_cast<uint32_t>(word));
        }
        (e.slot == Slot::Next ? ops.next : ops.imm) = static_cast<int32_t>(static_cast<uint32_t>(v));
        return true;
      }
      case Slot::Off:
      case Slot::Soff: {
        // The offset is optional: "[%r1]" means "[%r1+0]".
        if (!(peek().kind == TokKind::Punct && (peek().text == "+" || peek().text == "-"))) {
          ops.off = 0;
          return true;
        }
        __int128 v = 0;
        if (!signed_number(e, true, INT16_MIN, INT16_MAX, v)) return false;
        ops.off = static_cast<int64_t>(v);
        return true;
      }
      case Slot::Tgt:
      case Slot::Tgt32: {
        ops.target_col = col();
        if (peek().kind == TokKind::Ident) {
          ops.target_label = std::string(peek().text);
          ++pos_;
          return true;
        }
        const __int128 lo = e.slot == Slot::Tgt ? INT16_MIN : INT32_MIN;
        const __int128 hi = e.slot == Slot::Tgt ? INT16_MAX : INT32_MAX;
        __int128 v = 0;
        if (!signed_number(e, true, lo, hi, v)) return false;
        ops.target = static_cast<int64_t>(v);
        return true;
      }
      case Slot::Id: {
        if (peek().kind != TokKind::Number) return expected(e);
        if (peek().number_overflow || peek().number > UINT32_MAX) {
          return failure(ErrorCode::NumberOutOfRange, fmt::format("{} is out of range for {}", peek().text, describe(e)));
        }
        ops.imm = static_cast<int32_t>(static_cast<uint32_t>(peek().number));
        ++pos_;
        return true;
      }
      case Slot::Imm64: {
        __int128 v = 0;
        if (!signed_number(e, false, INT64_MIN, static_cast<__int128>(UINT64_MAX), v)) return false;
        ops.imm64 = static_cast<uint64_t>(v);
        return true;
      }
    }
    return false;
  }

  const std::vector<Token>& toks_;
  Syntax syntax_;
  unsigned max_register_;
  size_t pos_ = 0;
  MatchFailure* fail_ = nullptr;
};

// Which of two patterns' failures to report. A wrong value in the right place (a number out
// of range, a register that does not exist) says more than a pattern that got further on the
// wrong path: "r0 = 4294967296" is a mov whose immediate is too large, not an LDDW lacking
// "ll". Among failures of the same sort, the one that got further wins.
bool better_failure(const MatchFailure& a, const MatchFailure& b) {
  const bool a_value = a.code != ErrorCode::SyntaxError, b_value = b.code != ErrorCode::SyntaxError;
  if (a_value != b_value) return a_value;
  return a.progress > b.progress;
}

// ---- the assembler proper ----------------------------------------------------------------

struct PendingInsn {
  const Encoding* row;
  Operands ops;
  int line;
  size_t pc;
};

std::string_view strip_comment(std::string_view line) {
  size_t cut = line.size();
  for (std::string_view marker : {"#", ";", "//"}) {
    const size_t p = line.find(marker);
    if (p != std::string_view::npos && p < cut) cut = p;
  }
  line = line.substr(0, cut);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
  return line;
}

Error error_at(ErrorCode code, const AssembleOptions& o, int line, int col, std::string message) {
  return Error{code, Location{o.file, line, col, -1}, std::move(message)};
}

Result<std::vector<Insn>> assemble_impl(std::string_view text, Syntax syntax, const AssembleOptions& options,
                                        int* lines_done) {
  const PatternSet& set = patterns(syntax);
  std::vector<PendingInsn> pending;
  std::map<std::string, size_t> labels;
  bool implicit_exit_defined = false;
  size_t pc = 0;
  int line_no = options.first_line - 1;
  std::vector<Token> toks;
  *lines_done = 0;

  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = strip_comment(line);
    if (auto err = lex(line, false, toks)) {
      return error_at(ErrorCode::SyntaxError, options, line_no, err->col, err->message);
    }
    // Leading labels: "name:" (several may precede one instruction).
    size_t first = 0;
    while (first + 1 < toks.size() && toks[first].kind == TokKind::Ident &&
           toks[first + 1].kind == TokKind::Punct && toks[first + 1].text == ":") {
      const std::string name(toks[first].text);
      if (!labels.emplace(name, pc).second) {
        return error_at(ErrorCode::DuplicateLabel, options, line_no, toks[first].col,
                        fmt::format("label '{}' is defined twice", name));
      }
      first += 2;
    }
    toks.erase(toks.begin(), toks.begin() + static_cast<std::ptrdiff_t>(first));
    if (toks.empty()) {
      ++*lines_done;
      continue;
    }
    // ".raw 0x..." : one slot as a little-endian 64-bit word.
    if (toks[0].kind == TokKind::Ident && toks[0].text == ".raw") {
      if (toks.size() != 2 || toks[1].kind != TokKind::Number || toks[1].number_overflow) {
        return error_at(ErrorCode::SyntaxError, options, line_no, toks[0].col,
                        "expected '.raw 0x<64-bit word>'");
      }
      PendingInsn p{nullptr, {}, line_no, pc};
      p.ops.imm64 = toks[1].number;
      pending.push_back(p);
      ++pc;
      ++*lines_done;
      continue;
    }
    const Token& head = toks[0];
    const std::string key = head.kind == TokKind::Reg ? first_key(TokKind::Reg, head.reg_prefix)
                                                        : first_key(head.kind, head.text);
    const auto it = set.by_first.find(key);
    if (it == set.by_first.end()) {
      return error_at(ErrorCode::UnknownMnemonic, options, line_no, head.col,
                      fmt::format("unknown instruction '{}' in {} syntax", head.text, to_string(syntax)));
    }
    Matcher matcher(toks, syntax, options.encode_invalid_registers ? kMaxEncodableRegister : kMaxRegister);
    const Pattern* matched = nullptr;
    Operands ops;
    MatchFailure best;
    bool have_failure = false;
    for (const Pattern* p : it->second) {
      Operands candidate;
      MatchFailure fail;
      if (matcher.match(*p, candidate, fail)) {
        // Canonical spellings win over parse-only aliases ("call 5" is a helper call).
        if (matched == nullptr || (p->canonical && !matched->canonical)) {
          matched = p;
          ops = candidate;
        }
      } else if (!have_failure || better_failure(fail, best)) {
        best = fail;
        have_failure = true;
      }
    }
    if (matched == nullptr) return error_at(best.code, options, line_no, best.col, best.message);
    if (syntax == Syntax::Conformance && matched->row->kind == Kind::Exit && !implicit_exit_defined) {
      labels.insert_or_assign("exit", pc);  // bpf_conformance's implicit label
      implicit_exit_defined = true;
    }
    pending.push_back({matched->row, ops, line_no, pc});
    pc += matched->row->kind == Kind::LoadImm64 ? 2 : 1;
    ++*lines_done;
  }

  std::vector<Insn> out;
  out.reserve(pc);
  for (const PendingInsn& p : pending) {
    if (p.row == nullptr) {
      std::array<uint8_t, kSlotBytes> bytes{};
      for (size_t i = 0; i < kSlotBytes; ++i) bytes[i] = static_cast<uint8_t>(p.ops.imm64 >> (8 * i));
      out.push_back(decode_slot(bytes));
      continue;
    }
    const Encoding& row = *p.row;
    Insn insn;
    insn.opcode = row.opcode;
    insn.dst = static_cast<uint8_t>(p.ops.dst.value_or(0));
    insn.src = static_cast<uint8_t>(p.ops.src.value_or(0));
    insn.off = static_cast<int16_t>(p.ops.off);
    insn.imm = static_cast<int32_t>(p.ops.imm);
    switch (row.key_field) {
      case Field::Src: insn.src = static_cast<uint8_t>(row.key_value); break;
      case Field::Off: insn.off = static_cast<int16_t>(row.key_value); break;
      case Field::Imm: insn.imm = row.key_value; break;
      case Field::None: break;
    }
    if (has_branch_target(row)) {
      int64_t rel = 0;
      if (!p.ops.target_label.empty()) {
        const auto l = labels.find(p.ops.target_label);
        if (l == labels.end()) {
          return error_at(ErrorCode::UndefinedLabel, options, p.line, p.ops.target_col,
                          fmt::format("label '{}' is not defined", p.ops.target_label));
        }
        rel = static_cast<int64_t>(l->second) - static_cast<int64_t>(p.pc) - 1;
      } else {
        rel = *p.ops.target;
      }
      const bool uses_imm = branch_target_in_imm(row);
      const int64_t lo = uses_imm ? INT32_MIN : INT16_MIN, hi = uses_imm ? INT32_MAX : INT16_MAX;
      if (rel < lo || rel > hi) {
        return error_at(ErrorCode::NumberOutOfRange, options, p.line, p.ops.target_col,
                        fmt::format("jump distance {} does not fit the {}-bit field", rel, uses_imm ? 32 : 16));
      }
      if (uses_imm) {
        insn.imm = static_cast<int32_t>(rel);
      } else {
        insn.off = static_cast<int16_t>(rel);
      }
    }
    if (row.kind == Kind::LoadImm64) {
      Insn second;
      if (row.lddw_kind() == LddwKind::Imm) {
        insn.imm = static_cast<int32_t>(static_cast<uint32_t>(p.ops.imm64));
        second.imm = static_cast<int32_t>(static_cast<uint32_t>(p.ops.imm64 >> 32));
      } else {
        second.imm = static_cast<int32_t>(p.ops.next);
      }
      out.push_back(insn);
      out.push_back(second);
    } else {
      out.push_back(insn);
    }
  }
  return out;
}

// ---- disassembler -------------------------------------------------------------------------

std::string format_imm(int64_t v) {
  if (v < 0 || v <= 0xffff) return fmt::format("{}", v);
  return fmt::format("{:#x}", v);
}

std::string format_signed(int64_t v, bool spaced) {
  if (spaced) return v < 0 ? fmt::format("- {}", -v) : fmt::format("+ {}", v);
  return v < 0 ? fmt::format("{}", v) : fmt::format("+{}", v);
}

std::string fill(std::string_view tmpl, const Encoding& row, const Insn& insn, const Insn* second,
                 const std::string& target) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out += tmpl[i++];
      continue;
    }
    const size_t close = tmpl.find('}', i);
    const std::string_view name = tmpl.substr(i + 1, close - i - 1);
    i = close + 1;
    switch (slot_from_name(name)) {
      case Slot::Dst: out += std::to_string(insn.dst); break;
      case Slot::Src: out += std::to_string(insn.src); break;
      case Slot::Imm: out += format_imm(insn.imm); break;
      case Slot::Id: out += std::to_string(static_cast<uint32_t>(insn.imm)); break;
      case Slot::Next: out += format_imm(second ? second->imm : 0); break;
      case Slot::Simm: out += format_signed(insn.imm, true); break;
      case Slot::Off: out += format_signed(insn.off, false); break;
      case Slot::Soff: out += format_signed(insn.off, true); break;
      case Slot::Tgt:
      case Slot::Tgt32: {
        if (!target.empty()) {
          out += target;
        } else {
          const bool uses_imm = branch_target_in_imm(row);
          out += format_signed(uses_imm ? insn.imm : insn.off, false);
        }
        break;
      }
      case Slot::Imm64:
        out += fmt::format("{:#x}", static_cast<uint64_t>(static_cast<uint32_t>(insn.imm)) |
                                        (static_cast<uint64_t>(static_cast<uint32_t>(second->imm)) << 32));
        break;
      case Slot::None: break;
    }
  }
  return out;
}

// A row can print an instruction only when printing loses nothing: fields the row ignores
// must be zero and registers must exist; otherwise the slot is printed as ".raw".
bool representable(const Encoding& row, const Insn& insn, const Insn* second) {
  auto ok = [](FieldRule rule, int64_t v) {
    return rule == FieldRule::Zero ? v == 0 : rule == FieldRule::Reg ? v <= kMaxRegister : true;
  };
  if (!ok(row.dst, insn.dst) || !ok(row.src, insn.src) || !ok(row.off, insn.off) || !ok(row.imm, insn.imm)) {
    return false;
  }
  if (row.kind == Kind::WideSlot) return false;
  if (row.kind == Kind::LoadImm64) {
    if (second == nullptr || second->opcode != 0 || second->dst != 0 || second->src != 0 || second->off != 0) {
      return false;
    }
    if (row.next_imm == FieldRule::Zero && second->imm != 0) return false;
  }
  return true;
}

std::string raw_line(const Insn& insn) {
  const auto b = encode(insn);
  uint64_t word = 0;
  for (size_t i = 0; i < kSlotBytes; ++i) word |= static_cast<uint64_t>(b[i]) << (8 * i);
  return fmt::format(".raw {:#018x}", word);
}

// Prints the instruction at insns[pc]; returns the number of slots it took (1 or 2).
size_t print_insn(std::span<const Insn> insns, size_t pc, Syntax syntax, const std::string& target,
                  std::string& out) {
  const Insn& insn = insns[pc];
  const Insn* second = pc + 1 < insns.size() ? &insns[pc + 1] : nullptr;
  const Encoding* row = find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
  if (row == nullptr || !representable(*row, insn, second)) {
    out += raw_line(insn);
    return 1;
  }
  out += fill(split_alternatives(syntax == Syntax::Conformance ? row->conformance_asm : row->llvm_asm)[0], *row,
              insn, second, target);
  return row->kind == Kind::LoadImm64 ? 2 : 1;
}

}  // namespace

Result<std::vector<Insn>> assemble(std::string_view text, Syntax syntax, const AssembleOptions& options) {
  int lines_done = 0;
  return assemble_impl(text, syntax, options, &lines_done);
}

Result<std::vector<Insn>> assemble_any(std::string_view text, const AssembleOptions& options) {
  int conformance_lines = 0, llvm_lines = 0;
  auto conformance = assemble_impl(text, Syntax::Conformance, options, &conformance_lines);
  if (conformance.ok()) return conformance;
  auto llvm = assemble_impl(text, Syntax::Llvm, options, &llvm_lines);
  if (llvm.ok()) return llvm;
  if (llvm_lines != conformance_lines) return llvm_lines > conformance_lines ? llvm : conformance;
  // Both failed on the same line: the syntax that knew the instruction's first word explains
  // the error better than the one that did not.
  const bool llvm_unknown = llvm.error().code == ErrorCode::UnknownMnemonic;
  const bool conformance_unknown = conformance.error().code == ErrorCode::UnknownMnemonic;
  return conformance_unknown && !llvm_unknown ? llvm : conformance;
}

std::string disassemble_one(const Insn& insn, const Insn* second_slot, Syntax syntax) {
  std::vector<Insn> slots{insn};
  if (second_slot != nullptr) slots.push_back(*second_slot);
  std::string out;
  print_insn(slots, 0, syntax, {}, out);
  return out;
}

std::string disassemble(std::span<const Insn> insns, const DisassembleOptions& options) {
  // First pass: where instructions start, and which of them are targets.
  std::vector<bool> starts(insns.size(), false);
  std::set<size_t> targets;
  for (size_t pc = 0; pc < insns.size();) {
    starts[pc] = true;
    const Insn& insn = insns[pc];
    const Insn* second = pc + 1 < insns.size() ? &insns[pc + 1] : nullptr;
    const Encoding* row = find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    const bool printable = row != nullptr && representable(*row, insn, second);
    if (printable && has_branch_target(*row)) {
      const int64_t t = branch_target(insn, *row, pc);
      if (t >= 0 && t < static_cast<int64_t>(insns.size())) targets.insert(static_cast<size_t>(t));
    }
    pc += printable && row->kind == Kind::LoadImm64 ? 2 : 1;
  }
  auto label_of = [&](size_t pc) { return fmt::format("L{}", pc); };
  std::string out;
  for (size_t pc = 0; pc < insns.size();) {
    if (options.labels && targets.count(pc) != 0) out += label_of(pc) + ":\n";
    std::string target;
    const Insn& insn = insns[pc];
    if (const Encoding* row = find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
        options.labels && row != nullptr && has_branch_target(*row)) {
      const int64_t t = branch_target(insn, *row, pc);
      if (t >= 0 && t < static_cast<int64_t>(insns.size()) && starts[static_cast<size_t>(t)] &&
          targets.count(static_cast<size_t>(t)) != 0) {
        target = label_of(static_cast<size_t>(t));
      }
    }
    std::string line;
    const size_t used = print_insn(insns, pc, options.syntax, target, line);
    out += options.show_pc ? fmt::format("{:>6}: {}\n", pc, line) : fmt::format("    {}\n", line);
    pc += used;
  }
  return out;
}

}  // namespace bpfcert::semantics
