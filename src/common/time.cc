#include "common/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace emm {
namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[*pos], advancing pos.
bool Digits(std::string_view text, size_t* pos, int n, int* out) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

// Howard Hinnant's days_from_civil algorithm (public domain description).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::optional<TimeMs> ParseTimestamp(std::string_view t) {
  size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(t, &p, 4, &year) || !Expect(t, &p, '-') || !Digits(t, &p, 2, &month) ||
      !Expect(t, &p, '-') || !Digits(t, &p, 2, &day)) {
    return std::nullopt;
  }
  if (p >= t.size() || (t[p] != 'T' && t[p] != 't' && t[p] != ' ')) return std::nullopt;
  ++p;
  if (!Digits(t, &p, 2, &hour) || !Expect(t, &p, ':') || !Digits(t, &p, 2, &minute) ||
      !Expect(t, &p, ':') || !Digits(t, &p, 2, &second)) {
    return std::nullopt;
  }
  int millis = 0;
  if (p < t.size() && (t[p] == '.' || t[p] == ',')) {
    ++p;
    int n = 0;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') {
      if (n < 3) millis = millis * 10 + (t[p] - '0');
      ++n;
      ++p;
    }
    if (n == 0) return std::nullopt;
    for (int i = n; i < 3; ++i) millis *= 10;
  }
  int offset_min = 0;
  if (p >= t.size()) return std::nullopt;  // a zone is required
  if (t[p] == 'Z' || t[p] == 'z') {
    ++p;
  } else if (t[p] == '+' || t[p] == '-') {
    int sign = t[p] == '+' ? 1 : -1;
    ++p;
    int oh = 0, om = 0;
    // +HH:MM or +HHMM (RFC 3339 needs the minutes).
    if (!Digits(t, &p, 2, &oh)) return std::nullopt;
    if (p < t.size() && t[p] == ':') ++p;
    if (!Digits(t, &p, 2, &om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (p != t.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(DaysInMonth(year, month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return secs * 1000 + millis;
}

std::optional<TimeMs> ParseRubyTimestamp(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS" then " UTC" or " +HHMM": ParseTimestamp reads it once the space goes.
  constexpr size_t kDateTime = 19;
  if (text.size() <= kDateTime + 1 || text[10] != ' ' || text[kDateTime] != ' ') {
    return std::nullopt;
  }
  std::string_view zone = text.substr(kDateTime + 1);
  if (zone != "UTC" && zone.front() != '+' && zone.front() != '-') return std::nullopt;
  std::string rfc(text.substr(0, kDateTime));
  rfc += zone == "UTC" ? std::string_view("Z") : zone;
  return ParseTimestamp(rfc);
}

std::optional<int64_t> ParseCivilDate(std::string_view t) {
  size_t p = 0;
  int year = 0, month = 0, day = 0;
  if (!Digits(t, &p, 4, &year) || !Expect(t, &p, '-') || !Digits(t, &p, 2, &month) ||
      !Expect(t, &p, '-') || !Digits(t, &p, 2, &day) || p != t.size()) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(DaysInMonth(year, month))) {
    return std::nullopt;
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::string FormatCivilDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  // Sized for any int64 year; month and day are 1-12 and 1-31 (the casts tell the compiler).
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m % 100u,
                d % 100u);
  return buf;
}

int64_t AddMonths(int64_t days, int months) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t index = y * 12 + (m - 1) + months;  // months since year 0
  const int64_t year = index >= 0 ? index / 12 : -((-index + 11) / 12);
  const auto month = static_cast<unsigned>(index - year * 12 + 1);
  return DaysFromCivil(year, month, std::min(d, DaysInMonth(year, month)));
}

int64_t LocalDay(TimeMs utc, int64_t offset_s) {
  constexpr TimeMs kDayMs = 86400000;
  const TimeMs local = utc + offset_s * 1000;
  return local >= 0 ? local / kDayMs : -((-local + kDayMs - 1) / kDayMs);
}

std::string FormatTimestamp(TimeMs ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int millis = static_cast<int>(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y),
                m, d, static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60),
                static_cast<int>(rem % 60), millis);
  return buf;
}

TimeMs SystemClock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace emm
