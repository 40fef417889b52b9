// Small text helpers for protocol text (HTTP headers, signatures, settings) and identifiers
// (logins, ticket types): ASCII only, so that the result never depends on the process's locale.
#pragma once

#include <string>
#include <string_view>

namespace emm {

// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `s` with A-Z lowered; other bytes kept.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Whether `s` equals `lower` (already lowered) without regard to ASCII case. No allocation:
// team health runs it for every login and ticket type of a range.
inline bool EqualsAsciiLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

// Whether `s` holds an ASCII control character (below 0x20, or DEL). No stored text has one: the
// API refuses them in every field, path segment and query value, and PostgreSQL's text cannot
// hold a NUL at all.
inline constexpr const char* kNoControlCharacters = "must not contain control characters";
inline bool HasControlCharacter(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace emm
