// What a store's read returned, by id: the events, pull requests and tickets the storage tests
// read back.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace emm::storage {

// The ids of `items` (anything with an `id`), in the order read.
template <typename T>
std::vector<std::string> Ids(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const T& item : items) out.push_back(item.id);
  return out;
}

// The same, sorted: for reads whose order the store does not promise.
template <typename T>
std::vector<std::string> SortedIds(const std::vector<T>& items) {
  std::vector<std::string> out = Ids(items);
  std::sort(out.begin(), out.end());
  return out;
}

// The item with this id; null when there is none.
template <typename T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  for (const T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace emm::storage
