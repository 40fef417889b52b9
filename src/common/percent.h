// Percent-encoding (RFC 3986 §2.1) for the ids we put in paths and the text we read from URLs and
// headers. One implementation for the server's router, its Location headers, the CI client and
// OTEL_RESOURCE_ATTRIBUTES.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace emm {

namespace percent_internal {
inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace percent_internal

namespace percent_internal {
inline bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

template <typename Keep>
std::string Encode(std::string_view s, Keep keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (keep(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}
}  // namespace percent_internal

// `s` as one path segment: RFC 3986's segment characters (pchar: unreserved, sub-delims, ':' and
// '@') stay, every other byte is %XX, so an id holding '/', '?', '#', '%' or a space names one
// resource, and ids such as incident-io:01H… or PD:Q1 read as they always did.
inline std::string PercentEncodeSegment(std::string_view s) {
  return percent_internal::Encode(s, [](unsigned char c) {
    return percent_internal::Unreserved(c) || c == ':' || c == '@' || c == '!' || c == '$' ||
           c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
           c == ';' || c == '=';
  });
}

// `s` as a query-string key or value: only unreserved characters stay ('+', '&' and '=' would be
// read as a space and as separators), what JavaScript's encodeURIComponent does.
inline std::string PercentEncodeComponent(std::string_view s) {
  return percent_internal::Encode(s, [](unsigned char c) { return percent_internal::Unreserved(c); });
}

// Decodes %XX and, when `plus_is_space`, '+' (query strings). Invalid escapes are kept as they
// are: what browsers and proxies do with a stray '%'.
inline std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = percent_internal::HexDigit(s[i + 1]), lo = percent_internal::HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

// Decodes %XX; nullopt on an invalid escape (where a format says the whole value is then invalid,
// as the W3C Baggage format behind OTEL_RESOURCE_ATTRIBUTES does).
inline std::optional<std::string> PercentDecodeStrict(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = percent_internal::HexDigit(s[i + 1]), lo = percent_internal::HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace emm
