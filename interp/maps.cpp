#include "interp/maps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "semantics/machine.h"

namespace bpfcert::interp {

namespace {
// Indexed by uapi bpf_map_type; the names are libbpf's (bpftool map show).
constexpr const char* kMapTypeNames[] = {
    "unspec",          "hash",           "array",           "prog_array",   "perf_event_array", "percpu_hash",
    "percpu_array",    "stack_trace",    "cgroup_array",    "lru_hash",     "lru_percpu_hash",  "lpm_trie",
    "array_of_maps",   "hash_of_maps",   "devmap",          "sockmap",      "cpumap",           "xskmap",
    "sockhash",        "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
    "sk_storage",      "devmap_hash",    "struct_ops",      "ringbuf",      "inode_storage",    "task_storage",
    "bloom_filter",    "user_ringbuf",   "cgrp_storage",
};
static_assert(std::size(kMapTypeNames) == kLastMapType + 1, "one name per uapi map type");
}  // namespace

const char* to_string(MapType t) {
  const auto i = static_cast<uint32_t>(t);
  return i >= 1 && i <= kLastMapType ? kMapTypeNames[i] : "unknown";
}

std::optional<MapType> map_type_from_string(std::string_view s) {
  for (uint32_t i = 1; i <= kLastMapType; ++i) {
    if (s == kMapTypeNames[i]) return static_cast<MapType>(i);
  }
  return std::nullopt;
}

int64_t Map::push(const uint8_t*, uint64_t) { return kEINVAL; }
int64_t Map::pop(uint8_t*, bool) { return kEINVAL; }
uint8_t* Map::reserve_record(uint64_t) { return nullptr; }
std::optional<std::vector<uint8_t>> Map::release_record(const uint8_t*) { return std::nullopt; }

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

class HashMap : public Map {
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

// Ring buffers hold no elements a program can look up or update: programs append records
// (bpf_ringbuf_output, or bpf_ringbuf_reserve then _submit), which the helpers report as the
// run's output. The slab is where reserved records live (the run's memory has it as one
// region), allocated in order and reused once every record is released, as a consumer that
// keeps up would leave the ring; a record that does not fit gives NULL, as in Linux.
class RingBufMap final : public Map {
 public:
  explicit RingBufMap(const MapDef& def) : Map(def) {
    slab_.assign(std::min<uint64_t>(def.max_entries, kMaxRecordBytes), 0);
  }
  uint8_t* lookup(const uint8_t*) override { return nullptr; }
  int64_t update(const uint8_t*, const uint8_t*, uint64_t) override { return kEINVAL; }
  int64_t erase(const uint8_t*) override { return kEINVAL; }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override { return {}; }
  uint8_t* reserve_record(uint64_t size) override {
    const uint64_t rounded = (size + 7) & ~uint64_t{7};
    if (size == 0 || size > slab_.size() || rounded > slab_.size() - next_) return nullptr;
    uint8_t* record = slab_.data() + next_;
    outstanding_[reinterpret_cast<uint64_t>(record)] = size;
    next_ += rounded;
    return record;
  }
  std::optional<std::vector<uint8_t>> release_record(const uint8_t* record) override {
    const auto it = outstanding_.find(reinterpret_cast<uint64_t>(record));
    if (it == outstanding_.end()) return std::nullopt;
    std::vector<uint8_t> bytes(record, record + it->second);
    outstanding_.erase(it);
    if (outstanding_.empty()) next_ = 0;
    return bytes;
  }
  const std::map<uint64_t, uint64_t>* live_records() const override { return &outstanding_; }

 private:
  static constexpr uint64_t kMaxRecordBytes = uint64_t{256} << 10;
  uint64_t next_ = 0;                         // offset in the slab of the next record
  std::map<uint64_t, uint64_t> outstanding_;  // start address -> size
};

// LPM trie (BPF_MAP_TYPE_LPM_TRIE): keys are struct bpf_lpm_trie_key, a u32 prefix length
// then the data bytes (network order); a lookup finds the entry with the longest prefix that
// matches the key's first prefixlen bits. Entries are few in a reference run: a linear scan.
class LpmTrieMap final : public HashMap {
 public:
  using HashMap::HashMap;
  uint8_t* lookup(const uint8_t* key) override {
    const uint32_t want = std::min(prefix_len(key), max_prefix());
    uint8_t* best = nullptr;
    uint32_t best_len = 0;
    for (const auto& [k, value] : HashMap::entries()) {
      const uint32_t len = prefix_len(k.data());
      if (len > want || (best != nullptr && len <= best_len) || !prefix_matches(k.data(), key, len)) continue;
      best = const_cast<uint8_t*>(value);
      best_len = len;
    }
    return best;
  }
  int64_t update(const uint8_t* key, const uint8_t* value, uint64_t flags) override {
    if (prefix_len(key) > max_prefix()) return kEINVAL;
    return HashMap::update(canonical(key).data(), value, flags);
  }
  int64_t erase(const uint8_t* key) override {
    if (prefix_len(key) > max_prefix()) return kEINVAL;
    return HashMap::erase(canonical(key).data());
  }

 private:
  static uint32_t prefix_len(const uint8_t* key) {
    uint32_t n = 0;
    std::memcpy(&n, key, 4);
    return n;
  }
  uint32_t max_prefix() const { return (def_.key_size - 4) * 8; }
  static bool prefix_matches(const uint8_t* a, const uint8_t* b, uint32_t bits) {
    for (uint32_t i = 0; i < bits; ++i) {
      const uint8_t mask = static_cast<uint8_t>(0x80u >> (i % 8));
      if ((a[4 + i / 8] & mask) != (b[4 + i / 8] & mask)) return false;
    }
    return true;
  }
  // The bits past the prefix do not belong to the key (Linux ignores them too).
  std::vector<uint8_t> canonical(const uint8_t* key) const {
    std::vector<uint8_t> k(key, key + def_.key_size);
    const uint32_t bits = prefix_len(key);
    for (uint32_t i = bits; i < max_prefix(); ++i) k[4 + i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
    return k;
  }
};

// Queue (FIFO) and stack (LIFO) maps: no keys; bpf_map_push_elem with BPF_EXIST (2) drops the
// oldest element when full, bpf_map_pop_elem / bpf_map_peek_elem copy the next one out.
class QueueMap final : public Map {
 public:
  QueueMap(MapDef def, bool lifo) : Map(std::move(def)), lifo_(lifo) {}
  uint8_t* lookup(const uint8_t*) override { return nullptr; }
  int64_t update(const uint8_t*, const uint8_t* value, uint64_t flags) override { return push(value, flags); }
  int64_t erase(const uint8_t*) override { return kEINVAL; }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override {
    std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> out;
    for (const std::vector<uint8_t>& e : items_) out.emplace_back(std::vector<uint8_t>{}, e.data());
    return out;
  }
  int64_t push(const uint8_t* value, uint64_t flags) override {
    if (flags != kUpdateAny && flags != kUpdateExist) return kEINVAL;
    if (items_.size() >= def_.max_entries) {
      if (flags != kUpdateExist) return kE2BIG;
      items_.pop_front();
    }
    items_.emplace_back(value, value + def_.value_size);
    return 0;
  }
  int64_t pop(uint8_t* value, bool remove) override {
    if (items_.empty()) return kENOENT;
    std::vector<uint8_t>& e = lifo_ ? items_.back() : items_.front();
    std::memcpy(value, e.data(), def_.value_size);
    if (remove) lifo_ ? items_.pop_back() : items_.pop_front();
    return 0;
  }

 private:
  bool lifo_;
  std::deque<std::vector<uint8_t>> items_;
};

// Bloom filter: bpf_map_push_elem adds a value, bpf_map_peek_elem answers 0 (maybe present) or
// -ENOENT (absent). The reference VM keeps the values themselves, so it never answers a false
// positive, which Linux may: a program must not depend on one either way.
class BloomFilterMap final : public Map {
 public:
  using Map::Map;
  uint8_t* lookup(const uint8_t*) override { return nullptr; }
  int64_t update(const uint8_t*, const uint8_t* value, uint64_t flags) override { return push(value, flags); }
  int64_t erase(const uint8_t*) override { return kEINVAL; }
  std::vector<std::pair<std::vector<uint8_t>, const uint8_t*>> entries() const override { return {}; }
  int64_t push(const uint8_t* value, uint64_t flags) override {
    if (flags != kUpdateAny) return kEINVAL;
    if (values_.size() >= def_.max_entries) return kE2BIG;
    values_.emplace(reinterpret_cast<const char*>(value), def_.value_size);
    return 0;
  }
  int64_t pop(uint8_t* value, bool remove) override {
    if (remove) return kEINVAL;  // bloom filters are only peeked
    return values_.count(std::string(reinterpret_cast<const char*>(value), def_.value_size)) != 0 ? 0 : kENOENT;
  }

 private:
  std::set<std::string> values_;
};

}  // namespace

semantics::Result<std::unique_ptr<Map>> make_map(const MapDef& def) {
  using semantics::Error;
  using semantics::ErrorCode;
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::BadFile, {}, fmt::format("map '{}' ({}): {}", def.name, to_string(def.type), why)};
  };
  if (def.max_entries > (1u << 24)) return bad("max_entries above 16M is not supported by the reference VM");
  if (def.value_size == 0 && def.type != MapType::RingBuf && def.type != MapType::UserRingBuf) {
    return bad("value_size must be positive");
  }
  if (def.value_size > (1u << 20)) return bad("value_size above 1 MiB is not supported");
  // Each size may be fine alone and the product still absurd (1 MiB x 16M entries): the slab
  // is allocated up front, so its size is bounded rather than left to throw bad_alloc.
  constexpr uint64_t kMaxSlabBytes = uint64_t{256} << 20;
  if (((uint64_t{def.value_size} + 7) & ~uint64_t{7}) * def.max_entries > kMaxSlabBytes) {
    return bad("value_size x max_entries above 256 MiB is not supported by the reference VM");
  }
  // Local storages (socket, inode, task, cgroup) have max_entries 0 in Linux: one value per
  // object, created on demand. A reference run meets few objects: room for 64.
  MapDef sized = def;
  const bool storage = def.type == MapType::SkStorage || def.type == MapType::InodeStorage ||
                       def.type == MapType::TaskStorage || def.type == MapType::CgrpStorage;
  const bool cgroup_storage = def.type == MapType::CgroupStorage || def.type == MapType::PercpuCgroupStorage;
  if ((storage || cgroup_storage) && sized.max_entries == 0) sized.max_entries = 64;
  if (sized.max_entries == 0) return bad("max_entries must be positive");
  switch (def.type) {
    case MapType::Array:
    case MapType::PercpuArray:
    case MapType::ProgArray:
    case MapType::PerfEventArray:
    case MapType::StackTrace:
    case MapType::CgroupArray:
    case MapType::ArrayOfMaps:
    case MapType::Devmap:
    case MapType::Sockmap:
    case MapType::Cpumap:
    case MapType::Xskmap:
    case MapType::ReuseportSockarray:
    case MapType::StructOps:
      if (def.key_size != 4) return bad("array maps need key_size 4");
      return std::unique_ptr<Map>(new ArrayMap(sized));
    case MapType::Hash:
    case MapType::PercpuHash:
    case MapType::LruHash:
    case MapType::LruPercpuHash:
    case MapType::HashOfMaps:
    case MapType::Sockhash:
    case MapType::DevmapHash:
    case MapType::SkStorage:
    case MapType::InodeStorage:
    case MapType::TaskStorage:
    case MapType::CgrpStorage:
    case MapType::CgroupStorage:
    case MapType::PercpuCgroupStorage:
      if (def.key_size == 0 || def.key_size > 512) return bad("key_size must be 1..512");
      return std::unique_ptr<Map>(new HashMap(sized));
    case MapType::LpmTrie:
      // struct bpf_lpm_trie_key: a u32 prefix length and 1..256 data bytes (LPM_DATA_SIZE_MAX).
      if (def.key_size < 5 || def.key_size > 4 + 256) return bad("LPM trie keys are 5..260 bytes");
      return std::unique_ptr<Map>(new LpmTrieMap(sized));
    case MapType::Queue:
    case MapType::Stack:
      if (def.key_size != 0) return bad("queue and stack maps need key_size 0");
      return std::unique_ptr<Map>(new QueueMap(sized, def.type == MapType::Stack));
    case MapType::BloomFilter:
      if (def.key_size != 0) return bad("bloom filters need key_size 0");
      return std::unique_ptr<Map>(new BloomFilterMap(sized));
    case MapType::RingBuf:
    case MapType::UserRingBuf: {
      // Linux: a power-of-2 number of bytes, a multiple of the page size; no key or value.
      const bool pow2 = (def.max_entries & (def.max_entries - 1)) == 0;
      if (!pow2 || def.max_entries < 4096 || def.key_size != 0 || def.value_size != 0) {
        return bad("ring buffers need key_size 0, value_size 0 and max_entries a power of 2 >= 4096");
      }
      return std::unique_ptr<Map>(new RingBufMap(def));
    }
  }
  return bad("unknown map type");
}

}  // namespace bpfcert::interp
