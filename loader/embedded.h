// BPF objects inside other files: a libbpf skeleton (bpftool gen skeleton) embeds the whole
// object it was generated from in the executable's read-only data, and hands those bytes to
// bpf_object__open_mem at run time. The scan finds every ELF image there whose header says
// BPF (machine 247, or 0 as old LLVM wrote it) and relocatable, and bounds it by its section
// headers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "semantics/diagnostic.h"

namespace bpfcert::loader {

// What an ELF file is, for callers that accept BPF objects and executables alike.
enum class ElfFileKind : uint8_t {
  NotElf,
  BpfObject,  // a relocatable BPF object (clang -target bpf -c)
  Other,      // any other ELF file (an executable, a shared library, a host object)
};
ElfFileKind elf_file_kind(std::span<const uint8_t> bytes);

struct EmbeddedObject {
  std::string section;  // the host section holding it (".rodata")
  uint64_t offset = 0;          // file offset of its first byte
  uint64_t section_offset = 0;  // its offset in `section`
  std::span<const uint8_t> bytes;
  // A name for messages and reports: "PATH(.rodata+0x38546)".
  std::string display_name(const std::string& host_path) const;
};

// The BPF objects embedded in the non-executable data sections of an ELF file (empty when
// there is none). Errors only for a host ELF file libelf cannot read.
semantics::Result<std::vector<EmbeddedObject>> find_embedded_objects(std::span<const uint8_t> host,
                                                                    const std::string& path);

}  // namespace bpfcert::loader
