#include "loader/embedded.h"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace bpfcert::loader {

using semantics::Error;
using semantics::ErrorCode;

namespace {

constexpr uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};

template <class T>
T read(std::span<const uint8_t> b, size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

// The size of the 64-bit little-endian relocatable BPF object starting at b[0], or 0 when the
// bytes are not one: the end of its section header table or of its last section, whichever is
// further, within the bytes available.
size_t bpf_object_size(std::span<const uint8_t> b) {
  if (b.size() < sizeof(Elf64_Ehdr) || std::memcmp(b.data(), kElfMagic, 4) != 0) return 0;
  if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB) return 0;
  const auto ehdr = read<Elf64_Ehdr>(b, 0);
  if (ehdr.e_type != ET_REL || (ehdr.e_machine != EM_BPF && ehdr.e_machine != EM_NONE)) return 0;
  if (ehdr.e_shentsize != sizeof(Elf64_Shdr) || ehdr.e_shnum == 0 || ehdr.e_shoff < sizeof(Elf64_Ehdr)) return 0;
  const uint64_t table_end = ehdr.e_shoff + uint64_t{ehdr.e_shnum} * sizeof(Elf64_Shdr);
  if (table_end > b.size()) return 0;
  uint64_t end = table_end;
  for (uint16_t i = 0; i < ehdr.e_shnum; ++i) {
    const auto sh = read<Elf64_Shdr>(b, ehdr.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr));
    if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL) continue;
    if (sh.sh_offset > b.size() || sh.sh_size > b.size() - sh.sh_offset) return 0;
    end = std::max<uint64_t>(end, sh.sh_offset + sh.sh_size);
  }
  return static_cast<size_t>(end);
}

struct ElfDeleter {
  void operator()(Elf* e) const { elf_end(e); }
};

}  // namespace

ElfFileKind elf_file_kind(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kElfMagic, 4) != 0) return ElfFileKind::NotElf;
  if (bytes.size() >= sizeof(Elf64_Ehdr) && bytes[EI_CLASS] == ELFCLASS64) {
    const auto ehdr = read<Elf64_Ehdr>(bytes, 0);
    if (ehdr.e_type == ET_REL && (ehdr.e_machine == EM_BPF || ehdr.e_machine == EM_NONE)) return ElfFileKind::BpfObject;
  }
  return ElfFileKind::Other;
}

std::string EmbeddedObject::display_name(const std::string& host_path) const {
  return fmt::format("{}({}+{:#x})", host_path, section, section_offset);
}

semantics::Result<std::vector<EmbeddedObject>> find_embedded_objects(std::span<const uint8_t> host,
                                                                    const std::string& path) {
  std::vector<EmbeddedObject> out;
  if (elf_version(EV_CURRENT) == EV_NONE) return Error{ErrorCode::BadElf, {path, 0, 0, -1}, "libelf is unusable"};
  std::unique_ptr<Elf, ElfDeleter> elf(
      elf_memory(const_cast<char*>(reinterpret_cast<const char*>(host.data())), host.size()));
  size_t shstrndx = 0;
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF || elf_getshdrstrndx(elf.get(), &shstrndx) != 0) {
    return Error{ErrorCode::BadElf, {path, 0, 0, -1}, fmt::format("libelf cannot read the file: {}", elf_errmsg(-1))};
  }
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_PROGBITS || (sh.sh_flags & SHF_EXECINSTR) != 0) continue;
    if (sh.sh_offset > host.size() || sh.sh_size > host.size() - sh.sh_offset) continue;
    const char* name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
    const auto data = host.subspan(sh.sh_offset, sh.sh_size);
    size_t pos = 0;
    while (pos + 4 <= data.size()) {
      const auto* hit = static_cast<const uint8_t*>(memmem(data.data() + pos, data.size() - pos, kElfMagic, 4));
      if (hit == nullptr) break;
      const auto at = static_cast<size_t>(hit - data.data());
      const size_t size = bpf_object_size(data.subspan(at));
      if (size == 0) {
        pos = at + 1;
        continue;
      }
      out.push_back(EmbeddedObject{name != nullptr ? name : "?", sh.sh_offset + at, at, data.subspan(at, size)});
      pos = at + size;
    }
  }
  return out;
}

}  // namespace bpfcert::loader
