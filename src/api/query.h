// URL query strings and path segments: percent-decoding, repeated keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emm::api {

// Decodes %XX and, when `plus_is_space`, '+'. Invalid escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);

class Query {
 public:
  static Query Parse(std::string_view raw);
  // The last value given for `name`.
  std::optional<std::string> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace emm::api
