// Values in response JSON, written one way everywhere: whole numbers (most durations, counts) as
// integers, "3600" rather than Boost's "3.6E3"; instants as "2024-05-01T10:00:00.000Z"; none,
// and an empty name, as null.
#pragma once

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "common/time.h"

namespace emm::api::dto {

inline boost::json::value Num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return boost::json::value(static_cast<int64_t>(v));
  return boost::json::value(v);
}

inline boost::json::value Opt(const std::optional<double>& v) {
  return v ? Num(*v) : boost::json::value();
}

inline boost::json::value OptTime(const std::optional<TimeMs>& t) {
  return t ? boost::json::value(FormatTimestamp(*t)) : boost::json::value(nullptr);
}

inline boost::json::value OptString(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

}  // namespace emm::api::dto
