// Code pages: where generated code lives and how it becomes executable, never writable and
// executable at once (code_pages.cpp explains the pool, the memfd and the fallback).
#pragma once

#include <cstddef>
#include <cstdint>

#include "interp/jit/jit.h"

namespace bpfcert::interp::jit {

// A block of at least `bytes` from the pool (start is nullptr when nothing could be mapped):
// in the memfd (file_offset >= 0, read + execute; fill it with write_code_block) or anonymous
// read + write pages (the fallback; the caller makes them read + execute with mprotect).
detail::CodeBlock acquire_code_block(size_t bytes);
// Gives a block back to the pool it came from.
void release_code_block(const detail::CodeBlock& block);
// Makes `image` (block.bytes long: the code and its padding) the contents of a memfd block.
bool write_code_block(const detail::CodeBlock& block, const uint8_t* image);

}  // namespace bpfcert::interp::jit
