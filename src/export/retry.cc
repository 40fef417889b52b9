#include "export/retry.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>

namespace emm::exporting {

Verdict Classify(int status) {
  if (status >= 200 && status < 300) return Verdict::kAccepted;
  if (status == 0 || status == 429 || status == 502 || status == 503 || status == 504) {
    return Verdict::kRetryable;
  }
  return Verdict::kRejected;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ParseNumber(std::string_view s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (the only form HTTP senders may generate).
std::optional<TimeMs> ParseHttpDate(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s.substr(25) != " GMT") return std::nullopt;
  int64_t day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (!ParseNumber(s.substr(5, 2), &day) || !ParseNumber(s.substr(12, 4), &year) ||
      !ParseNumber(s.substr(17, 2), &hh) || !ParseNumber(s.substr(20, 2), &mm) ||
      !ParseNumber(s.substr(23, 2), &ss) || s[19] != ':' || s[22] != ':') {
    return std::nullopt;
  }
  auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (month == kMonths.end() || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month - kMonths.begin() + 1),
                               static_cast<unsigned>(day));
  return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000;
}

}  // namespace

std::optional<int64_t> ParseRetryAfter(std::string_view value, TimeMs now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (ParseNumber(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return std::min<int64_t>(seconds, 365LL * 86400) * 1000;
  }
  auto at = ParseHttpDate(value);
  if (!at) return std::nullopt;
  return std::max<int64_t>(0, *at - now);
}

int64_t Backoff::NextDelayMs() {
  int64_t base = initial_ms_;
  for (int i = 0; i < attempt_ && base < max_ms_; ++i) base *= 2;
  base = std::min(base, max_ms_);
  ++attempt_;
  std::uniform_int_distribution<int64_t> jitter(base / 2, base);
  return jitter(rng_);
}

}  // namespace emm::exporting
