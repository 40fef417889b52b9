#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <mutex>

#include "common/time.h"

namespace emm::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<bool> g_json{true};
std::atomic<int> g_fd{1};
std::mutex g_write_mu;

void AppendNumber(std::string* out, double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendValue(std::string* out, const Field::Value& v, bool json) {
  if (auto* s = std::get_if<std::string_view>(&v)) {
    if (json) {
      AppendJsonString(out, *s);
    } else if (s->find_first_of(" \"=") != std::string_view::npos || s->empty()) {
      AppendJsonString(out, *s);
    } else {
      out->append(*s);
    }
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out->append(std::to_string(*i));
  } else if (auto* d = std::get_if<double>(&v)) {
    AppendNumber(out, *d);
  } else {
    out->append(std::get<bool>(v) ? "true" : "false");
  }
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view n) {
  if (n == "trace") return Level::kTrace;
  if (n == "debug") return Level::kDebug;
  if (n == "info") return Level::kInfo;
  if (n == "warn" || n == "warning") return Level::kWarn;
  if (n == "error") return Level::kError;
  if (n == "fatal") return Level::kFatal;
  if (n == "silent") return Level::kSilent;
  return std::nullopt;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kFatal: return "fatal";
    case Level::kSilent: return "silent";
  }
  return "info";
}

void Configure(Level level, Format format, int fd) {
  g_level = level;
  g_fd = fd;
  g_json = format == Format::kJson || (format == Format::kAuto && !isatty(fd));
}

Level CurrentLevel() { return g_level.load(std::memory_order_relaxed); }

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level) || level == Level::kSilent) return;
  const bool json = g_json.load(std::memory_order_relaxed);
  std::string line;
  line.reserve(160);
  std::string now = FormatTimestamp(SystemClock::Instance().NowMs());
  if (json) {
    line += "{\"time\":\"";
    line += now;
    line += "\",\"level\":\"";
    line += LevelName(level);
    line += "\",\"msg\":";
    AppendJsonString(&line, msg);
    for (const Field& f : fields) {
      line.push_back(',');
      AppendJsonString(&line, f.key);
      line.push_back(':');
      AppendValue(&line, f.value, true);
    }
    line += "}\n";
  } else {
    line += now;
    line.push_back(' ');
    line += LevelName(level);
    line.push_back(' ');
    line += msg;
    for (const Field& f : fields) {
      line.push_back(' ');
      line += f.key;
      line.push_back('=');
      AppendValue(&line, f.value, false);
    }
    line.push_back('\n');
  }
  std::lock_guard<std::mutex> lock(g_write_mu);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(g_fd.load(std::memory_order_relaxed), p, left);
    if (n <= 0) break;  // a closed stdout must not take the service down
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace emm::log
