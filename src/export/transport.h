// How an OTLP request body reaches the collector: one HTTP POST. An interface so that the
// exporter's retry and bookkeeping logic can be tested without a network; the real one is libcurl.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "export/resource.h"

namespace emm::exporting {

struct PostResult {
  int status = 0;           // HTTP status; 0 when no answer came (refused, reset, timed out)
  std::string error;        // why there was no answer
  std::string body;         // at most 4 MiB of it
  std::string retry_after;  // the Retry-After header, if any
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request body (already compressed when `gzipped`). Thread-compatible.
  virtual PostResult Post(std::string_view body, bool gzipped) = 0;
};

struct CurlOptions {
  std::string url;
  std::string content_type;  // exactly kProtobufContentType or kJsonContentType
  Attributes headers;        // OTEL_EXPORTER_OTLP_HEADERS
  int timeout_ms = 10000;    // per request
  std::string ca_file;       // OTEL_EXPORTER_OTLP_CERTIFICATE
  std::string client_cert;   // OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE
  std::string client_key;    // OTEL_EXPORTER_OTLP_CLIENT_KEY
  std::string user_agent;
};

// A keep-alive libcurl client for one endpoint (http or https).
std::unique_ptr<Transport> MakeCurlTransport(const CurlOptions& options);

// gzip (RFC 1952) of `data`, for Content-Encoding: gzip. `level`: zlib's 1 (fastest) to 9 (best);
// -1 is zlib's default (6). Empty on failure.
std::string Gzip(std::string_view data, int level = -1);

}  // namespace emm::exporting
