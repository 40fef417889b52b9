#include "api/dto/fields.h"

#include <charconv>
#include <cstdint>

#include "common/json_kind.h"
#include "common/strings.h"

namespace emm::api::dto {
namespace json = boost::json;
Result<json::object> ParseBodyObject(std::string_view body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return json::object();
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Status::InvalidArgument("body", "is not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) {
    return Status::InvalidArgument(
        "body", std::string("must be a JSON object, got ") + DescribeJsonKind(v));
  }
  return std::move(v.get_object());
}

const json::value* FieldReader::Find(std::string_view name, bool required) {
  const json::value* v = obj_.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) AddError(std::string(name), "is required");
    return nullptr;
  }
  return v;
}

std::optional<std::string> FieldReader::Id(std::string_view name, bool required, size_t max_len) {
  const json::value* v = Find(name, required);
  if (!v) return std::nullopt;
  std::string s;
  if (v->is_string()) {
    s = std::string(v->get_string());
  } else if (v->is_int64()) {
    s = std::to_string(v->get_int64());
  } else if (v->is_uint64()) {
    s = std::to_string(v->get_uint64());
  } else {
    AddError(std::string(name), std::string("must be a string, got ") + DescribeJsonKind(*v));
    return std::nullopt;
  }
  if (s.empty()) {
    AddError(std::string(name), "must not be empty");
    return std::nullopt;
  }
  if (s.size() > max_len) {
    AddError(std::string(name), "must be at most " + std::to_string(max_len) + " bytes");
    return std::nullopt;
  }
  if (HasControlCharacter(s)) {
    AddError(std::string(name), kNoControlCharacters);
    return std::nullopt;
  }
  return s;
}

std::optional<TimeMs> FieldReader::Time(std::string_view name, bool required, TimeText forms) {
  const json::value* v = Find(name, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    AddError(std::string(name),
             std::string("must be an RFC 3339 date-time string, got ") + DescribeJsonKind(*v));
    return std::nullopt;
  }
  std::string_view text = v->get_string();
  auto t = ParseTimestamp(text);
  if (t) return t;
  // A plain date is that day's UTC midnight, as the original's `new Date("2024-05-01")` read it
  // (a date-time without a zone stays refused: its instant would depend on the server's zone).
  if (auto days = ParseCivilDate(text)) return *days * 86400000;
  if (forms == TimeText::kRfc3339OrRuby) {
    if (auto ruby = ParseRubyTimestamp(text)) return ruby;
  }
  AddError(std::string(name), "\"" + std::string(text.substr(0, 64)) +
                                  "\" is not an RFC 3339 date-time with a zone or a date, such as "
                                  "2024-05-01T10:00:00Z, 2024-05-01T12:00:00+02:00 or 2024-05-01");
  return std::nullopt;
}

std::optional<bool> FieldReader::Bool(std::string_view name, bool required) {
  const json::value* v = Find(name, required);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) {
    if (v->get_string() == "true") return true;
    if (v->get_string() == "false") return false;
  }
  AddError(std::string(name), std::string("must be true or false, got ") + DescribeJsonKind(*v));
  return std::nullopt;
}

std::optional<int64_t> FieldReader::Count(std::string_view name, bool required) {
  const json::value* v = Find(name, required);
  if (!v) return std::nullopt;
  int64_t n = -1;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    n = static_cast<int64_t>(v->get_uint64());
  } else if (v->is_double() && v->get_double() >= 0 && v->get_double() < 9e15 &&
             v->get_double() == static_cast<double>(static_cast<int64_t>(v->get_double()))) {
    n = static_cast<int64_t>(v->get_double());
  } else if (v->is_string()) {
    std::string_view t = v->get_string();
    auto r = std::from_chars(t.data(), t.data() + t.size(), n);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) n = -1;
  }
  if (n < 0) {
    AddError(std::string(name),
             std::string("must be a whole number of at least 0, got ") + DescribeJsonKind(*v));
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> FieldReader::NestedId(std::string_view object, std::string_view field,
                                                bool required, size_t max_len) {
  const json::object* o = Object(object, false);  // names a value that is no object
  if (o == nullptr) {
    const json::value* v = obj_.if_contains(object);
    if (required && (v == nullptr || v->is_null())) {
      AddError(std::string(object) + "." + std::string(field), "is required");
    }
    return std::nullopt;
  }
  FieldReader r(*o, std::string(object));
  auto value = r.Id(field, required, max_len);
  Collect(r);
  return value;
}

const json::object* FieldReader::Object(std::string_view name, bool required) {
  const json::value* v = Find(name, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    AddError(std::string(name), std::string("must be an object, got ") + DescribeJsonKind(*v));
    return nullptr;
  }
  return &v->get_object();
}

std::optional<double> FieldReader::Number(std::string_view name, bool required) {
  const json::value* v = Find(name, required);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  AddError(std::string(name), std::string("must be a number, got ") + DescribeJsonKind(*v));
  return std::nullopt;
}

}  // namespace emm::api::dto
