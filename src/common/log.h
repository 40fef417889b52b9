// Structured logging: one line per event, JSON lines when stdout is not a terminal (for log
// shippers), "time level msg key=value" when it is. Thread-safe. JSON lines below warn are
// buffered for at most 50 ms (one write(2) for many lines); Flush() or exit writes them out.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/time.h"

namespace emm::log {

enum class Level {
  kTrace = 10,
  kDebug = 20,
  kInfo = 30,
  kWarn = 40,
  kError = 50,
  kFatal = 60,
  kSilent = 100
};

// pino's level names: trace, debug, info, warn, error, fatal, silent.
std::optional<Level> ParseLevel(std::string_view name);
const char* LevelName(Level level);

struct Field {
  using Value = std::variant<std::string_view, int64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, long v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, long long v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, unsigned long v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};

enum class Format { kAuto, kJson, kText };

// Process-wide settings; call before starting threads.
void Configure(Level level, Format format = Format::kAuto, int fd = 1);
Level CurrentLevel();
inline bool Enabled(Level level) { return level >= CurrentLevel(); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Writes out buffered lines now.
void Flush();

// Appends s as a JSON string literal (with quotes) to out.
void AppendJsonString(std::string* out, std::string_view s);

// One log line per interval for a condition that can repeat thousands of times a second (accept
// failing with EMFILE, a full disk), so that the log neither floods nor hides it. The first
// occurrence is written at once; later ones at most once per `interval_ms`, each line carrying
// "count": the occurrences since the previous line (the first line's count is 1). Recovered()
// ends the condition with one info line carrying "count" (occurrences since the condition began)
// and "duration_ms" (from the first occurrence to the first Recovered() call). Every line, the
// recovery line included, is at most one per interval: a condition that flaps (fails, recovers,
// fails) costs one line per interval, not two per flap; a recovery not yet written is written by
// the first Recovered() call after the interval. Thread-safe.
class RateLimitedLog {
 public:
  struct Options {
    std::string msg;            // of the repeated line, e.g. "accept failed"
    std::string recovered_msg;  // of the line when it clears, e.g. "accepting connections again"
    Level level = Level::kWarn;
    TimeMs interval_ms = 5000;
    const Clock* clock = nullptr;  // not owned; nullptr: SystemClock
  };

  explicit RateLimitedLog(Options options);

  // Counts one occurrence. `fields` (e.g. {"error", ...}) describe this occurrence and go on the
  // line if one is written now. Returns whether a line was written.
  bool Hit(std::initializer_list<Field> fields = {});

  // The condition has cleared; cheap when it never happened, so call it on every success. Returns
  // whether the recovery line was written.
  bool Recovered();

  // Occurrences since construction.
  int64_t total() const;

 private:
  bool DueLocked(TimeMs now) const;

  const Options options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  int64_t total_ = 0;
  int64_t since_line_ = 0;            // occurrences not yet on a line
  int64_t in_condition_ = 0;          // occurrences since the condition began; 0: not failing
  TimeMs began_ms_ = 0;               // first occurrence of the current condition
  std::optional<TimeMs> cleared_ms_;  // first Recovered() since the last occurrence
  std::optional<TimeMs> last_line_ms_;
};

}  // namespace emm::log
