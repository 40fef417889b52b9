#include "api/router.h"

#include "api/query.h"

namespace emm::api {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void Router::Add(Route route) {
  Entry e;
  for (std::string_view s : Split(route.pattern)) e.segments.emplace_back(s);
  e.route = std::move(route);
  entries_.push_back(std::move(e));
}

std::optional<Router::Match> Router::Find(std::string_view method, std::string_view path) const {
  std::string_view m = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string_view> parts = Split(path);
  for (const Entry& e : entries_) {
    if (e.route.method != m || e.segments.size() != parts.size()) continue;
    PathParams params;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& seg = e.segments[i];
      if (!seg.empty() && seg.front() == ':') {
        if (parts[i].empty())
          ok = false;
        else
          params.emplace_back(seg.substr(1), PercentDecode(parts[i], false));
      } else {
        ok = seg == parts[i];
      }
    }
    if (ok) return Match{&e.route, std::move(params)};
  }
  return std::nullopt;
}

const std::string& Router::Param(const PathParams& params, std::string_view name) {
  static const std::string kEmpty;
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return kEmpty;
}

}  // namespace emm::api
