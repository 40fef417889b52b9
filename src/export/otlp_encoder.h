// Turns metric series into OTLP/HTTP request bodies (ExportMetricsServiceRequest), protobuf or
// OTLP/JSON. Counters become monotonic Sums with integer points, durations explicit-bucket
// Histograms in seconds; attributes project_id, team_id (left out when unresolved) and
// environment. Pure functions: the exporter decides what to send and when.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/time.h"
#include "domain/metrics.h"
#include "export/resource.h"

namespace emm::exporting {

enum class Temporality { kCumulative, kDelta };
enum class Encoding { kProtobuf, kJson };

// The exact Content-Type strings (Prometheus' receiver compares them literally).
inline constexpr const char* kProtobufContentType = "application/x-protobuf";
inline constexpr const char* kJsonContentType = "application/json";

struct EncodeOptions {
  Encoding encoding = Encoding::kProtobuf;
  Temporality temporality = Temporality::kCumulative;
  std::string scope_name = "em-metrics";
  std::string scope_version;
};

// One request body covering points[begin, end).
struct EncodedRequest {
  std::string body;
  size_t begin = 0;
  size_t end = 0;
};

// Each point is one series: for cumulative temporality its state since start_ms; for delta the
// change since the last acknowledged export, with start_ms set to that export's time (min and max
// are then unknown and left out). Points of metrics em-metrics does not define are skipped.
std::string EncodeRequest(const Attributes& resource, std::span<const domain::SeriesState> points,
                          const EncodeOptions& options, TimeMs now);

// Splits `points` into consecutive ranges whose bodies are each at most `max_bytes` (a single
// point larger than that still gets its own request). Every point is in exactly one request.
std::vector<EncodedRequest> EncodeInChunks(const Attributes& resource,
                                           std::span<const domain::SeriesState> points,
                                           const EncodeOptions& options, TimeMs now,
                                           size_t max_bytes);

// Decodes an ExportMetricsServiceResponse body (protobuf or JSON) for its partial_success; an
// empty body is full success. Returns false when the body cannot be decoded.
struct PartialSuccess {
  int64_t rejected_data_points = 0;
  std::string error_message;
};
bool DecodeResponse(std::string_view body, Encoding encoding, PartialSuccess* out);

}  // namespace emm::exporting
