// Jit::compile: runs the emitter (emitter.h) into an asmjit CodeHolder, then installs the code
// in a block of code pages (code_pages.h).
#include <asmjit/x86.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "interp/jit/code_pages.h"
#include "interp/jit/emitter.h"

namespace bpfcert::interp {

namespace {

// Throws nothing: asmjit reports errors through return values, collected here.
class CollectErrors : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
    if (error == asmjit::kErrorOk) {
      error = err;
      text = message;
    }
  }
  asmjit::Error error = asmjit::kErrorOk;
  std::string text;
};

// Why `permit` does not allow running `linked` in `env` unchecked, or nullopt when it does.
std::optional<std::string> permit_refusal(const std::optional<semantics::UncheckedPermit>& permit,
                                          const LinkedProgram& linked, const Environment& env) {
  if (!permit) return "no permit: only a program the verifier accepted runs without memory checks";
  if (!permit->covers(*linked.program)) return "the permit was issued for other instructions";
  if (!permit->from_verifier()) return std::nullopt;
  if (permit->maps().size() != env.map_count()) {
    return fmt::format("the verifier saw {} maps, the environment has {}", permit->maps().size(), env.map_count());
  }
  for (size_t i = 0; i < env.map_count(); ++i) {
    const MapDef& def = env.map_at(i).def();
    const semantics::UncheckedPermit::MapShape& shape = permit->maps()[i];
    if (def.value_size != shape.value_size || def.max_entries != shape.max_entries) {
      return fmt::format("map {} has {} values of {} bytes; the verifier assumed {} of {}", i, def.max_entries,
                         def.value_size, shape.max_entries, shape.value_size);
    }
  }
  for (const auto& [id, size] : permit->variables()) {
    if (env.variable_size(id) != size) {
      return fmt::format("variable {} is not the {}-byte variable the verifier assumed", id, size);
    }
  }
  return std::nullopt;
}

}  // namespace

bool jit_available() {
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

Jit::Jit(const LinkedProgram& linked, Environment& env, const JitOptions& options)
    : linked_(&linked), env_(&env), options_(options) {}

Jit::~Jit() {
  if (block_.start != nullptr) jit::release_code_block(block_);
}

semantics::Result<std::unique_ptr<Jit>> Jit::compile(const LinkedProgram& linked, Environment& env,
                                                     const JitOptions& options) {
  using semantics::Error;
  using semantics::ErrorCode;
  if (!jit_available()) return Error{ErrorCode::UsageError, {}, "the JIT needs an x86-64 host"};
  if (options.counting == StepCounting::Off && options.safety != SafetyMode::Unchecked) {
    return Error{ErrorCode::UsageError, {},
                 "jit: running without a step budget needs unchecked mode (a program the verifier accepted)"};
  }
  if (options.safety == SafetyMode::Unchecked) {
    if (auto refusal = permit_refusal(options.permit, linked, env)) {
      return Error{ErrorCode::UsageError, {}, "jit: unchecked mode refused: " + *refusal};
    }
  }
  // may_goto needs a budget per frame that this JIT does not keep: it refuses the program
  // rather than compile a loop that never ends.
  for (size_t pc = 0; pc < linked.program->size(); ++pc) {
    if (linked.program->row(pc).kind == semantics::Kind::MayGoto) {
      return Error{ErrorCode::ExtensionDisabled, {{}, 0, 0, static_cast<int64_t>(pc)},
                   fmt::format("may_goto (pc {}, Linux's extension) is not supported by the x86-64 JIT", pc)};
    }
  }
  std::unique_ptr<Jit> jit(new Jit(linked, env, options));
  asmjit::CodeHolder code;
  asmjit::Environment target = asmjit::Environment::host();
  code.init(target);
  CollectErrors errors;
  code.setErrorHandler(&errors);
  asmjit::StringLogger logger;
  if (options.listing) {
    logger.addFlags(asmjit::FormatFlags::kHexImms | asmjit::FormatFlags::kHexOffsets);
    code.setLogger(&logger);
  }
  std::vector<asmjit::Label> entries;
  {
    jit::Emitter emitter(env, linked, jit->options_, code);
    auto generated = emitter.run(entries);
    if (!generated.ok()) return generated.error();
  }
  if (errors.error == asmjit::kErrorOk) errors.error = code.flatten();
  if (errors.error == asmjit::kErrorOk) errors.error = code.resolveUnresolvedLinks();
  const size_t size = code.codeSize();
  const detail::CodeBlock block = jit::acquire_code_block(size);
  if (block.start == nullptr) return Error{ErrorCode::UsageError, {}, "jit: mmap failed"};
  jit->block_ = block;
  uint8_t* const mem = block.start;
  if (errors.error == asmjit::kErrorOk) errors.error = code.relocateToBase(reinterpret_cast<uint64_t>(mem));
  // The whole block is written, padding included (kPadTargetBuffer), so nothing a previous
  // program left in a recycled block survives. With one section (.text: runtime functions are
  // called through a register, so asmjit adds no .addrtab) the code and the padding cover
  // every byte of the image; asmjit would leave gaps between sections unwritten.
  std::unique_ptr<uint8_t[]> image;
  if (errors.error == asmjit::kErrorOk) {
    if (block.file_offset >= 0) {
      image = code.sectionCount() == 1 ? std::make_unique_for_overwrite<uint8_t[]>(block.bytes)
                                       : std::make_unique<uint8_t[]>(block.bytes);
      errors.error = code.copyFlattenedData(image.get(), block.bytes, asmjit::CopySectionFlags::kPadTargetBuffer);
    } else {
      errors.error = code.copyFlattenedData(mem, block.bytes, asmjit::CopySectionFlags::kPadTargetBuffer);
    }
  }
  if (errors.error != asmjit::kErrorOk) {
    return Error{ErrorCode::UsageError, {},
                 fmt::format("jit: code generation failed: {}", asmjit::DebugUtils::errorAsString(errors.error))};
  }
  if (block.file_offset >= 0) {
    // The memfd's mappings are read + execute only: the kernel writes the code into the file
    // (see code_pages.cpp). The block is unreachable until this returns.
    if (!jit::write_code_block(block, image.get())) {
      return Error{ErrorCode::UsageError, {}, fmt::format("jit: pwrite failed: {}", std::strerror(errno))};
    }
  } else if (mprotect(mem, block.bytes, PROT_READ | PROT_EXEC) != 0) {
    // The fallback: the block was only ever read + write; now it becomes read + execute.
    return Error{ErrorCode::UsageError, {}, "jit: mprotect failed"};
  }
  if (options.listing) {
    jit->listing_ = fmt::format("; {} bytes of x86-64 at {}, {} mode\n{}", size, static_cast<void*>(mem),
                                options.safety == SafetyMode::Checked ? "checked" : "unchecked", logger.data());
  }
  jit->code_size_ = size;
  jit->entry_ = reinterpret_cast<void (*)(void*)>(mem);
  const size_t n = linked.program->size();
  jit->native_pc_.assign(n, 0);
  for (size_t pc = 0; pc < n; ++pc) {
    if (entries[pc].isValid()) {
      jit->native_pc_[pc] = reinterpret_cast<uint64_t>(mem) + code.labelOffsetFromBase(entries[pc]);
    }
  }
  return jit;
}

}  // namespace bpfcert::interp
