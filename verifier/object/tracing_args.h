// The context of a BTF-typed program (fentry, fexit, fmod_ret, tp_btf, lsm, iter): the
// arguments of the kernel function, tracepoint or iterator it attaches to, read from the target
// kernel's BTF as Linux's btf_ctx_access reads them, and the kernel's structures as
// btf_struct_access walks them for loads through those arguments.
#pragma once

#include <bpf/btf.h>

#include <memory>
#include <optional>
#include <string>

#include "loader/object.h"
#include "verifier/platform.h"

namespace bpfcert::verifier {

// KernelTypes over a libbpf BTF (the target kernel's vmlinux, or a hand-built one in tests),
// which must outlive it.
class BtfKernelTypes final : public KernelTypes {
 public:
  explicit BtfKernelTypes(const struct btf* btf) : btf_(btf) {}
  // btf_struct_walk for a read of `size` bytes at `offset` of a `type` object: the member
  // holding the bytes, inside nested structs, unions and arrays (an access inside an array of
  // scalars may span elements, as Linux allows); a pointer member read whole, at its offset,
  // gives a pointer when it points to a struct or union. Refused: bytes past the struct, in
  // padding, across members, part of a pointer, or part of a bitfield.
  Load load(uint32_t type, int64_t offset, uint32_t size) const override;
  uint32_t size_of(uint32_t type) const override;
  std::string name_of(uint32_t type) const override;

 private:
  const struct btf* btf_;
};

struct TracingContext {
  ContextLayout context;  // the argument slots (u64 each; a struct passed by value takes more)
  std::string target;     // "function vfs_read", "tracepoint block_rq_issue", ...
  // The exit values the attach type allows (check_return_code): fentry and fexit 0, iter 0
  // or 1; nullopt: any (tp_btf, fmod_ret, lsm).
  std::optional<std::pair<int64_t, int64_t>> return_range;
};

// The context of `program` when it is a BTF-typed program whose attach target is in `btf`
// (program.attach_btf_id); nullopt for other programs. An error says why the target's type
// cannot be read (not a function, no prototype).
semantics::Result<std::optional<TracingContext>> tracing_context(const loader::ProgramInfo& program,
                                                                 const struct btf* btf);

}  // namespace bpfcert::verifier
