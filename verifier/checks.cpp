// The catalogue of checks (checks.h), in CheckId order.
#include "verifier/checks.h"

namespace bpfcert::verifier {

namespace {

using enum CheckId;
constexpr Severity E = Severity::Error;

constexpr std::array<CheckInfo, kCheckCount> kCatalog = {{
    {RegUninit, "reg.uninit", E, "a register is read before it is written on some path",
     "write the register on every path that reaches the read, the paths that skip its assignment included"},
    {StackUninit, "stack.uninit", E, "stack bytes are read (by a load or a helper) before they are written",
     "write every byte before it is read: clear a buffer (`= {}`, `__builtin_memset`) before a helper or a load reads it"},
    {MemType, "mem.type", E,
     "a memory access through a value that is not a dereferenceable pointer (scalar, map handle, packet end, "
     "code address, value of unknown type), or an access kind the region does not allow",
     "access memory only through a pointer to a region (stack, context, packet data, a looked-up map value), with "
     "an access the region allows (no atomics on packet data or the context)"},
    {MemNull, "mem.null", E, "a dereference of a pointer that may be null (a map lookup result not checked)",
     "compare the pointer with 0 before the access: `if (!value) return ...;`"},
    {MemBounds, "mem.bounds", E,
     "an access that may fall outside its region (stack frame, memory, map value, variable, packet range "
     "proven by comparison with packet end)",
     "bound the access before it: for packet data, compare the pointer plus the bytes used with data_end "
     "(`if (data + off + size > data_end) return ...;`); for other regions, compare a variable index with the "
     "region's size"},
    {MemReadonly, "mem.readonly", E, "a write into a read-only region or context field",
     "write only into writable memory: copy read-only data (a read-only map's value, a read-only context field) "
     "to the stack first"},
    {CtxAccess, "ctx.access", E, "a context access at an offset, size or variable offset no field allows",
     "access the context only at a constant offset, with the size, of a field the program type's context defines"},
    {PtrArith, "ptr.arith", E,
     "arithmetic the pointer rules forbid (on a nullable pointer, packet end, map handle or code address; "
     "pointer + pointer; non-additive ops on pointers; a 32-bit subtraction other than the distance between pointers "
     "into one object, unless pointers may leak; operands of unknown type)",
     "compare a nullable pointer with 0 first, and move pointers only by 64-bit addition or subtraction of a "
     "scalar"},
    {PtrCompare, "ptr.compare", E,
     "a comparison between pointers into different objects, or between a pointer and a non-zero scalar",
     "compare a pointer only with 0 or with a pointer into the same object (packet pointers with data_end)"},
    {PtrPartial, "ptr.partial", E, "a pointer stored or loaded in part (size below 8 or misaligned spill)",
     "keep pointers on the stack only by aligned 8-byte stores, and reload them whole"},
    {PtrLeak, "ptr.leak", E,
     "a pointer stored into memory the program's output can read, or passed where only scalars may go, "
     "on a platform that forbids pointer leaks",
     "store and pass scalars, not addresses, where the program's output can read them"},
    {HelperUnknown, "helper.unknown", E, "a call to a helper or kfunc the platform or the program type lacks",
     "call only helpers the platform offers to this program type, or choose a program type that has the helper"},
    {HelperArg, "helper.arg", E, "a helper or kfunc argument of the wrong type or size for its prototype",
     "pass what the prototype asks: the map itself for a map argument, a pointer to initialised memory of the "
     "size that follows it, a size bounded by a comparison (and non-zero where required)"},
    {RefLeak, "ref.leak", E,
     "a path ends the program (exit, tail call, legacy packet load) or acquires again while holding a reference it "
     "must release (a ring buffer record)",
     "release every record bpf_ringbuf_reserve returned, on every path: bpf_ringbuf_submit or bpf_ringbuf_discard "
     "it before returning, and after its null check only on the non-null branch"},
    {RefReleased, "ref.released", E, "a record used or released again after bpf_ringbuf_submit or _discard released it",
     "copy what the record holds before submitting it; submit or discard each record once"},
    {CallDepth, "call.depth", E, "more call frames than the platform allows (8, main program included)",
     "nest fewer calls: inline some functions (`__always_inline`)"},
    {CallRecursion, "call.recursion", E, "a local call to a function already on the call stack",
     "rewrite the recursion as a bounded loop"},
    {CallIndirect, "call.indirect", E, "a callx whose target is neither a known code address nor a constant helper id",
     "call through a register only when it holds a function's address (LDDW src 4) or a constant helper id"},
    {FrameSize, "frame.size", E, "the stack used by the frames of a call chain exceeds the platform's stack size",
     "use less stack in the functions of the chain: move large buffers into a per-CPU array map"},
    {ExitR0, "exit.r0", E,
     "r0 at an exit is uninitialised, not a scalar (main program), or outside the program type's return range",
     "set r0 on every path to the exit to a scalar the program type accepts (e.g. `XDP_PASS`)"},
    {ExitStackPointer, "exit.stack_pointer", E, "a function returns a pointer to its own stack frame",
     "return a value, or write through a pointer the caller passes, instead of the address of a local"},
    {LoopUnbounded, "loop.unbounded", E,
     "a loop whose number of iterations the analysis cannot bound (or whose bound exceeds the limit)",
     "give the loop a counter that moves by a constant step toward a constant bound "
     "(`for (i = 0; i < N; i++)`), or use `bpf_loop`"},
    {LoopIrreducible, "loop.irreducible", E, "a cycle with more than one entry, whose iterations cannot be counted",
     "give every loop one entry (no goto into a loop's body)"},
    {CfgJump, "cfg.jump", E, "a jump or fall-through that leaves its subprogram",
     "keep jumps inside their function, and end every function with exit"},
    {MapUnknown, "map.unknown", E, "an LDDW naming a map or variable the program does not link against",
     "link the program against the map or variable its LDDW names (by fd or by index)"},
    {MapDirectValue, "map.direct_value", E,
     "a direct map value address (LDDW src 2/6) into a non-array map or past its value",
     "take direct value addresses only of array maps, at an offset inside the value"},
    {InsnForbidden, "insn.forbidden", E, "an instruction the program type does not allow (e.g. legacy packet loads)",
     "use what the program type allows: direct packet access or `bpf_skb_load_bytes` instead of legacy packet loads"},
    {AnalysisBudget, "analysis.budget", E, "the analysis exceeded its work budget; nothing is proven",
     "make the program smaller or its loops simpler (bounded by a counter); nothing in it is proven wrong"},
    {ProgramType, "program.type", E,
     "the program's type is not modelled by the platform, or nothing selects one; nothing is proven",
     "give the program a type the platform models: name its section as libbpf does, or pass `--program-type` "
     "(iproute2 and Cilium give the type on their command line)"},
    {CfgUnreachable, "cfg.unreachable", Severity::Warning, "instructions no path from the entry reaches",
     "remove the dead code, or find the condition that keeps every path from it"},
}};

constexpr bool catalog_in_enum_order() {
  for (size_t i = 0; i < kCatalog.size(); ++i) {
    if (static_cast<size_t>(kCatalog[i].id) != i) return false;
  }
  return true;
}
static_assert(catalog_in_enum_order(), "the catalogue lists every CheckId once, in enum order");

}  // namespace

const char* to_string(Severity s) { return s == Severity::Error ? "error" : "warning"; }

const std::array<CheckInfo, kCheckCount>& check_catalog() { return kCatalog; }

const CheckInfo& check_info(CheckId id) { return kCatalog[static_cast<size_t>(id)]; }

const char* to_string(CheckId id) { return check_info(id).name; }

const CheckInfo* find_check(std::string_view name) {
  for (const CheckInfo& c : kCatalog) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace bpfcert::verifier
