// The OTLP transport over the shared outbound HTTP client (net/, libcurl loaded on first use).
#include <zlib.h>

#include <algorithm>

#include "export/transport.h"
#include "net/http_transport.h"

namespace emm::exporting {
namespace {

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const CurlOptions& o)
      : options_(o),
        http_(net::MakeCurlHttpTransport(
            {o.user_agent, o.ca_file, o.client_cert, o.client_key, 4 << 20})) {
    headers_.emplace_back("Content-Type", options_.content_type);
    for (const auto& [k, v] : options_.headers) headers_.emplace_back(k, v);
  }

  PostResult Post(std::string_view body, bool gzipped) override {
    net::OutboundRequest req{"POST", options_.url, headers_, body, options_.timeout_ms};
    if (gzipped) req.headers.emplace_back("Content-Encoding", "gzip");
    net::OutboundResponse r = http_->Send(req);
    PostResult out;
    out.status = r.status;
    out.error = std::move(r.error);
    out.retry_after = std::string(r.Header("retry-after").value_or(""));
    out.body = std::move(r.body);
    return out;
  }

 private:
  const CurlOptions options_;
  const std::unique_ptr<net::HttpTransport> http_;  // keeps the connection alive between exports
  net::HeaderList headers_;                          // sent with every request
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport(const CurlOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

std::string Gzip(std::string_view data, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  // The output grows as needed instead of being sized for incompressible input up front: a
  // large, repetitive body (a /metrics exposition) compresses 20-30x, and the worst-case buffer
  // would double the memory held while it is compressed.
  std::string out(std::min<size_t>(deflateBound(&z, static_cast<uLong>(data.size())),
                                   data.size() / 8 + 4096),
                  '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    rc = deflate(&z, Z_FINISH);
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace emm::exporting
