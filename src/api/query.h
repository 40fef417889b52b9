// URL query strings: repeated keys, values percent-decoded (common/percent.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/percent.h"

namespace emm::api {

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
