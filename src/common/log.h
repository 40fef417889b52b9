// Structured logging: one line per event, JSON lines when stdout is not a terminal (for log
// shippers), "time level msg key=value" when it is. Thread-safe. JSON lines below warn are
// buffered for at most 50 ms (one write(2) for many lines); Flush() or exit writes them out.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

}  // namespace emm::log
