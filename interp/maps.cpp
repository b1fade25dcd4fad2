#include "interp/maps.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <optional>

#include "semantics/machine.h"

namespace bpfcert::interp {

const char* to_string(MapType t) {
  switch (t) {
    case MapType::Hash: return "hash";
    case MapType::Array: return "array";
    case MapType::ProgArray: return "prog_array";
    case MapType::PerfEventArray: return "perf_event_array";
    case MapType::PercpuHash: return "percpu_hash";
    case MapType::PercpuArray: return "percpu_array";
    case MapType::LruHash: return "lru_hash";
    case MapType::LruPercpuHash: return "lru_percpu_hash";
    case MapType::RingBuf: return "ringbuf";
  }
  return "unknown";
}

std::optional<MapType> map_type_from_string(std::string_view s) {
  for (MapType t : {MapType::Hash, MapType::Array, MapType::ProgArray, MapType::PerfEventArray,
                    MapType::PercpuHash, MapType::PercpuArray, MapType::LruHash, MapType::LruPercpuHash,
                    MapType::RingBuf}) {
    if (s == to_string(t)) return t;
  }
  return std::nullopt;
}

Map::Map(MapDef def) : def_(std::move(def)) {
  stride_ = semantics::map_value_stride(def_.value_size);
  slab_.assign(stride_ * def_.max_entries, 0);
}

namespace {

class ArrayMap final : public Map {
 public:
  using Map::Map;
  uint8_t* lookup(const uint8_t* key) override {
    uint32_t index = 0;
    std::memcpy(&index, key, sizeof index);
    return index < def_.max_entries ? slab_.data() + stride_ * index : nullptr;
  }
  int64_t update(const uint8_t* key, const uint8_t* value, uint64_t flags) override {
    if (flags > kUpdateExist) return kEINVAL;
    if (flags == kUpdateNoExist) return kEEXIST;  // array elements always exist
    uint8_t* slot = lookup(key);
    if (slot == nullptr) return kE2BIG;
    std::memmove(slot, value, def_.value_size);
    return 0;
  }
  int64_t erase(const uint8_t*) override { return kEINVAL; }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override {
    std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> out;
    for (uint32_t i = 0; i < def_.max_entries; ++i) {
      std::vector<uint8_t> key(4);
      std::memcpy(key.data(), &i, 4);
      out.emplace_back(std::move(key), slab_.data() + stride_ * i);
    }
    return out;
  }
};

class HashMap final : public Map {
 public:
  explicit HashMap(MapDef def) : Map(std::move(def)) {
    for (uint32_t i = def_.max_entries; i > 0; --i) free_.push_back(i - 1);
  }
  uint8_t* lookup(const uint8_t* key) override {
    const auto it = index_.find(as_key(key));
    return it == index_.end() ? nullptr : slab_.data() + stride_ * it->second;
  }
  int64_t update(const uint8_t* key, const uint8_t* value, uint64_t flags) override {
    if (flags > kUpdateExist) return kEINVAL;
    std::string k = as_key(key);
    const auto it = index_.find(k);
    if (it != index_.end()) {
      if (flags == kUpdateNoExist) return kEEXIST;
      std::memmove(slab_.data() + stride_ * it->second, value, def_.value_size);
      return 0;
    }
    if (flags == kUpdateExist) return kENOENT;
    if (free_.empty()) return kE2BIG;
    const uint32_t slot = free_.back();
    free_.pop_back();
    std::memmove(slab_.data() + stride_ * slot, value, def_.value_size);
    index_.emplace(std::move(k), slot);
    return 0;
  }
  int64_t erase(const uint8_t* key) override {
    const auto it = index_.find(as_key(key));
    if (it == index_.end()) return kENOENT;
    free_.push_back(it->second);
    index_.erase(it);
    return 0;
  }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override {
    std::map<std::string, uint32_t> sorted(index_.begin(), index_.end());
    std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> out;
    for (const auto& [k, slot] : sorted) {
      out.emplace_back(std::vector<uint8_t>(k.begin(), k.end()), slab_.data() + stride_ * slot);
    }
    return out;
  }

 private:
  std::string as_key(const uint8_t* key) const { return std::string(reinterpret_cast<const char*>(key), def_.key_size); }
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<uint32_t> free_;
};

// Ring buffers hold no elements a program can look up or update: programs only append records
// (bpf_ringbuf_output), which the helper reports as the run's output.
class RingBufMap final : public Map {
 public:
  using Map::Map;
  uint8_t* lookup(const uint8_t*) override { return nullptr; }
  int64_t update(const uint8_t*, const uint8_t*, uint64_t) override { return kEINVAL; }
  int64_t erase(const uint8_t*) override { return kEINVAL; }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override { return {}; }
};

}  // namespace

semantics::Result<std::unique_ptr<Map>> make_map(const MapDef& def) {
  using semantics::Error;
  using semantics::ErrorCode;
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::BadFile, {}, fmt::format("map '{}' ({}): {}", def.name, to_string(def.type), why)};
  };
  if (def.max_entries == 0) return bad("max_entries must be positive");
  if (def.max_entries > (1u << 24)) return bad("max_entries above 16M is not supported by the reference VM");
  if (def.value_size == 0 && def.type != MapType::RingBuf) return bad("value_size must be positive");
  if (def.value_size > (1u << 20)) return bad("value_size above 1 MiB is not supported");
  // Each size may be fine alone and the product still absurd (1 MiB x 16M entries): the slab
  // is allocated up front, so its size is bounded rather than left to throw bad_alloc.
  constexpr uint64_t kMaxSlabBytes = uint64_t{256} << 20;
  if (((uint64_t{def.value_size} + 7) & ~uint64_t{7}) * def.max_entries > kMaxSlabBytes) {
    return bad("value_size x max_entries above 256 MiB is not supported by the reference VM");
  }
  switch (def.type) {
    case MapType::Array:
    case MapType::PercpuArray:
    case MapType::ProgArray:
    case MapType::PerfEventArray:
      if (def.key_size != 4) return bad("array maps need key_size 4");
      return std::unique_ptr<Map>(new ArrayMap(def));
    case MapType::Hash:
    case MapType::PercpuHash:
    case MapType::LruHash:
    case MapType::LruPercpuHash:
      if (def.key_size == 0 || def.key_size > 512) return bad("key_size must be 1..512");
      return std::unique_ptr<Map>(new HashMap(def));
    case MapType::RingBuf: {
      // Linux: a power-of-2 number of bytes, a multiple of the page size; no key or value.
      const bool pow2 = (def.max_entries & (def.max_entries - 1)) == 0;
      if (!pow2 || def.max_entries < 4096 || def.key_size != 0 || def.value_size != 0) {
        return bad("ring buffers need key_size 0, value_size 0 and max_entries a power of 2 >= 4096");
      }
      return std::unique_ptr<Map>(new RingBufMap(def));  // value_size 0: no slab
    }
  }
  return bad("unknown map type");
}

}  // namespace bpfcert::interp
