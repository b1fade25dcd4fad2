// The abstract operators of the scalar domain that the checker proves and measures, one entry
// per ISA mnemonic (bpf_conformance spelling: "add", "add32", "movsx832", "jlt32", "ldxsh")
// plus the domain's own operations ("sync", "tighten", "join", "widen"). The ISA entries are
// derived from the opcode table, so an encoding added there is proven without an edit here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semantics/opcode_table.h"
#include "verifier/access_rules.h"

namespace bpfcert::verifier::smt {

enum class OperatorKind : uint8_t {
  Alu,      // scalar_alu(op, width, dst, src, ext_bits) against semantics::alu
  Branch,   // scalar_refine(op, width, taken, dst, src) against semantics::jump_taken, both ways
  Load,     // scalar_load_result / scalar_unknown_load against semantics::load_result
  Sync,     // scalar_sync: the reduction between the tnum and the four ranges
  Tighten,  // scalar_tighten: range endpoints moved onto tnum members
  Join,     // scalar_join
  Widen,    // scalar_widen
  // The checks (check_operators(), verifier/access_rules.h), proven against the machine model:
  Access,   // an access the checker accepts in a region does not trap (semantics/machine.h)
  Pointer,  // pointer + scalar, pointer - scalar, pointer - pointer: the new offset's abstract value
  Range,    // a comparison with packet end (or of data_meta with data) records a true range
};

struct Operator {
  std::string name;  // "add32", "jsgt", "ldxsb", "sync"
  OperatorKind kind;
  semantics::AluOp alu_op = semantics::AluOp::Add;
  semantics::JmpOp jmp_op = semantics::JmpOp::Jeq;
  semantics::Width width = semantics::Width::W64;
  unsigned ext_bits = 0;     // END / BSWAP / MOVSX width (64-bit terms)
  unsigned size = 0;         // Load: bytes
  bool sign_extend = false;  // Load: MEMSX
  bool unary = false;        // Alu: no second operand (neg, le/be/bswap)
  // Group of the encoding (divmul ops are the expensive ones); Base64 for the domain's own.
  semantics::Group group = semantics::Group::Base64;
  // Access: the region. Range: Packet (packet pointer with packet end) or PacketMeta (data_meta
  // with data). Pointer: ptr.add, ptr.sub (alu_op Add, Sub) and ptr.diff (Sub, pointer_pair).
  access_rules::Region region = access_rules::Region::Stack;
  bool pointer_pair = false;
};

// Every operator, ISA mnemonics in opcode-table order, then sync, tighten, join, widen.
const std::vector<Operator>& operators();

// The operator named `name` (a mnemonic as above, "all" is not a name).
const Operator* find_operator(std::string_view name);

// The checker's statements, proven like operators: "access.<region>" for every region
// (access_rules::Region: stack, memory, map_value, variable, context, packet, packet_meta),
// "ptr.add", "ptr.sub", "ptr.diff", "range.packet", "range.packet_meta". Their lemmas and the
// statements are in check_prover.cpp.
const std::vector<Operator>& check_operators();
const Operator* find_check_operator(std::string_view name);
bool is_check(const Operator& op);  // Access, Pointer or Range

// The mnemonic of an encoding: the first word of its bpf_conformance spelling.
std::string conformance_mnemonic(const semantics::Encoding& e);

// Multiplication, division and modulo: the operators SMT cannot yet prove at 64 bits (all but
// the tnum of mul and mul32, which prover.h proves at 64 bits by induction over tnum_mul's steps).
bool is_expensive(const Operator& op);

// The widths of the quick subset the test suite proves (bpfcert prove --quick): 8 and 16 bits
// for every operator and 64 bits for all but the expensive ones. The 64-bit mul and div are
// proven at 8 bits only: their 16-bit tnum and unsigned-range statements do not finish in
// minutes with Z3 4.8.12 (the published state of the art for tnum mul is 8 bits, 14 in a day).
// The lemmas that prove the tnum of mul by induction are cheap: quick_widths(Obligation) in
// prover.h puts them at 8, 16 and 64 bits.
// The checks' access and range statements are stated at 64 bits only (their bounds are 64-bit
// constants, verifier/access_rules.h); the pointer transfer functions at 8, 16 and 64 bits.
std::vector<unsigned> quick_widths(const Operator& op);

std::string_view to_string(OperatorKind k);

}  // namespace bpfcert::verifier::smt
