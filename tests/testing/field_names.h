// The fields a Status names, in order: what a test of field-level validation compares.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace emm::testing {

inline std::vector<std::string> FieldNames(const Status& s) {
  std::vector<std::string> out;
  for (const FieldError& f : s.fields()) out.push_back(f.field);
  return out;
}

}  // namespace emm::testing
