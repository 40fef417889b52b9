#include "net/http_transport.h"

#include "common/strings.h"

namespace emm::net {

std::optional<std::string_view> OutboundResponse::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> LinkTarget(std::string_view header, std::string_view rel) {
  // link = "<" URI ">" *( ";" param ); links separated by ","; a URI holds no '>'.
  while (!header.empty()) {
    size_t open = header.find('<');
    size_t close = header.find('>', open);
    if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(open + 1, close - open - 1);
    size_t end = header.find(',', close);
    std::string_view params =
        header.substr(close + 1, end == std::string_view::npos ? std::string_view::npos
                                                               : end - close - 1);
    for (size_t b = 0; b < params.size();) {
      size_t e = params.find(';', b);
      if (e == std::string_view::npos) e = params.size();
      std::string_view param = TrimBlanks(params.substr(b, e - b));
      b = e + 1;
      if (param.rfind("rel=", 0) != 0) continue;
      std::string_view value = param.substr(4);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      // rel may list several space-separated relations.
      for (size_t vb = 0; vb <= value.size();) {
        size_t ve = value.find(' ', vb);
        if (ve == std::string_view::npos) ve = value.size();
        if (value.substr(vb, ve - vb) == rel) return std::string(target);
        vb = ve + 1;
      }
    }
    if (end == std::string_view::npos) return std::nullopt;
    header = header.substr(end + 1);
  }
  return std::nullopt;
}

}  // namespace emm::net
