// IANA time zones read from the system's compiled tz database (TZif files under
// /usr/share/zoneinfo, Debian's tzdata), for calendar buckets in a team's own zone: GCC 12's
// <chrono> has no time-zone database. Only what bucketing needs: the UTC offset at an instant, and
// the instant of a local wall-clock time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace emm {

class TimeZone {
 public:
  // UTC: offset 0 at every instant.
  TimeZone() = default;

  // "Europe/Paris", "America/New_York", "UTC". Reads $TZDIR/<name> (default /usr/share/zoneinfo).
  // InvalidArgument for a name that is not a zone (or tries to leave the directory).
  static Result<TimeZone> Load(std::string_view name);
  // The same from the bytes of a TZif file (version 2 or later).
  static Result<TimeZone> Parse(std::string name, std::string_view tzif);

  const std::string& name() const { return name_; }
  bool is_utc() const { return transitions_.empty() && rule_.std_offset == 0 && !rule_.has_dst; }

  // Seconds east of UTC in effect at `utc`.
  int64_t OffsetAt(TimeMs utc) const;
  // The instant at which local wall-clock time reads `local` (milliseconds since the local epoch).
  // A wall time skipped by a spring-forward change maps to the instant the clocks jumped past it;
  // one repeated by a fall-back change maps to its first occurrence.
  TimeMs ToUtc(TimeMs local) const;

 private:
  struct Transition {
    int64_t at;  // seconds since the epoch, UTC
    int64_t offset;
  };
  // The POSIX TZ rule after the last transition ("CET-1CEST,M3.5.0,M10.5.0/3").
  struct Rule {
    int64_t std_offset = 0;  // seconds east of UTC
    bool has_dst = false;
    int64_t dst_offset = 0;
    // Mm.w.d/time: month 1-12, week 1-5 (5 = last), weekday 0-6 (Sunday = 0), seconds after
    // local midnight.
    struct When {
      int month = 0, week = 0, weekday = 0;
      int64_t time = 7200;
    } start, end;
  };
  static bool ParseRule(std::string_view text, Rule* rule);
  int64_t RuleOffsetAt(int64_t utc_seconds) const;

  std::string name_ = "UTC";
  std::vector<Transition> transitions_;
  int64_t initial_offset_ = 0;  // before the first transition
  Rule rule_;
  bool has_rule_ = false;
};

}  // namespace emm
