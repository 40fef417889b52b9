#include "common/log.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "common/time.h"

namespace emm::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<bool> g_json{true};
std::atomic<int> g_fd{1};

// Lines are buffered and written by a background thread within kFlushDelay, so a busy server
// spends one write(2) on many request lines instead of one each. Warnings and errors, and every
// line on a terminal, are written at once. Never destroyed: threads may log during exit.
constexpr size_t kFlushBytes = 32 * 1024;
constexpr auto kFlushDelay = std::chrono::milliseconds(50);

struct Sink {
  std::mutex write_mu;  // keeps whole buffers in order on the output; taken without `mu` held
  std::mutex mu;
  std::condition_variable cv;
  std::string buffer;
  bool flusher_started = false;
};
Sink& TheSink() {
  static Sink* sink = new Sink();
  return *sink;
}

void WriteAll(std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(g_fd.load(std::memory_order_relaxed), p, left);
    if (n <= 0) break;  // a closed stdout must not take the service down
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// Takes what is buffered and writes it with `lock` (on sink.mu) released. Lock order is mu, then
// write_mu, so buffers reach the output in the order they were taken.
void FlushNow(Sink& sink, std::unique_lock<std::mutex>& lock) {
  std::string out;
  out.swap(sink.buffer);
  std::lock_guard<std::mutex> order(sink.write_mu);
  lock.unlock();
  WriteAll(out);
}

void FlusherLoop() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);  // signals belong to the main thread
  pthread_setname_np(pthread_self(), "emm-log");
  Sink& sink = TheSink();
  for (;;) {
    std::unique_lock<std::mutex> lock(sink.mu);
    sink.cv.wait(lock, [&] { return !sink.buffer.empty(); });
    // Let lines gather: one write for everything logged in the next kFlushDelay. Not a
    // wait on `cv`, which every new line would cut short.
    lock.unlock();
    std::this_thread::sleep_for(kFlushDelay);
    lock.lock();
    FlushNow(sink, lock);  // writes with `mu` released: loggers never wait for the disk
  }
}

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
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kFatal:
      return "fatal";
    case Level::kSilent:
      return "silent";
  }
  return "info";
}

void Configure(Level level, Format format, int fd) {
  static const bool registered = [] { return std::atexit(Flush) == 0; }();
  (void)registered;
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
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
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

namespace {

void WriteFields(Level level, std::string_view msg, const Field* begin, const Field* end) {
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
    for (const Field* f = begin; f != end; ++f) {
      line.push_back(',');
      AppendJsonString(&line, f->key);
      line.push_back(':');
      AppendValue(&line, f->value, true);
    }
    line += "}\n";
  } else {
    line += now;
    line.push_back(' ');
    line += LevelName(level);
    line.push_back(' ');
    line += msg;
    for (const Field* f = begin; f != end; ++f) {
      line.push_back(' ');
      line += f->key;
      line.push_back('=');
      AppendValue(&line, f->value, false);
    }
    line.push_back('\n');
  }
  Sink& sink = TheSink();
  std::unique_lock<std::mutex> lock(sink.mu);
  const bool was_empty = sink.buffer.empty();
  sink.buffer += line;
  if (!json || level >= Level::kWarn || sink.buffer.size() >= kFlushBytes) {
    FlushNow(sink, lock);
    return;
  }
  if (!sink.flusher_started) {
    sink.flusher_started = true;
    std::thread(FlusherLoop).detach();
  }
  if (was_empty) sink.cv.notify_one();  // the flusher sleeps only while there is nothing to write
}

}  // namespace

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  WriteFields(level, msg, fields.begin(), fields.end());
}

void Flush() {
  Sink& sink = TheSink();
  std::unique_lock<std::mutex> lock(sink.mu);
  FlushNow(sink, lock);
}

RateLimitedLog::RateLimitedLog(Options options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Instance()) {}

bool RateLimitedLog::DueLocked(TimeMs now) const {
  // A clock that went backwards (the wall clock was set) must not silence the log.
  return !last_line_ms_ || now - *last_line_ms_ >= options_.interval_ms || now < *last_line_ms_;
}

bool RateLimitedLog::Hit(std::initializer_list<Field> fields) {
  std::lock_guard<std::mutex> lock(mu_);
  const TimeMs now = clock_.NowMs();
  ++total_;
  ++since_line_;
  if (in_condition_++ == 0) began_ms_ = now;
  cleared_ms_.reset();
  if (!DueLocked(now)) return false;
  std::vector<Field> line(fields);
  line.emplace_back("count", static_cast<int64_t>(since_line_));
  WriteFields(options_.level, options_.msg, line.data(), line.data() + line.size());
  since_line_ = 0;
  last_line_ms_ = now;
  return true;
}

bool RateLimitedLog::Recovered() {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_condition_ == 0) return false;
  const TimeMs now = clock_.NowMs();
  if (!cleared_ms_) cleared_ms_ = now;
  if (!DueLocked(now)) return false;
  Write(Level::kInfo, options_.recovered_msg,
        {{"count", static_cast<int64_t>(in_condition_)},
         {"duration_ms", std::max<TimeMs>(0, *cleared_ms_ - began_ms_)}});
  in_condition_ = 0;
  cleared_ms_.reset();
  since_line_ = 0;
  last_line_ms_ = now;
  return true;
}

int64_t RateLimitedLog::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

}  // namespace emm::log
