#include "api/dto/csv.h"

#include <charconv>

namespace emm::api::dto {
namespace json = boost::json;
namespace {

void Field(const json::value* v, std::string* out) {
  if (v == nullptr || v->is_null()) return;
  std::string text;
  if (v->is_string()) {
    text = std::string(v->as_string());
  } else if (v->is_bool()) {
    text = v->as_bool() ? "true" : "false";
  } else if (v->is_double()) {
    // Shortest round-trip form ("0.4", "3600"), not Boost's "4E-1" / "3.6E3".
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v->as_double());
    text.assign(buf, r.ptr);
  } else {
    text = json::serialize(*v);
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    *out += text;
    return;
  }
  *out += '"';
  for (char c : text) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

}  // namespace

std::string ToCsv(const std::vector<std::string>& columns, const json::array& rows) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ',';
    json::value name(columns[i]);
    Field(&name, &out);
  }
  out += "\r\n";
  for (const json::value& row : rows) {
    const json::object* o = row.if_object();
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ',';
      Field(o ? o->if_contains(columns[i]) : nullptr, &out);
    }
    out += "\r\n";
  }
  return out;
}

std::vector<std::string> ColumnsOf(const json::array& rows) {
  std::vector<std::string> out;
  if (rows.empty() || !rows.front().is_object()) return out;
  for (const auto& kv : rows.front().as_object()) out.emplace_back(kv.key());
  return out;
}

bool WantsCsv(const std::optional<std::string>& format, std::string_view accept) {
  if (format) return *format == "csv";
  return accept.find("text/csv") != std::string_view::npos;
}

}  // namespace emm::api::dto
