#include "http/message.h"
#include "common/strings.h"

#include <strings.h>

#include <optional>

namespace emm::http {

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<bool> gzip_q, star_q;  // set when named: whether its q is non-zero
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    size_t semi = item.find(';');
    std::string_view coding = TrimBlanks(item.substr(0, semi));
    bool allowed = true;
    if (semi != std::string_view::npos) {
      std::string_view param = TrimBlanks(item.substr(semi + 1));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string_view q = TrimBlanks(param.substr(2));
        // q=0, 0.0, 0.00, 0.000 refuse; anything else accepts.
        allowed = !(q.size() >= 1 && q[0] == '0' &&
                    q.find_first_not_of("0.", 0) == std::string_view::npos);
      }
    }
    if (EqualsNoCase(coding, "gzip") || EqualsNoCase(coding, "x-gzip")) {
      gzip_q = gzip_q.value_or(false) || allowed;
    } else if (coding == "*") {
      star_q = allowed;
    }
  }
  if (gzip_q) return *gzip_q;
  return star_q.value_or(false);  // "*" covers gzip only when gzip is not named
}

}  // namespace emm::http
