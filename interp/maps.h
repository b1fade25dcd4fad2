// Map model: array and hash maps with Linux's helper semantics (lookup, update with
// BPF_ANY / BPF_NOEXIST / BPF_EXIST, delete). Values live in one slab per map, so a map's
// values form one memory region with per-element bounds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/machine.h"

namespace bpfcert::interp {

// Linux's numbering (uapi bpf_map_type), so objects and reports use the same values. Every
// type an object may declare can be created: the reference VM models each by the behaviour a
// program can observe through the helpers (see make_map).
enum class MapType : uint32_t {
  Hash = 1,
  Array = 2,
  ProgArray = 3,
  PerfEventArray = 4,
  PercpuHash = 5,
  PercpuArray = 6,
  StackTrace = 7,
  CgroupArray = 8,
  LruHash = 9,
  LruPercpuHash = 10,
  LpmTrie = 11,
  ArrayOfMaps = 12,
  HashOfMaps = 13,
  Devmap = 14,
  Sockmap = 15,
  Cpumap = 16,
  Xskmap = 17,
  Sockhash = 18,
  CgroupStorage = 19,
  ReuseportSockarray = 20,
  PercpuCgroupStorage = 21,
  Queue = 22,
  Stack = 23,
  SkStorage = 24,
  DevmapHash = 25,
  StructOps = 26,
  RingBuf = 27,
  InodeStorage = 28,
  TaskStorage = 29,
  BloomFilter = 30,
  UserRingBuf = 31,
  CgrpStorage = 32,
};
inline constexpr uint32_t kLastMapType = 32;

const char* to_string(MapType t);
std::optional<MapType> map_type_from_string(std::string_view s);

struct MapDef {
  std::string name;
  MapType type = MapType::Array;
  uint32_t key_size = 4;
  uint32_t value_size = 8;
  uint32_t max_entries = 1;
  uint32_t flags = 0;
};

// Update flags and the errno values helpers return (semantics/machine.h).
using semantics::kE2BIG;
using semantics::kEEXIST;
using semantics::kEFAULT;
using semantics::kEINVAL;
using semantics::kENOENT;
using semantics::kUpdateAny;
using semantics::kUpdateExist;
using semantics::kUpdateNoExist;

class Map {
 public:
  explicit Map(MapDef def);
  virtual ~Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  const MapDef& def() const { return def_; }
  // Value slots: `stride` bytes apart, value_size bytes each.
  std::span<uint8_t> slab() { return slab_; }
  std::span<const uint8_t> slab() const { return slab_; }
  uint64_t stride() const { return stride_; }

  virtual uint8_t* lookup(const uint8_t* key) = 0;  // nullptr when absent
  virtual int64_t update(const uint8_t* key, const uint8_t* value, uint64_t flags) = 0;  // 0 or -errno
  virtual int64_t erase(const uint8_t* key) = 0;
  // Present entries as (key bytes, value pointer), in a stable order, for reports.
  virtual std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const = 0;
  // Queue, stack and bloom filter maps (bpf_map_push_elem / pop / peek); others: -EINVAL.
  virtual int64_t push(const uint8_t* value, uint64_t flags);
  virtual int64_t pop(uint8_t* value, bool remove);
  // Ring buffers (bpf_ringbuf_reserve / _submit / _discard): a record of `size` bytes in the
  // slab, or nullptr when it does not fit; then the record's bytes, released (nullopt when
  // `record` is not the start of a reserved record). Other maps hold no records.
  virtual uint8_t* reserve_record(uint64_t size);
  virtual std::optional<std::vector<uint8_t>> release_record(const uint8_t* record);
  // The records reserved and not yet released, by start address (nullptr: the map has none).
  virtual const std::map<uint64_t, uint64_t>* live_records() const { return nullptr; }

 protected:
  MapDef def_;
  uint64_t stride_;
  std::vector<uint8_t> slab_;
};

// Creates a map of def.type, on a single CPU: types indexed by a u32 below max_entries (arrays,
// prog / perf event / cgroup arrays, device, CPU, socket and XDP socket maps, array of maps,
// stack traces) behave as arrays; types keyed by arbitrary bytes (hashes, hash of maps, socket
// hash, device hash, local storages) as hashes, whose lookups find only what was updated;
// LPM tries by longest prefix; queues and stacks by push and pop; bloom filters by push and
// peek (exact: no false positives); ring buffers hold no elements. Fails on sizes the type does
// not allow.
semantics::Result<std::unique_ptr<Map>> make_map(const MapDef& def);

}  // namespace bpfcert::interp
