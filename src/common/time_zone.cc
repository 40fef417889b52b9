#include "common/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace emm {
namespace {

constexpr int64_t kDaySeconds = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Big-endian reader over the TZif bytes.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool Has(size_t n) const { return pos_ + n <= b_.size(); }
  void Skip(size_t n) { pos_ += n; }
  int64_t Int(int bytes) {
    uint64_t v = 0;
    for (int k = 0; k < bytes; ++k) v = (v << 8) | static_cast<unsigned char>(b_[pos_ + k]);
    pos_ += static_cast<size_t>(bytes);
    if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  size_t pos() const { return pos_; }
  std::string_view Rest() const { return b_.substr(std::min(pos_, b_.size())); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// "[+-]hh[:mm[:ss]]" (hours up to 167 in TZif footers) into seconds.
bool ParseHms(std::string_view& s, int64_t* out) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int64_t parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (s.empty() || s[0] < '0' || s[0] > '9') {
      if (k == 0) return false;
      break;
    }
    int64_t v = 0;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      v = v * 10 + (s[0] - '0');
      s.remove_prefix(1);
    }
    parts[k] = v;
    if (k < 2 && !s.empty() && s[0] == ':') {
      s.remove_prefix(1);
    } else {
      break;
    }
  }
  *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

// A zone abbreviation: letters, or anything between < and >.
bool ParseName(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    size_t end = s.find('>');
    if (end == std::string_view::npos) return false;
    s.remove_prefix(end + 1);
    return true;
  }
  size_t n = 0;
  while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

bool TimeZone::ParseRule(std::string_view s, Rule* r) {
  // std offset [dst [offset] [,start[/time],end[/time]]]; POSIX offsets are west of UTC.
  int64_t off = 0;
  if (!ParseName(s) || !ParseHms(s, &off)) return false;
  r->std_offset = -off;
  if (s.empty()) return true;
  if (!ParseName(s)) return false;
  r->has_dst = true;
  r->dst_offset = r->std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    if (!ParseHms(s, &off)) return false;
    r->dst_offset = -off;
  }
  auto when = [&](Rule::When* w) {
    // Only the Mm.w.d form (every zone in the tz database uses it).
    if (s.size() < 2 || s[0] != ',' || s[1] != 'M') return false;
    s.remove_prefix(2);
    int nums[3];
    for (int k = 0; k < 3; ++k) {
      if (s.empty() || s[0] < '0' || s[0] > '9') return false;
      int v = 0;
      while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
        v = v * 10 + (s[0] - '0');
        s.remove_prefix(1);
      }
      nums[k] = v;
      if (k < 2) {
        if (s.empty() || s[0] != '.') return false;
        s.remove_prefix(1);
      }
    }
    w->month = nums[0];
    w->week = nums[1];
    w->weekday = nums[2];
    if (w->month < 1 || w->month > 12 || w->week < 1 || w->week > 5 || w->weekday > 6) {
      return false;
    }
    w->time = 7200;
    if (!s.empty() && s[0] == '/') {
      s.remove_prefix(1);
      if (!ParseHms(s, &w->time)) return false;
    }
    return true;
  };
  return when(&r->start) && when(&r->end) && s.empty();
}

int64_t TimeZone::RuleOffsetAt(int64_t t) const {
  if (!rule_.has_dst) return rule_.std_offset;
  // The transitions of the local year around t.
  int64_t y;
  unsigned m, d;
  CivilFromDays(FloorDiv(t + rule_.std_offset, kDaySeconds), &y, &m, &d);
  auto local_seconds = [&](const Rule::When& w) {
    int64_t first = DaysFromCivil(y, static_cast<unsigned>(w.month), 1);
    int64_t first_weekday = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday (4)
    int64_t day = 1 + (w.weekday - first_weekday + 7) % 7 + (w.week - 1) * 7;
    while (day > DaysInMonth(y, w.month)) day -= 7;
    return (first + day - 1) * kDaySeconds + w.time;
  };
  // Start is given in standard time, end in daylight time.
  const int64_t start = local_seconds(rule_.start) - rule_.std_offset;
  const int64_t end = local_seconds(rule_.end) - rule_.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? rule_.dst_offset : rule_.std_offset;
}

Result<TimeZone> TimeZone::Parse(std::string name, std::string_view tzif) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("tz", "\"" + name + "\": " + why);
  };
  Reader r(tzif);
  if (!r.Has(44) || tzif.substr(0, 4) != "TZif") return bad("not a TZif file");
  const char version = tzif[4];
  auto counts = [&](int64_t c[6]) {
    r.Skip(20);
    for (int k = 0; k < 6; ++k) c[k] = r.Int(4);
    for (int k = 0; k < 6; ++k) {
      if (c[k] < 0 || c[k] > 100000) return false;
    }
    return true;
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!counts(c)) return bad("corrupt header");
  int time_size = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    const size_t v1 = static_cast<size_t>(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (!r.Has(v1 + 44)) return bad("truncated");
    r.Skip(v1);
    if (tzif.substr(r.pos(), 4) != "TZif" || !counts(c)) return bad("corrupt second header");
    time_size = 8;
  }
  const size_t data = static_cast<size_t>(c[3] * (time_size + 1) + c[4] * 6 + c[5] +
                                          c[2] * (time_size + 4) + c[1] + c[0]);
  if (!r.Has(data) || c[4] < 1) return bad("truncated");
  std::vector<int64_t> times(static_cast<size_t>(c[3]));
  for (auto& t : times) t = r.Int(time_size);
  std::vector<int> index(static_cast<size_t>(c[3]));
  for (auto& i : index) i = static_cast<int>(r.Int(1));
  std::vector<int64_t> offsets(static_cast<size_t>(c[4]));
  for (auto& o : offsets) {
    o = r.Int(4);
    r.Skip(2);  // isdst, abbreviation index
  }
  r.Skip(static_cast<size_t>(c[5] + c[2] * (time_size + 4) + c[1] + c[0]));

  TimeZone tz;
  tz.name_ = std::move(name);
  tz.initial_offset_ = offsets[0];
  for (size_t k = 0; k < times.size(); ++k) {
    if (index[k] >= static_cast<int>(offsets.size())) return bad("corrupt transition");
    tz.transitions_.push_back({times[k], offsets[static_cast<size_t>(index[k])]});
  }
  if (time_size == 8) {
    std::string_view footer = r.Rest();
    if (footer.size() >= 2 && footer[0] == '\n') {
      footer.remove_prefix(1);
      footer = footer.substr(0, footer.find('\n'));
      if (!footer.empty()) {
        if (!ParseRule(footer, &tz.rule_)) return bad("unsupported POSIX TZ rule in its footer");
        tz.has_rule_ = true;
      }
    }
  }
  if (!tz.has_rule_) {
    tz.rule_.std_offset = tz.transitions_.empty() ? tz.initial_offset_ : tz.transitions_.back().offset;
  }
  return tz;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("tz", "\"" + std::string(name.substr(0, 64)) + "\" " + why);
  };
  const bool clean =
      !name.empty() && name.size() <= 64 && name[0] != '/' &&
      name.find("..") == std::string_view::npos &&
      std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '/' || ch == '_' || ch == '-' || ch == '+';
      });
  if (!clean) return bad("is not an IANA time zone name (like Europe/Paris)");
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("is not a time zone of this machine's tz database (" + path + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto tz = Parse(std::string(name), bytes.str());
  if (!tz.ok()) return bad("is not a usable time zone file: " + tz.status().message());
  return tz;
}

int64_t TimeZone::OffsetAt(TimeMs utc) const {
  const int64_t s = FloorDiv(utc, 1000);
  if (transitions_.empty()) return has_rule_ ? RuleOffsetAt(s) : rule_.std_offset;
  if (s < transitions_.front().at) return initial_offset_;
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s,
                             [](int64_t v, const Transition& t) { return v < t.at; });
  if (it == transitions_.end() && has_rule_) return RuleOffsetAt(s);
  return std::prev(it)->offset;
}

TimeMs TimeZone::ToUtc(TimeMs local) const {
  // The offsets a day either side bound every offset that could apply; try each.
  const int64_t before = OffsetAt(local - kDaySeconds * 1000);
  const int64_t after = OffsetAt(local + kDaySeconds * 1000);
  const TimeMs with_before = local - before * 1000, with_after = local - after * 1000;
  const bool before_ok = OffsetAt(with_before) == before, after_ok = OffsetAt(with_after) == after;
  if (before_ok && after_ok) return std::min(with_before, with_after);  // repeated: the first
  if (after_ok) return with_after;
  return with_before;  // consistent, or skipped: read with the offset before the change
}

}  // namespace emm
