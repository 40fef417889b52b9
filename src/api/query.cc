#include "api/query.h"

namespace emm::api {
Query Query::Parse(std::string_view raw) {
  Query q;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = PercentDecode(part.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true);
      q.items_.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
  }
  return q;
}

std::optional<std::string> Query::Get(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == name) out = v;
  }
  return out;
}

}  // namespace emm::api
