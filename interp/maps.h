// Map model: array and hash maps with Linux's helper semantics (lookup, update with
// BPF_ANY / BPF_NOEXIST / BPF_EXIST, delete). Values live in one slab per map, so a map's
// values form one memory region with per-element bounds.
#pragma once

#include <cstdint>
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

// Linux's numbering (uapi bpf_map_type), so objects and reports use the same values.
enum class MapType : uint32_t {
  Hash = 1,
  Array = 2,
  ProgArray = 3,
  PerfEventArray = 4,
  PercpuHash = 5,
  PercpuArray = 6,
  LruHash = 9,
  LruPercpuHash = 10,
  RingBuf = 27,
};

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

 protected:
  MapDef def_;
  uint64_t stride_;
  std::vector<uint8_t> slab_;
};

// Creates a map of def.type; array-like types (Array, PercpuArray, ProgArray, PerfEventArray)
// behave as arrays and hash-like ones (Hash, PercpuHash, LruHash, LruPercpuHash) as hashes,
// on a single CPU. Fails on sizes the type does not allow.
semantics::Result<std::unique_ptr<Map>> make_map(const MapDef& def);

}  // namespace bpfcert::interp
