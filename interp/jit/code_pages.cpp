#include "interp/jit/code_pages.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace bpfcert::interp {
namespace jit {
namespace {

// Code pages: where generated code lives and how it becomes executable.
//
// Pooling. Mapping fresh pages per program (mmap, the first-touch page faults, munmap) costs
// more than generating the code of a small program. Blocks are whole pages, carved from chunks
// of kChunkPages mapped pre-faulted (MAP_POPULATE), and go back to a free list per size when
// their Jit is destroyed; beyond kMaxPooledPages free pages, freed blocks are unmapped. A
// program too large for a quarter of a chunk gets a mapping of its own (pooled the same way).
// One mutex guards the pools; writing the code runs outside it, on a block only that compile
// holds, so compiles on several threads overlap except for taking and returning blocks.
//
// Installing code, CodeInstall::Memfd (the default). The pages belong to a memfd
// ("bpfcert-jit") and its only mappings are read + execute, MAP_SHARED. compile() writes the
// code with one pwrite() of the whole block (the code and its zero padding, so nothing a
// previous program left survives) at the block's offset in the file: the kernel writes the
// page-cache pages that the mapping shows. No mapping is ever writable, so W^X holds in a
// stronger form than "never writable and executable at once": there is no writable view of
// the code at all. What can change the code is the file descriptor (close-on-exec), as
// mprotect is in the fallback. A freed block goes straight back to its free list, still read
// + execute: its old code is unreachable (its Jit is gone) and the next pwrite replaces all of
// it. On the development VM a syscall costs ~1 us, a pwrite of a page ~2 us, and an mprotect
// that takes write access away ~6 us (a TLB flush; tens of microseconds on some virtualised
// hosts), plus the batched mprotects that made freed blocks writable again.
//
// Rewriting a block that held other code. x86 keeps instruction caches coherent with stores,
// including the kernel's stores through its own mapping of the page (caches are snooped by
// physical address), so no cache flush is needed. What x86 does not promise is that a
// processor drops instructions it already fetched when another processor rewrites them: the
// SDM's protocol for cross-modifying code has the executing processor serialise (cpuid)
// before it runs the new code. We rely instead on the block being unreachable while it is
// rewritten, as Linux's BPF JIT does when it copies a new program into a freed part of its
// executable memory (bpf_prog_pack, through another mapping): no thread runs a Jit's code once
// the Jit is destroyed, so no processor is executing in the block, and the new Jit reaches
// other threads only after pwrite() has returned, through whatever synchronisation hands it
// over. (The fallback's mprotect may interrupt other processors running the process for its
// TLB shootdown, which serialises them in passing; the memfd path, like most JITs, does not.)
//
// fork(). A child shares MAP_SHARED mappings instead of getting copies: were parent and child
// to keep allocating from the same file, one would overwrite code the other runs. So at a fork
// (pthread_atfork) both processes stop writing the file they now share: each starts a memfd of
// its own at its next compile; the shared file's free blocks and the rest of its chunk are
// unmapped, and its blocks still in use are unmapped rather than pooled when freed (the
// descriptor is closed with the last of them). Code compiled before the fork keeps running in
// both processes.
//
// The fallback, CodeInstall::Mprotect: when memfd_create() or an executable mapping of the
// memfd is refused (a seccomp filter, an SELinux execmem policy), when the environment sets
// BPFCERT_JIT_MPROTECT (read once; anything but "" or "0"), or while jit_force_mprotect(true)
// is in effect. Anonymous private pages: a block in this pool is read + write and never
// executable; compile() copies the code into it, then makes it read + execute (mprotect); a
// freed block becomes read + write again before it returns to the pool, so pages are never
// writable and executable at once. Freed blocks are made writable in batches (kRetireBatch
// pages, adjacent blocks in one mprotect), which halves a compile-and-free cycle; until its
// batch, a freed block keeps its code, read + execute, unreachable. Each block remembers its
// pool (CodeBlock::file_offset), so switching mechanisms at any time is safe.
class CodePages {
 public:
  using Block = detail::CodeBlock;

  static CodePages& instance() {
    static CodePages* pages = new CodePages;  // never destroyed: Jits may outlive statics
    return *pages;
  }

  // A block of at least `bytes`: in the memfd (file_offset >= 0, read + execute; fill it with
  // write()) or, failing that or when the fallback is wanted, anonymous read + write pages.
  // start is nullptr when nothing could be mapped.
  Block acquire(size_t bytes) {
    const size_t pages = std::max<size_t>(1, (bytes + page_ - 1) / page_);
    std::lock_guard lock(mutex_);
    if (memfd_wanted()) {
      const Block b = memfd_.acquire(pages);
      if (b.start != nullptr) return b;
    }
    return anonymous_.acquire(pages);
  }

  void release(const Block& b) {
    std::lock_guard lock(mutex_);
    if (b.file_offset >= 0) {
      memfd_.release(b);
    } else {
      anonymous_.release(b);
    }
  }

  // Makes `image` (b.bytes long: the code and its padding) the contents of a memfd block.
  static bool write(const Block& b, const uint8_t* image) {
    size_t done = 0;
    while (done < b.bytes) {
      const auto at = static_cast<off_t>(b.file_offset) + static_cast<off_t>(done);
      const ssize_t n = pwrite(b.fd, image + done, b.bytes - done, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  CodeInstall next_install() {
    std::lock_guard lock(mutex_);
    return memfd_wanted() && memfd_.ready() ? CodeInstall::Memfd : CodeInstall::Mprotect;
  }

  void force_mprotect(bool force) { forced_mprotect_.store(force, std::memory_order_relaxed); }

 private:
  static constexpr size_t kChunkPages = 64;
  static constexpr size_t kMaxPooledPages = 1024;  // per pool
  static constexpr size_t kRetireBatch = 64;

  // Blocks in a memfd mapped read + execute only (see above). Called with the mutex held.
  class MemfdPool {
   public:
    explicit MemfdPool(size_t page) : page_(page) {}

    // Whether a memfd is open (opening one if need be) and executable mappings of it work.
    bool ready() {
      if (!usable_) return false;
      if (fd_ < 0 && !open()) return false;
      if (proven_) return true;
      // The first chunk is the test of whether an executable mapping is allowed.
      return new_chunk();
    }

    Block acquire(size_t pages) {
      if (!ready()) return {};
      const size_t bytes = pages * page_;
      if (auto it = free_.find(pages); it != free_.end() && !it->second.empty()) {
        const Free f = it->second.back();
        it->second.pop_back();
        free_pages_ -= pages;
        ++live_;
        return {f.start, bytes, f.offset, fd_};
      }
      if (pages > kChunkPages / 4) {
        int64_t offset = 0;
        uint8_t* start = map(bytes, offset);
        if (start == nullptr) return {};
        ++live_;
        return {start, bytes, offset, fd_};
      }
      // The rest of the old chunk stays mapped (and its part of the file allocated), unused.
      if (chunk_left_ < pages && !new_chunk()) return {};
      const Block b{chunk_, bytes, chunk_offset_, fd_};
      chunk_ += bytes;
      chunk_offset_ += static_cast<int64_t>(bytes);
      chunk_left_ -= pages;
      ++live_;
      return b;
    }

    void release(const Block& b) {
      if (b.fd != fd_) {  // a block of the file shared with the other side of a fork
        munmap(b.start, b.bytes);
        const auto it = shared_files_.find(b.fd);
        if (it != shared_files_.end() && --it->second == 0) {
          close(b.fd);
          shared_files_.erase(it);
        }
        return;
      }
      --live_;
      const size_t pages = b.bytes / page_;
      if (free_pages_ + pages > kMaxPooledPages) {
        munmap(b.start, b.bytes);
        // Give the memory back; the offsets are not reused (the file only grows, sparsely).
        fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, b.file_offset, static_cast<off_t>(b.bytes));
        return;
      }
      free_[pages].push_back({b.start, b.file_offset});
      free_pages_ += pages;
    }

    // In both processes after a fork (the mutex was held across it): stop using the file
    // they share; see above.
    void after_fork() {
      if (fd_ < 0) return;
      for (const auto& [pages, blocks] : free_) {
        for (const Free& f : blocks) munmap(f.start, pages * page_);
      }
      free_.clear();
      free_pages_ = 0;
      if (chunk_left_ > 0) munmap(chunk_, chunk_left_ * page_);
      chunk_ = nullptr;
      chunk_left_ = 0;
      if (live_ == 0) {
        close(fd_);
      } else {
        shared_files_[fd_] = live_;
      }
      fd_ = -1;
      live_ = 0;
    }

   private:
    struct Free {
      uint8_t* start;
      int64_t offset;
    };

    bool open() {
      // MFD_NOEXEC_SEAL (Linux 6.3+): the file can never be execve()d, which is all it denies
      // (mapping it executable is not affected) and what the vm.memfd_noexec sysctl asks for.
      int fd = memfd_create("bpfcert-jit", MFD_CLOEXEC | kNoExecSeal);
      if (fd < 0 && errno == EINVAL) fd = memfd_create("bpfcert-jit", MFD_CLOEXEC);
      if (fd < 0) {
        if (!proven_) usable_ = false;
        return false;
      }
      fd_ = fd;
      file_size_ = 0;
      return true;
    }

    bool new_chunk() {
      int64_t offset = 0;
      uint8_t* start = map(kChunkPages * page_, offset);
      if (start == nullptr) return false;
      chunk_ = start;
      chunk_offset_ = offset;
      chunk_left_ = kChunkPages;
      return true;
    }

    // Grows the file by `bytes` and maps them read + execute, pre-faulted (so the first run
    // of the code pays no page faults). nullptr on failure; the first failure before any
    // mapping worked turns the memfd off for good (the fallback takes over).
    uint8_t* map(size_t bytes, int64_t& offset) {
      offset = file_size_;
      void* mem = MAP_FAILED;
      if (ftruncate(fd_, static_cast<off_t>(offset) + static_cast<off_t>(bytes)) == 0) {
        mem = mmap(nullptr, bytes, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_POPULATE, fd_, static_cast<off_t>(offset));
      }
      if (mem == MAP_FAILED) {
        if (!proven_) {
          usable_ = false;
          close(fd_);
          fd_ = -1;
        }
        return nullptr;
      }
      file_size_ += static_cast<int64_t>(bytes);
      proven_ = true;
      return static_cast<uint8_t*>(mem);
    }

#ifdef MFD_NOEXEC_SEAL
    static constexpr unsigned kNoExecSeal = MFD_NOEXEC_SEAL;
#else
    static constexpr unsigned kNoExecSeal = 0x0008U;
#endif

    const size_t page_;
    bool usable_ = true;   // false once memfd_create or an executable mapping was refused
    bool proven_ = false;  // an executable mapping of a memfd has worked in this process
    int fd_ = -1;
    int64_t file_size_ = 0;
    uint8_t* chunk_ = nullptr;
    int64_t chunk_offset_ = 0;
    size_t chunk_left_ = 0;  // pages
    std::map<size_t, std::vector<Free>> free_;
    size_t free_pages_ = 0;
    size_t live_ = 0;                     // blocks of fd_ handed out and not released
    std::map<int, size_t> shared_files_;  // memfds from before a fork: blocks still in use
  };

  // Anonymous private pages, read + write in the pool (the mprotect fallback, see above).
  // Called with the mutex held.
  class AnonymousPool {
   public:
    explicit AnonymousPool(size_t page) : page_(page) {}

    Block acquire(size_t pages) {
      const size_t bytes = pages * page_;
      if (auto it = free_.find(pages); it != free_.end() && !it->second.empty()) {
        uint8_t* block = it->second.back();
        it->second.pop_back();
        free_pages_ -= pages;
        return {block, bytes, -1, -1};
      }
      if (pages > kChunkPages / 4) return {map(bytes, false), bytes, -1, -1};
      if (chunk_left_ < pages) {
        // The rest of the old chunk stays mapped, read + write, and unused.
        chunk_ = map(kChunkPages * page_, true);
        chunk_left_ = chunk_ == nullptr ? 0 : kChunkPages;
        if (chunk_ == nullptr) return {};
      }
      const Block b{chunk_, bytes, -1, -1};
      chunk_ += bytes;
      chunk_left_ -= pages;
      return b;
    }

    void release(const Block& b) {
      if (free_pages_ + retired_pages_ + b.bytes / page_ > kMaxPooledPages) {
        munmap(b.start, b.bytes);
        return;
      }
      retired_.push_back({b.start, b.bytes});
      retired_pages_ += b.bytes / page_;
      if (retired_pages_ >= kRetireBatch) recycle_retired();
    }

   private:
    struct Retired {
      uint8_t* start;
      size_t bytes;
    };

    // Makes the retired blocks read + write, adjacent ones in one mprotect, and pools them.
    void recycle_retired() {
      std::sort(retired_.begin(), retired_.end(), [](const Retired& a, const Retired& b) { return a.start < b.start; });
      for (size_t i = 0; i < retired_.size();) {
        size_t j = i + 1;
        uint8_t* end = retired_[i].start + retired_[i].bytes;
        while (j < retired_.size() && retired_[j].start == end) end += retired_[j++].bytes;
        const bool writable = mprotect(retired_[i].start, static_cast<size_t>(end - retired_[i].start),
                                       PROT_READ | PROT_WRITE) == 0;
        for (; i < j; ++i) {
          const Retired& b = retired_[i];
          if (!writable) {
            munmap(b.start, b.bytes);
            continue;
          }
          free_[b.bytes / page_].push_back(b.start);
          free_pages_ += b.bytes / page_;
        }
      }
      retired_.clear();
      retired_pages_ = 0;
    }

    static uint8_t* map(size_t bytes, bool populate) {
      const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
      void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
      return mem == MAP_FAILED ? nullptr : static_cast<uint8_t*>(mem);
    }

    const size_t page_;
    uint8_t* chunk_ = nullptr;
    size_t chunk_left_ = 0;  // pages
    std::map<size_t, std::vector<uint8_t*>> free_;
    size_t free_pages_ = 0;
    std::vector<Retired> retired_;  // freed, still read + execute: see the comment above
    size_t retired_pages_ = 0;
  };

  CodePages()
      : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
        env_forces_mprotect_([] {
          const char* v = std::getenv("BPFCERT_JIT_MPROTECT");
          return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
        }()),
        memfd_(page_),
        anonymous_(page_) {
    self_ = this;
    pthread_atfork([] { self_->mutex_.lock(); }, after_fork, after_fork);
  }

  static void after_fork() {
    self_->memfd_.after_fork();
    self_->mutex_.unlock();
  }

  bool memfd_wanted() const { return !env_forces_mprotect_ && !forced_mprotect_.load(std::memory_order_relaxed); }

  static inline CodePages* self_ = nullptr;  // for the fork handlers
  const size_t page_;
  const bool env_forces_mprotect_;
  std::atomic<bool> forced_mprotect_{false};
  std::mutex mutex_;
  MemfdPool memfd_;
  AnonymousPool anonymous_;
};

}  // namespace

detail::CodeBlock acquire_code_block(size_t bytes) { return CodePages::instance().acquire(bytes); }
void release_code_block(const detail::CodeBlock& block) { CodePages::instance().release(block); }
bool write_code_block(const detail::CodeBlock& block, const uint8_t* image) { return CodePages::write(block, image); }

}  // namespace jit

CodeInstall jit_code_install() { return jit::CodePages::instance().next_install(); }

void jit_force_mprotect(bool force) { jit::CodePages::instance().force_mprotect(force); }

}  // namespace bpfcert::interp
