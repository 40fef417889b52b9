// Reading request fields with the original's leniency and our strictness: an integer where a
// string id is expected is its decimal string, "true"/"false" are booleans, null is "not given",
// unknown fields are ignored; anything else wrong is collected as a field error.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace emm::api::dto {

// The body as a JSON object. An empty (or all-whitespace) body is an empty object, so routes whose
// fields are all optional accept a bare POST; required fields are then reported missing.
Result<boost::json::object> ParseBodyObject(std::string_view body);

// The time texts a field takes: RFC 3339 with a zone or a plain date (the API's own), plus Ruby's
// Time#to_s for GitLab's webhooks ("2021-04-28 21:50:00 +0200", "2013-12-03 17:23:34 UTC").
enum class TimeText { kRfc3339, kRfc3339OrRuby };

// The longest id or name a field takes by default (a project, an environment, a team): with a
// few of them beside each other, an index entry stays within PostgreSQL's 2,704 bytes.
inline constexpr size_t kMaxIdBytes = 256;

class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& obj) : obj_(obj) {}
  // Reads an object nested in a body: errors name `path` + "." + the field ("event.data.id").
  FieldReader(const boost::json::object& obj, std::string path)
      : obj_(obj), prefix_(path.empty() ? std::string() : std::move(path) + ".") {}

  // Identifiers and names: non-empty, at most `max_len` bytes, no control characters.
  std::optional<std::string> Id(std::string_view name, bool required,
                                size_t max_len = kMaxIdBytes);
  std::optional<TimeMs> Time(std::string_view name, bool required,
                             TimeText forms = TimeText::kRfc3339);
  std::optional<bool> Bool(std::string_view name, bool required);
  // A whole number >= 0 (lines, comments): a JSON integer, or its decimal string.
  std::optional<int64_t> Count(std::string_view name, bool required);
  // A nested object, to read with FieldReader(*object, path + "." + name); null when absent.
  const boost::json::object* Object(std::string_view name, bool required);
  // Any JSON number (estimates: 0.5, 3).
  std::optional<double> Number(std::string_view name, bool required);

  void AddError(std::string field, std::string message) {
    errors_.push_back({prefix_ + std::move(field), std::move(message)});
  }
  bool ok() const { return errors_.empty(); }
  Status status() const { return ok() ? Status::Ok() : Status::Invalid(errors_); }
  // Takes the errors of `inner`, a reader of an object nested in this one (its path relative to
  // this one's), so that this reader's status names every bad field of the payload at once.
  void Collect(const FieldReader& inner) {
    for (const FieldError& e : inner.errors_) AddError(e.field, e.message);
  }
  // The string `field` of the nested object `object` (team.key, environment.id), errors named
  // by their path; an absent object is an absent field.
  std::optional<std::string> NestedId(std::string_view object, std::string_view field,
                                      bool required, size_t max_len = kMaxIdBytes);

 private:
  // The value, or null when absent or JSON null (reporting "is required" if `required`).
  const boost::json::value* Find(std::string_view name, bool required);

  const boost::json::object& obj_;
  std::string prefix_;  // "" or "path."
  std::vector<FieldError> errors_;
};

}  // namespace emm::api::dto
