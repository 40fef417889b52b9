// Instants are UTC milliseconds since the Unix epoch everywhere inside the service; text only at
// the edges (RFC 3339 in, ISO 8601 UTC out, as JavaScript's toISOString).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emm {

using TimeMs = int64_t;

// Parses RFC 3339 / ISO 8601 date-times that carry a zone: "2024-05-01T10:00:00Z",
// "2024-05-01T12:00:00.5+02:00", "...+0200". 't', 'z' and a space separator are accepted.
// Fractional seconds beyond milliseconds are truncated. Returns nullopt when the text is not such a
// date-time or names an impossible date (month 13, Feb 30, hour 24).
std::optional<TimeMs> ParseTimestamp(std::string_view text);

// Ruby's Time#to_s, as GitLab's webhooks write most times: "2021-04-28 21:50:00 +0200" or
// "2013-12-03 17:23:34 UTC" (a space before the zone). nullopt when the text is not such a time.
std::optional<TimeMs> ParseRubyTimestamp(std::string_view text);

// A calendar date "2024-05-01" (exactly YYYY-MM-DD) as days since 1970-01-01; nullopt when the
// text is not one or names a day that does not exist (2026-02-30).
std::optional<int64_t> ParseCivilDate(std::string_view text);

// Days since 1970-01-01 as "2024-05-01" (ParseCivilDate's inverse).
std::string FormatCivilDate(int64_t days);

// The same day of the month `months` calendar months later (earlier when negative), clamped to
// the last day of a shorter month (May 31 - 3 months = Feb 29 or 28), as "3 months ago" reads.
int64_t AddMonths(int64_t days, int months);

// The local day (days since the local epoch) that instant `utc` falls on in a zone `offset_s`
// seconds east of UTC.
int64_t LocalDay(TimeMs utc, int64_t offset_s);

// "2024-05-01T10:00:00.000Z" (always UTC, millisecond precision).
std::string FormatTimestamp(TimeMs ms);

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

// Time source, injected so that tests and metrics are deterministic.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override;
  static const SystemClock& Instance();
};

}  // namespace emm
