#include "export/prometheus_text.h"
#include "common/strings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <span>
#include <string>

namespace emm::exporting {
namespace {

using domain::MetricDef;
using domain::MetricKind;
using domain::SeriesState;

constexpr std::string_view kText004ContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// --- numbers -------------------------------------------------------------------------------

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Go's strconv.FormatFloat(v, 'g', -1, 64), which Prometheus' libraries use: the shortest digits
// that round-trip (to_chars gives the same ones), laid out as %e when the decimal exponent is
// below -4 or at least 6, else as %f.
void AppendFloat(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (v == 0) {  // also -0, as Go's exposition writes it
    out->push_back('0');
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, r.ptr - buf);  // [-]d[.ddd]e(+|-)dd[d]
  if (s.front() == '-') {
    out->push_back('-');
    s.remove_prefix(1);
  }
  size_t e = s.find('e');
  // The significant digits are s[0] followed by `rest`.
  std::string_view rest = e > 1 ? s.substr(2, e - 2) : std::string_view();
  int exp = 0;
  std::from_chars(s.data() + e + 2, s.data() + s.size(), exp);
  if (s[e + 1] == '-') exp = -exp;
  if (exp < -4 || exp >= 6) {
    out->push_back(s[0]);
    if (!rest.empty()) out->append(".").append(rest);
    out->append(exp < 0 ? "e-" : "e+");
    if (std::abs(exp) < 10) out->push_back('0');
    AppendUint(out, static_cast<uint64_t>(std::abs(exp)));
  } else if (exp >= 0) {
    size_t int_rest = static_cast<size_t>(exp);  // digits of `rest` before the point
    out->push_back(s[0]);
    if (rest.size() <= int_rest) {
      out->append(rest).append(int_rest - rest.size(), '0');
    } else {
      out->append(rest.substr(0, int_rest)).append(".").append(rest.substr(int_rest));
    }
  } else {
    out->append("0.").append(static_cast<size_t>(-exp - 1), '0').push_back(s[0]);
    out->append(rest);
  }
}

// --- names and escaping --------------------------------------------------------------------

// The unit word Prometheus appends for an OTLP unit. Annotations in braces and "1" add nothing.
std::string_view UnitSuffix(std::string_view ucum) {
  if (ucum == "s") return "seconds";
  if (ucum == "ms") return "milliseconds";
  if (ucum == "By") return "bytes";
  return "";
}

bool HasToken(std::string_view name, std::string_view token) {
  size_t pos = 0;
  for (;;) {
    size_t end = name.find('_', pos);
    if (name.substr(pos, end - pos) == token) return true;
    if (end == std::string_view::npos) return false;
    pos = end + 1;
  }
}

// Label values escape backslash, double quote and newline; HELP text the same, except that the
// 0.0.4 format leaves double quotes alone.
void AppendEscaped(std::string* out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quotes) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// Appends name="value" to a comma-separated label list.
void AppendLabel(std::string* labels, std::string_view name, std::string_view value) {
  if (!labels->empty()) labels->push_back(',');
  labels->append(name);
  labels->append("=\"");
  AppendEscaped(labels, value, true);
  labels->push_back('"');
}

// --- writing ---------------------------------------------------------------------------------

enum class Type { kCounter, kGauge, kHistogram };

struct Family {
  std::string name;  // OpenMetrics family name: counters without "_total"
  Type type;
  std::string_view unit;  // OpenMetrics UNIT, the family name's last token; "" for none
  std::string_view help;
};

// Histogram bounds with their `le` texts, formatted once per family.
struct Bounds {
  explicit Bounds(std::span<const double> values) : values(values) {
    for (double b : values) le.push_back(FormatBound(b));
    le.emplace_back("+Inf");
  }
  std::span<const double> values;
  std::vector<std::string> le;  // values.size() + 1
};

class Writer {
 public:
  Writer(ExpositionFormat format, std::string* out)
      : om_(format == ExpositionFormat::kOpenMetrics), out_(out) {}

  // HELP and TYPE (0.0.4), or TYPE, UNIT and HELP (OpenMetrics), before the family's samples.
  void Metadata(const Family& f) {
    std::string_view type = f.type == Type::kCounter ? "counter"
                            : f.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    std::string_view total = !om_ && f.type == Type::kCounter ? "_total" : "";
    if (om_) {
      Meta("TYPE", f.name, total, type);
      if (!f.unit.empty()) Meta("UNIT", f.name, total, f.unit);
    }
    out_->append("# HELP ").append(f.name).append(total).push_back(' ');
    AppendEscaped(out_, f.help, om_);
    out_->push_back('\n');
    if (!om_) Meta("TYPE", f.name, total, type);
  }

  void Counter(const Family& f, std::string_view labels, uint64_t value, TimeMs created_ms) {
    Start(f.name, "_total", labels);
    AppendUint(out_, value);
    out_->push_back('\n');
    Created(f, labels, created_ms);
  }

  // A counter of a non-integral quantity (seconds).
  void Counter(const Family& f, std::string_view labels, double value, TimeMs created_ms) {
    Start(f.name, "_total", labels);
    AppendFloat(out_, value);
    out_->push_back('\n');
    Created(f, labels, created_ms);
  }

  void Gauge(const Family& f, std::string_view labels, double value) {
    Start(f.name, "", labels);
    AppendFloat(out_, value);
    out_->push_back('\n');
  }

  // `buckets` are per-bucket counts (bounds + overflow); the exposition's are cumulative, and the
  // +Inf bucket is `count` so that it always equals _count.
  void Histogram(const Family& f, std::string_view labels, const Bounds& bounds,
                 std::span<const uint64_t> buckets, double sum, uint64_t count, TimeMs created_ms) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.values.size(); ++i) {
      if (i < buckets.size()) cumulative += buckets[i];
      Start(f.name, "_bucket", labels, bounds.le[i]);
      AppendUint(out_, cumulative);
      out_->push_back('\n');
    }
    Start(f.name, "_bucket", labels, bounds.le.back());
    AppendUint(out_, count);
    out_->push_back('\n');
    Start(f.name, "_sum", labels);
    AppendFloat(out_, sum);
    out_->push_back('\n');
    Start(f.name, "_count", labels);
    AppendUint(out_, count);
    out_->push_back('\n');
    Created(f, labels, created_ms);
  }

  void End() {
    if (om_) out_->append("# EOF\n");
  }

 private:
  void Meta(std::string_view keyword, std::string_view name, std::string_view suffix,
            std::string_view value) {
    out_->append("# ").append(keyword).append(" ").append(name).append(suffix).push_back(' ');
    out_->append(value).push_back('\n');
  }

  // Writes `name+suffix{labels[,le="..."]} `, leaving the value to the caller.
  void Start(std::string_view name, std::string_view suffix, std::string_view labels,
             std::string_view le = {}) {
    out_->append(name).append(suffix);
    if (!labels.empty() || !le.empty()) {
      out_->push_back('{');
      out_->append(labels);
      if (!le.empty()) {
        if (!labels.empty()) out_->push_back(',');
        out_->append("le=\"").append(le).push_back('"');
      }
      out_->push_back('}');
    }
    out_->push_back(' ');
  }

  // OpenMetrics only: when the cumulative count started, in seconds.
  void Created(const Family& f, std::string_view labels, TimeMs created_ms) {
    if (!om_) return;
    Start(f.name, "_created", labels);
    AppendFloat(out_, static_cast<double>(created_ms) / 1000.0);
    out_->push_back('\n');
  }

  bool om_;
  std::string* out_;
};

// --- the DORA series -----------------------------------------------------------------------

void WriteDora(const std::vector<SeriesState>& series, Writer* w) {
  std::map<std::string, std::pair<const MetricDef*, std::vector<const SeriesState*>>> families;
  for (const SeriesState& s : series) {
    const MetricDef* def = domain::FindMetric(s.key.metric);
    if (def == nullptr || def->kind != s.kind) continue;  // a metric this version does not know
    auto& entry = families[FamilyName(*def)];
    entry.first = def;
    entry.second.push_back(&s);
  }
  std::string labels;
  for (auto& [name, entry] : families) {
    auto& [def, members] = entry;
    const Bounds bounds(domain::BucketBounds(*def));
    std::sort(members.begin(), members.end(),
              [](const SeriesState* a, const SeriesState* b) { return a->key < b->key; });
    Family f{name, def->kind == MetricKind::kCounter ? Type::kCounter : Type::kHistogram,
             UnitSuffix(def->unit), def->description};
    w->Metadata(f);
    for (size_t i = 0; i < members.size(); ++i) {
      const SeriesState& s = *members[i];
      if (i > 0 && members[i - 1]->key == s.key) continue;  // each label set once
      labels.clear();
      // An empty value is left out (an unresolved team; pull requests have no project or
      // environment; only tickets have a ticket_type), as Prometheus reads an empty label anyway.
      if (!s.key.project_id.empty()) AppendLabel(&labels, "project_id", s.key.project_id);
      if (!s.key.team_id.empty()) AppendLabel(&labels, "team_id", s.key.team_id);
      if (!s.key.environment.empty()) AppendLabel(&labels, "environment", s.key.environment);
      if (!s.key.ticket_type.empty()) AppendLabel(&labels, "ticket_type", s.key.ticket_type);
      if (f.type == Type::kCounter) {
        w->Counter(f, labels, s.count, s.start_ms);
      } else {
        w->Histogram(f, labels, bounds, s.buckets, s.sum, s.count, s.start_ms);
      }
    }
  }
}

// --- the service's own series (families in name order) -----------------------------------

void WriteSelf(const SelfMetrics::Snapshot& self, Writer* w) {
  std::string labels;
  if (!self.export_failures.empty()) {
    Family f{"em_metrics_export_failures", Type::kCounter, "",
             "OTLP export requests that failed, by reason (rejected, retryable, connection, "
             "server)"};
    w->Metadata(f);
    for (const auto& [reason, n] : self.export_failures) {
      labels.clear();
      AppendLabel(&labels, "reason", reason);
      w->Counter(f, labels, n, self.start_ms);
    }
  }
  if (self.last_export_success) {
    Family f{"em_metrics_export_last_success_timestamp_seconds", Type::kGauge, "seconds",
             "When the collector last accepted an OTLP export (Unix time)"};
    w->Metadata(f);
    w->Gauge(f, "", static_cast<double>(*self.last_export_success) / 1000.0);
  }
  Family points{"em_metrics_export_points", Type::kCounter, "",
                "Data points in OTLP export requests the collector accepted"};
  w->Metadata(points);
  w->Counter(points, "", self.exported_points, self.start_ms);
  Family rejected{"em_metrics_export_rejected_points", Type::kCounter, "",
                  "Data points the collector reported as rejected (OTLP partial success)"};
  w->Metadata(rejected);
  w->Counter(rejected, "", self.rejected_points, self.start_ms);
  Family enabled{"em_metrics_exporter_enabled", Type::kGauge, "",
                 "1 when OTLP push is configured, else 0"};
  w->Metadata(enabled);
  w->Gauge(enabled, "", self.exporter_enabled ? 1 : 0);
  Family leader{"em_metrics_export_leader", Type::kGauge, "",
                "1 when this replica is the one pushing the shared metric state, else 0"};
  w->Metadata(leader);
  w->Gauge(leader, "", self.export_leader ? 1 : 0);

  if (!self.durations.empty()) {
    Family f{"em_metrics_http_request_duration_seconds", Type::kHistogram, "seconds",
             "Time from routing a request to handing its response to the server, by route"};
    const Bounds bounds(SelfMetrics::DurationBounds());
    w->Metadata(f);
    for (const auto& [key, h] : self.durations) {
      labels.clear();
      AppendLabel(&labels, "method", key.method);
      AppendLabel(&labels, "route", key.route);
      w->Histogram(f, labels, bounds, h.buckets, h.sum, h.count, self.start_ms);
    }
  }
  if (!self.requests.empty()) {
    Family f{"em_metrics_http_requests", Type::kCounter, "",
             "HTTP requests answered, by method, route pattern and status"};
    w->Metadata(f);
    for (const auto& [key, n] : self.requests) {
      labels.clear();
      AppendLabel(&labels, "method", key.method);
      AppendLabel(&labels, "route", key.route);
      AppendLabel(&labels, "status", std::to_string(key.status));
      w->Counter(f, labels, n, self.start_ms);
    }
  }
  if (!self.inconsistent_events.empty()) {
    Family f{"em_metrics_inconsistent_events", Type::kCounter, "",
             "Events stored with times that contradict each other (skewed clocks); their "
             "negative durations are left out of every metric and DORA figure"};
    w->Metadata(f);
    for (const auto& [key, n] : self.inconsistent_events) {
      labels.clear();
      AppendLabel(&labels, "field", key.second);
      AppendLabel(&labels, "kind", key.first);
      w->Counter(f, labels, n, self.start_ms);
    }
  }
  if (self.write_path) {
    // Averages come from dividing: e.g. rate(em_metrics_write_sync_seconds_total) /
    // rate(em_metrics_write_syncs_total) is the mean fdatasync time.
    const SelfMetrics::WritePath& p = *self.write_path;
    const struct {
      const char* name;
      const char* unit;
      const char* help;
      double seconds;
      uint64_t count;
    } families[] = {
        {"em_metrics_write_batch_seconds", "seconds",
         "Time the group commit spent running write batches (SQL and commit)", p.batch_seconds, 0},
        {"em_metrics_write_batches", "", "Write batches (transactions) the group commit ran", 0,
         p.batches},
        {"em_metrics_write_items", "", "Writes (requests) in those batches", 0, p.items},
        {"em_metrics_write_queued_seconds", "seconds",
         "Time writes waited for their batch to start, summed over writes", p.queued_seconds, 0},
        {"em_metrics_write_sync_seconds", "seconds",
         "Time spent making committed batches durable (fdatasync of the write-ahead log)",
         p.sync_seconds, 0},
        {"em_metrics_write_sync_wait_seconds", "seconds",
         "Time committed batches waited for their sync to start, summed over batches",
         p.sync_wait_seconds, 0},
        {"em_metrics_write_syncs", "", "Syncs, each covering every batch committed before it", 0,
         p.syncs},
    };
    for (const auto& fam : families) {
      Family f{fam.name, Type::kCounter, fam.unit, fam.help};
      w->Metadata(f);
      if (*fam.unit) {
        w->Counter(f, "", fam.seconds, self.start_ms);
      } else {
        w->Counter(f, "", fam.count, self.start_ms);
      }
    }
  }
  if (self.start_ms > 0) {
    Family f{"process_start_time_seconds", Type::kGauge, "seconds",
             "Start time of the process since the Unix epoch"};
    w->Metadata(f);
    w->Gauge(f, "", static_cast<double>(self.start_ms) / 1000.0);
  }
}

// --- content negotiation -------------------------------------------------------------------

}  // namespace

std::string FamilyName(const MetricDef& def) {
  // MetricDef names are already in Prometheus' character set; only the unit is added.
  std::string name(def.name);
  std::string_view unit = UnitSuffix(def.unit);
  if (!unit.empty() && !HasToken(name, unit)) name.append("_").append(unit);
  return name;
}

std::string FormatFloat(double value) {
  std::string out;
  AppendFloat(&out, value);
  return out;
}

std::string FormatBound(double bound) {
  std::string out = FormatFloat(bound);
  if (out.find_first_of(".eIN") == std::string::npos) out += ".0";  // not for +Inf or NaN
  return out;
}

std::string EscapeHelp(std::string_view text, ExpositionFormat format) {
  std::string out;
  AppendEscaped(&out, text, format == ExpositionFormat::kOpenMetrics);
  return out;
}

ExpositionFormat NegotiateFormat(std::string_view accept_header) {
  // The best q of each kind and where it was first listed (ties go to the earlier range).
  double om_q = 0, text_q = 0;
  size_t om_pos = 0, text_pos = 0;
  size_t pos = 0;
  for (size_t start = 0; start <= accept_header.size(); ++pos) {
    size_t comma = accept_header.find(',', start);
    std::string_view range = accept_header.substr(start, comma - start);
    start = comma == std::string_view::npos ? accept_header.size() + 1 : comma + 1;

    size_t semi = range.find(';');
    std::string type = AsciiLower(TrimBlanks(range.substr(0, semi)));
    double q = 1;
    std::string version;
    while (semi != std::string_view::npos) {
      size_t next = range.find(';', semi + 1);
      std::string_view param = TrimBlanks(range.substr(semi + 1, next - semi - 1));
      semi = next;
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      std::string key = AsciiLower(TrimBlanks(param.substr(0, eq)));
      std::string_view value = TrimBlanks(param.substr(eq + 1));
      if (key == "q") {
        double parsed = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), parsed);
        q = r.ec == std::errc() && parsed >= 0 && parsed <= 1 ? parsed : 0;
      } else if (key == "version") {
        version = value;
      }
    }
    if (type == "application/openmetrics-text") {
      if ((version.empty() || version == "1.0.0" || version == "0.0.1") && q > om_q) {
        om_q = q;
        om_pos = pos;
      }
    } else if (type == "text/plain" || type == "text/*" || type == "*/*") {
      if (q > text_q) {
        text_q = q;
        text_pos = pos;
      }
    }
  }
  bool om = om_q > 0 && (om_q > text_q || (om_q == text_q && om_pos < text_pos));
  return om ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kText004;
}

std::string_view ContentType(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics ? kOpenMetricsContentType : kText004ContentType;
}

std::string RenderExposition(const std::vector<SeriesState>& series,
                             const SelfMetrics::Snapshot& self, ExpositionFormat format) {
  // Reserve about what the lines take (bodies reach megabytes: growing would copy them).
  size_t estimate = 16384;
  const size_t histogram_lines = domain::DurationBucketBounds().size() + 4;  // the most buckets
  for (const SeriesState& s : series) {
    size_t line = s.key.metric.size() + s.key.project_id.size() + s.key.team_id.size() +
                  s.key.environment.size() + s.key.ticket_type.size() + 80;
    estimate += s.kind == MetricKind::kHistogram ? line * histogram_lines : line * 2;
  }
  std::string out;
  out.reserve(estimate);
  Writer w(format, &out);
  WriteDora(series, &w);
  WriteSelf(self, &w);
  w.End();
  return out;
}

}  // namespace emm::exporting
