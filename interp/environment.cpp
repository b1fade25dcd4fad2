#include "interp/environment.h"

#include <fmt/format.h>

namespace bpfcert::interp {

std::string Trap::to_string() const {
  return fmt::format("trap {} at pc {}: {}", interp::to_string(kind), pc, message);
}

Environment::Environment() = default;

semantics::Result<size_t> Environment::add_map(const MapDef& def, std::optional<int32_t> fd) {
  if (fd && fd_to_index_.count(*fd) != 0) {
    return semantics::Error{semantics::ErrorCode::BadFile, {}, fmt::format("map fd {} is declared twice", *fd)};
  }
  auto map = make_map(def);
  if (!map.ok()) return map.error();
  maps_.push_back(std::move(map.value()));
  const size_t index = maps_.size() - 1;
  if (fd) fd_to_index_[*fd] = index;
  return index;
}

std::optional<size_t> Environment::map_index_by_fd(int32_t fd) const {
  const auto it = fd_to_index_.find(fd);
  if (it == fd_to_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> Environment::map_fd(size_t index) const {
  for (const auto& [fd, i] : fd_to_index_) {
    if (i == index) return fd;
  }
  return std::nullopt;
}

Map* Environment::map_from_handle(uint64_t handle) {
  const std::optional<uint64_t> index = semantics::map_index_of(handle);
  return index && *index < maps_.size() ? maps_[*index].get() : nullptr;
}

void Environment::add_variable(int32_t id, std::string name, size_t size) {
  variables_[id] = Variable{std::move(name), std::vector<uint8_t>(size, 0)};
}

std::optional<uint64_t> Environment::variable_address(int32_t id) const {
  const auto it = variables_.find(id);
  if (it == variables_.end()) return std::nullopt;
  return reinterpret_cast<uint64_t>(it->second.bytes.data());
}

std::optional<uint64_t> Environment::variable_size(int32_t id) const {
  const auto it = variables_.find(id);
  if (it == variables_.end()) return std::nullopt;
  return it->second.bytes.size();
}

const Helper* Environment::helper(int32_t id) const {
  const auto it = helpers_.find(id);
  return it == helpers_.end() ? nullptr : &it->second;
}

const Helper* Environment::kfunc(int32_t id) const {
  const auto it = kfuncs_.find(id);
  return it == kfuncs_.end() ? nullptr : &it->second;
}

// The same order as add_regions(): maps, then variables.
Environment::RegionBounds Environment::first_region() const {
  if (!maps_.empty()) {
    const Map& map = *maps_.front();
    const auto slab = map.slab();
    return {reinterpret_cast<uint64_t>(slab.data()), slab.size(), map.stride(), true};
  }
  if (!variables_.empty()) {
    const auto& bytes = variables_.begin()->second.bytes;
    return {reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), 0, true};
  }
  return {};
}

void Environment::add_regions(Memory& memory) {
  for (const auto& map : maps_) {
    const auto values = semantics::map_values(reinterpret_cast<uint64_t>(map->slab().data()), map->def().value_size,
                                              map->def().max_entries);
    Region r;
    r.start = values.start;
    r.size = values.size;
    r.stride = values.stride;
    r.elem_size = values.elem_size;
    r.kind = RegionKind::MapValue;
    r.name = map->def().name;
    memory.add(std::move(r));
  }
  for (auto& [id, var] : variables_) {
    Region r;
    r.start = reinterpret_cast<uint64_t>(var.bytes.data());
    r.size = var.bytes.size();
    r.kind = RegionKind::Variable;
    r.name = var.name;
    memory.add(std::move(r));
  }
}

}  // namespace bpfcert::interp
