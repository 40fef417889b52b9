#include "export/otlp_encoder.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace emm::exporting {
namespace {

namespace pb_collector = opentelemetry::proto::collector::metrics::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;
namespace pb_common = opentelemetry::proto::common::v1;
namespace json = boost::json;

uint64_t Nanos(TimeMs ms) { return ms <= 0 ? 0 : static_cast<uint64_t>(ms) * 1000000ULL; }

void AddAttribute(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* list,
                  const std::string& key, const std::string& value) {
  pb_common::KeyValue* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

template <typename Point>
void SetPointAttributes(const domain::SeriesKey& key, Point* p) {
  // An empty value is left out rather than sent empty: an unresolved team; pull requests have no
  // project or environment; only tickets have a ticket_type.
  if (!key.project_id.empty()) AddAttribute(p->mutable_attributes(), "project_id", key.project_id);
  if (!key.team_id.empty()) AddAttribute(p->mutable_attributes(), "team_id", key.team_id);
  if (!key.environment.empty()) {
    AddAttribute(p->mutable_attributes(), "environment", key.environment);
  }
  if (!key.ticket_type.empty()) {
    AddAttribute(p->mutable_attributes(), "ticket_type", key.ticket_type);
  }
}

pb_collector::ExportMetricsServiceRequest BuildRequest(const Attributes& resource,
                                                       std::span<const domain::SeriesState> points,
                                                       const EncodeOptions& options, TimeMs now) {
  pb_collector::ExportMetricsServiceRequest req;
  if (points.empty()) return req;  // no empty envelopes
  pb_metrics::ResourceMetrics* rm = req.add_resource_metrics();
  for (const auto& [k, v] : resource)
    AddAttribute(rm->mutable_resource()->mutable_attributes(), k, v);
  pb_metrics::ScopeMetrics* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name(options.scope_name);
  if (!options.scope_version.empty()) sm->mutable_scope()->set_version(options.scope_version);

  const auto temporality = options.temporality == Temporality::kDelta
                               ? pb_metrics::AGGREGATION_TEMPORALITY_DELTA
                               : pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
  // One Metric per name, its points in input order.
  std::map<std::string_view, pb_metrics::Metric*> by_name;
  for (const domain::SeriesState& s : points) {
    const domain::MetricDef* def = domain::FindMetric(s.key.metric);
    if (def == nullptr) continue;
    pb_metrics::Metric*& m = by_name[def->name];
    if (m == nullptr) {
      m = sm->add_metrics();
      m->set_name(std::string(def->name));
      m->set_description(std::string(def->description));
      m->set_unit(std::string(def->unit));
      if (def->kind == domain::MetricKind::kCounter) {
        m->mutable_sum()->set_aggregation_temporality(temporality);
        m->mutable_sum()->set_is_monotonic(true);
      } else {
        m->mutable_histogram()->set_aggregation_temporality(temporality);
      }
    }
    if (def->kind == domain::MetricKind::kCounter) {
      pb_metrics::NumberDataPoint* p = m->mutable_sum()->add_data_points();
      SetPointAttributes(s.key, p);
      p->set_start_time_unix_nano(Nanos(s.start_ms));
      p->set_time_unix_nano(Nanos(now));
      p->set_as_int(static_cast<int64_t>(s.count));
      continue;
    }
    pb_metrics::HistogramDataPoint* p = m->mutable_histogram()->add_data_points();
    SetPointAttributes(s.key, p);
    p->set_start_time_unix_nano(Nanos(s.start_ms));
    p->set_time_unix_nano(Nanos(now));
    p->set_count(s.count);
    p->set_sum(s.count == 0 ? 0 : s.sum);
    const std::span<const double> bounds = domain::BucketBounds(*def);
    for (size_t i = 0; i <= bounds.size(); ++i) {
      p->add_bucket_counts(i < s.buckets.size() ? s.buckets[i] : 0);
    }
    for (double b : bounds) p->add_explicit_bounds(b);
    if (options.temporality == Temporality::kCumulative && s.count > 0) {
      p->set_min(s.min);
      p->set_max(s.max);
    }
  }
  return req;
}

// OTLP/JSON: the proto3 JSON mapping with lowerCamelCase keys, 64-bit integers as decimal
// strings and enums as integers. Built from the same message so both encodings carry the same
// data; written by hand because the lite runtime has no JSON printer.
json::value JsonAttributes(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& attrs) {
  json::array out;
  for (const auto& kv : attrs) {
    out.push_back(json::object{
        {"key", kv.key()}, {"value", json::object{{"stringValue", kv.value().string_value()}}}});
  }
  return out;
}

std::string U64(uint64_t v) { return std::to_string(v); }

template <typename Point>
void JsonPointTimes(const Point& p, json::object* o) {
  (*o)["attributes"] = JsonAttributes(p.attributes());
  (*o)["startTimeUnixNano"] = U64(p.start_time_unix_nano());
  (*o)["timeUnixNano"] = U64(p.time_unix_nano());
}

std::string ToJson(const pb_collector::ExportMetricsServiceRequest& req) {
  json::array resource_metrics;
  for (const auto& rm : req.resource_metrics()) {
    json::array scope_metrics;
    for (const auto& sm : rm.scope_metrics()) {
      json::array metrics;
      for (const auto& m : sm.metrics()) {
        json::object jm{{"name", m.name()}, {"description", m.description()}, {"unit", m.unit()}};
        if (m.has_sum()) {
          json::array points;
          for (const auto& p : m.sum().data_points()) {
            json::object jp;
            JsonPointTimes(p, &jp);
            jp["asInt"] = std::to_string(p.as_int());
            points.push_back(std::move(jp));
          }
          jm["sum"] = json::object{
              {"dataPoints", std::move(points)},
              {"aggregationTemporality", static_cast<int>(m.sum().aggregation_temporality())},
              {"isMonotonic", m.sum().is_monotonic()}};
        } else if (m.has_histogram()) {
          json::array points;
          for (const auto& p : m.histogram().data_points()) {
            json::object jp;
            JsonPointTimes(p, &jp);
            jp["count"] = U64(p.count());
            if (p.has_sum()) jp["sum"] = p.sum();
            json::array counts, bounds;
            for (uint64_t c : p.bucket_counts()) counts.push_back(json::value(U64(c)));
            for (double b : p.explicit_bounds()) bounds.push_back(b);
            jp["bucketCounts"] = std::move(counts);
            jp["explicitBounds"] = std::move(bounds);
            if (p.has_min()) jp["min"] = p.min();
            if (p.has_max()) jp["max"] = p.max();
            points.push_back(std::move(jp));
          }
          jm["histogram"] =
              json::object{{"dataPoints", std::move(points)},
                           {"aggregationTemporality",
                            static_cast<int>(m.histogram().aggregation_temporality())}};
        }
        metrics.push_back(std::move(jm));
      }
      json::object scope{{"name", sm.scope().name()}};
      if (!sm.scope().version().empty()) scope["version"] = sm.scope().version();
      scope_metrics.push_back(
          json::object{{"scope", std::move(scope)}, {"metrics", std::move(metrics)}});
    }
    resource_metrics.push_back(json::object{
        {"resource", json::object{{"attributes", JsonAttributes(rm.resource().attributes())}}},
        {"scopeMetrics", std::move(scope_metrics)}});
  }
  return json::serialize(json::object{{"resourceMetrics", std::move(resource_metrics)}});
}

std::string Serialize(const pb_collector::ExportMetricsServiceRequest& req, Encoding encoding) {
  if (encoding == Encoding::kJson) return ToJson(req);
  std::string out;
  req.SerializeToString(&out);
  return out;
}

// An int64 in OTLP/JSON: a decimal string or a number.
bool JsonInt64(const json::value& v, int64_t* out) {
  if (v.is_int64()) {
    *out = v.as_int64();
    return true;
  }
  if (v.is_uint64()) {
    *out = static_cast<int64_t>(v.as_uint64());
    return true;
  }
  if (v.is_string()) {
    try {
      *out = std::stoll(std::string(v.as_string()));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

}  // namespace

std::string EncodeRequest(const Attributes& resource, std::span<const domain::SeriesState> points,
                          const EncodeOptions& options, TimeMs now) {
  return Serialize(BuildRequest(resource, points, options, now), options.encoding);
}

std::vector<EncodedRequest> EncodeInChunks(const Attributes& resource,
                                           std::span<const domain::SeriesState> points,
                                           const EncodeOptions& options, TimeMs now,
                                           size_t max_bytes) {
  std::vector<EncodedRequest> out;
  // A first guess from one encoded point, then halve any range that still comes out too big.
  size_t per_request = points.size();
  if (!points.empty()) {
    size_t one = EncodeRequest(resource, points.first(1), options, now).size();
    per_request = std::max<size_t>(1, max_bytes / std::max<size_t>(one, 1));
  }
  std::vector<std::pair<size_t, size_t>> todo;
  for (size_t b = 0; b < points.size(); b += per_request) {
    todo.emplace_back(b, std::min(points.size(), b + per_request));
  }
  std::reverse(todo.begin(), todo.end());
  while (!todo.empty()) {
    auto [b, e] = todo.back();
    todo.pop_back();
    std::string body = EncodeRequest(resource, points.subspan(b, e - b), options, now);
    if (body.size() > max_bytes && e - b > 1) {
      size_t mid = b + (e - b) / 2;
      todo.emplace_back(mid, e);
      todo.emplace_back(b, mid);
      continue;
    }
    out.push_back({std::move(body), b, e});
  }
  return out;
}

bool DecodeResponse(std::string_view body, Encoding encoding, PartialSuccess* out) {
  *out = {};
  if (body.empty()) return true;
  if (encoding == Encoding::kProtobuf) {
    pb_collector::ExportMetricsServiceResponse res;
    if (!res.ParseFromArray(body.data(), static_cast<int>(body.size()))) return false;
    if (res.has_partial_success()) {
      out->rejected_data_points = res.partial_success().rejected_data_points();
      out->error_message = res.partial_success().error_message();
    }
    return true;
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const json::value* partial = v.as_object().if_contains("partialSuccess");
  if (partial == nullptr || !partial->is_object()) return true;
  if (const json::value* n = partial->as_object().if_contains("rejectedDataPoints")) {
    if (!JsonInt64(*n, &out->rejected_data_points)) return false;
  }
  if (const json::value* m = partial->as_object().if_contains("errorMessage")) {
    if (m->is_string()) out->error_message = std::string(m->as_string());
  }
  return true;
}

}  // namespace emm::exporting
