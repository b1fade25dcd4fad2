#include "interp/world_helpers.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <utility>

namespace bpfcert::interp {

namespace {

// A helper function knows its own id only through its instantiation: HelperFn is a plain
// function pointer (the JIT calls it directly), so one function per id reads that id's
// signature from the environment.
template <int32_t Id>
uint64_t world_helper(HelperContext& ctx, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  const auto it = ctx.env.world_signatures.find(Id);
  if (it == ctx.env.world_signatures.end()) return ctx.fault(fmt::format("helper {} has no signature", Id));
  const std::array<uint64_t, 5> regs{r1, r2, r3, r4, r5};
  const WorldSignature& sig = it->second;
  for (size_t i = 0; i + 1 < sig.size(); ++i) {
    if ((sig[i] != WorldArg::Input && sig[i] != WorldArg::Output) || sig[i + 1] != WorldArg::Size) continue;
    const uint64_t addr = regs[i], size = regs[i + 1];
    if (size == 0) continue;
    const bool output = sig[i] == WorldArg::Output;
    const bool ok = output ? ctx.memory.writable(addr, size) : ctx.memory.readable(addr, size);
    if (!ok) {
      return ctx.fault(fmt::format("helper {}: argument r{} ({} bytes at {:#x}) is not {}: {}", Id, i + 1, size, addr,
                                   output ? "writable" : "readable", ctx.memory.describe(addr)));
    }
    if (output) std::memset(reinterpret_cast<void*>(addr), 0, size);
  }
  return 0;
}

template <int32_t... Ids>
constexpr std::array<HelperFn, sizeof...(Ids)> world_table(std::integer_sequence<int32_t, Ids...>) {
  return {&world_helper<Ids>...};
}

constexpr auto kWorldHelpers = world_table(std::make_integer_sequence<int32_t, kMaxWorldHelperId>{});

}  // namespace

bool add_world_helper(Environment& env, int32_t id, std::string name, const WorldSignature& signature) {
  if (id <= 0 || id >= kMaxWorldHelperId) return false;
  env.world_signatures[id] = signature;
  env.add_helper({id, std::move(name), kWorldHelpers[static_cast<size_t>(id)]});
  return true;
}

}  // namespace bpfcert::interp
