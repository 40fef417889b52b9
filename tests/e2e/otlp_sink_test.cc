// The OTLP test receiver itself (tests/interop/otlp/sink.js driven through OtlpSink), checked with
// bodies written by hand here, independently of the project's exporter: protobuf from a tiny
// writer following the field tables of opentelemetry-proto, and the equivalent OTLP/JSON.
#include "e2e/otlp_sink.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

using std::chrono::milliseconds;

// Protobuf wire format, just enough for one request: varint (0), 64-bit (1), length-delimited (2).
class ProtoWriter {
 public:
  ProtoWriter& Varint(int field, uint64_t value) {
    Tag(field, 0);
    PutVarint(value);
    return *this;
  }
  ProtoWriter& Fixed64(int field, uint64_t value) {
    Tag(field, 1);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return *this;
  }
  ProtoWriter& Bytes(int field, std::string_view bytes) {
    Tag(field, 2);
    PutVarint(bytes.size());
    out_.append(bytes);
    return *this;
  }
  ProtoWriter& Message(int field, const ProtoWriter& message) { return Bytes(field, message.out_); }
  const std::string& data() const { return out_; }

 private:
  void Tag(int field, int wire_type) { PutVarint(static_cast<uint64_t>(field) << 3 | wire_type); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

constexpr uint64_t kStartNanos = 1767225600000000000ULL;
constexpr uint64_t kTimeNanos = 1767229200000000000ULL;

// KeyValue {key = 1; AnyValue value = 2 {string_value = 1}}
ProtoWriter StringAttribute(std::string_view key, std::string_view value) {
  ProtoWriter any;
  any.Bytes(1, value);
  ProtoWriter kv;
  kv.Bytes(1, key).Message(2, any);
  return kv;
}

// ExportMetricsServiceRequest: one resource attribute, one monotonic cumulative Sum with one
// NumberDataPoint (as_int = 5, one attribute). Field numbers: opentelemetry-proto metrics.v1.
std::string HandEncodedRequest() {
  ProtoWriter point;  // NumberDataPoint
  point.Fixed64(2, kStartNanos)
      .Fixed64(3, kTimeNanos)
      .Fixed64(6, 5)  // as_int, sfixed64
      .Message(7, StringAttribute("service", "checkout"));
  ProtoWriter sum;
  sum.Message(1, point).Varint(2, 2).Varint(3, 1);  // CUMULATIVE, is_monotonic
  ProtoWriter metric;
  metric.Bytes(1, "dora.deployments").Bytes(3, "{deployment}").Message(7, sum);
  ProtoWriter scope;
  scope.Bytes(1, "otlp-sink-test");
  ProtoWriter scope_metrics;
  scope_metrics.Message(1, scope).Message(2, metric);
  ProtoWriter resource;
  resource.Message(1, StringAttribute("service.name", "sink-test"));
  ProtoWriter resource_metrics;
  resource_metrics.Message(1, resource).Message(2, scope_metrics);
  ProtoWriter request;
  request.Message(1, resource_metrics);
  return request.data();
}

// The same request in OTLP/JSON. It is also the decoded shape the sink reports for both
// encodings (64-bit integers as strings, enums as numbers, only the fields present).
constexpr std::string_view kJsonRequest = R"({"resourceMetrics":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"sink-test"}}]},
  "scopeMetrics":[{"scope":{"name":"otlp-sink-test"},"metrics":[{
    "name":"dora.deployments","unit":"{deployment}",
    "sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{
      "attributes":[{"key":"service","value":{"stringValue":"checkout"}}],
      "startTimeUnixNano":"1767225600000000000","timeUnixNano":"1767229200000000000",
      "asInt":"5"}]}}]}]}]})";

std::string Gzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const Headers kProtobuf = {{"Content-Type", "application/x-protobuf"}};
const Headers kJson = {{"Content-Type", "application/json"}};
const Headers kProtobufGzip = {{"Content-Type", "application/x-protobuf"},
                               {"Content-Encoding", "gzip"}};
const Headers kJsonGzip = {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};

const boost::json::value& Decoded(const boost::json::value& record) { return record.at("request"); }

class OtlpSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    sink_ = OtlpSink::Start(&error);
    ASSERT_NE(sink_, nullptr) << error;
    client_ = std::make_unique<HttpClient>(static_cast<uint16_t>(sink_->port()));
  }

  HttpResponse Export(const std::string& body, const Headers& headers,
                      const std::string& path = "/v1/metrics") {
    return client_->Post(path, body, headers);
  }

  std::unique_ptr<OtlpSink> sink_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(OtlpSinkTest, DecodesProtobufAndJsonPlainAndGzippedToTheSameStructure) {
  const std::string proto = HandEncodedRequest();
  const std::string json(kJsonRequest);
  EXPECT_EQ(sink_->url(), "http://127.0.0.1:" + std::to_string(sink_->port()) + "/v1/metrics");

  HttpResponse r = Export(proto, kProtobuf);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(r.body, "");  // an empty ExportMetricsServiceResponse
  r = Export(Gzip(proto), kProtobufGzip);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  r = Export(json, kJson);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{}");
  r = Export(Gzip(json), kJsonGzip);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");

  ASSERT_TRUE(sink_->WaitForRequests(4, milliseconds(2000)));
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 4u);
  const boost::json::value expected = boost::json::parse(kJsonRequest);
  for (size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    const auto& record = records[i];
    EXPECT_EQ(record.at("status"), 200);
    EXPECT_EQ(record.at("error"), nullptr);
    EXPECT_EQ(record.at("path"), "/v1/metrics");
    EXPECT_EQ(Decoded(record), expected);
    const auto& rm = Decoded(record).at("resourceMetrics").at(0);
    EXPECT_EQ(rm.at("resource").at("attributes").at(0).at("key"), "service.name");
    EXPECT_EQ(rm.at("resource").at("attributes").at(0).at("value").at("stringValue"), "sink-test");
    const auto& metric = rm.at("scopeMetrics").at(0).at("metrics").at(0);
    EXPECT_EQ(metric.at("name"), "dora.deployments");
    EXPECT_EQ(metric.at("sum").at("dataPoints").at(0).at("asInt"), "5");
    EXPECT_EQ(metric.at("sum").at("aggregationTemporality"), 2);
  }
  EXPECT_EQ(records[0].at("contentType"), "application/x-protobuf");
  EXPECT_EQ(records[0].at("contentEncoding"), nullptr);
  EXPECT_EQ(records[0].at("rawSize"), proto.size());
  EXPECT_EQ(records[1].at("contentEncoding"), "gzip");
  EXPECT_EQ(records[1].at("rawSize"), Gzip(proto).size());
  EXPECT_EQ(records[1].at("decodedSize"), proto.size());
  EXPECT_EQ(records[2].at("contentType"), "application/json");
  EXPECT_EQ(records[3].at("contentEncoding"), "gzip");
  EXPECT_EQ(records[3].at("decodedSize"), json.size());
}

TEST_F(OtlpSinkTest, RecordsPrefixedPathHeadersAndArrivalTime) {
  EXPECT_FALSE(sink_->WaitForRequests(1, milliseconds(100)));
  auto now_ms = [] {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t before = now_ms();
  HttpResponse r = Export(HandEncodedRequest(),
                          {{"Content-Type", "application/x-protobuf"},
                           {"User-Agent", "emm-test/1.0"},
                           {"X-Scope-OrgID", "team-a"}},
                          "/api/v1/otlp/v1/metrics");
  const int64_t after = now_ms();
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(sink_->WaitForRequests(1, milliseconds(2000)));
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records[0];
  EXPECT_EQ(record.at("path"), "/api/v1/otlp/v1/metrics");
  EXPECT_EQ(record.at("method"), "POST");
  EXPECT_EQ(record.at("userAgent"), "emm-test/1.0");
  EXPECT_EQ(record.at("headers").at("x-scope-orgid"), "team-a");
  EXPECT_EQ(record.at("headers").at("content-type"), "application/x-protobuf");
  const int64_t at = record.at("receivedAtMs").to_number<int64_t>();
  EXPECT_GE(at, before);
  EXPECT_LE(at, after);
  // Control requests are not recorded.
  EXPECT_EQ(client_->Get("/nothing-here").status, 404);
  EXPECT_EQ(sink_->Received().size(), 1u);
}

TEST_F(OtlpSinkTest, RefusesContentTypeWithParameterWith415) {
  HttpResponse r =
      Export(std::string(kJsonRequest), {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(r.status, 415);
  r = Export(HandEncodedRequest(), {{"Content-Type", "application/protobuf"}});
  EXPECT_EQ(r.status, 415);
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("status"), 415);
  EXPECT_EQ(records[0].at("contentType"), "application/json; charset=utf-8");
  EXPECT_EQ(records[0].at("request"), nullptr);
  EXPECT_TRUE(records[0].at("error").is_string());
  EXPECT_EQ(records[1].at("status"), 415);
}

TEST_F(OtlpSinkTest, RefusesUndecodableBodiesUnknownEncodingsAndOtherMethods) {
  HttpResponse r = Export("\xff\xff\xff garbage", kProtobuf);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("cannot decode"), std::string::npos) << r.body;
  EXPECT_EQ(Export("{not json", kJson).status, 400);
  EXPECT_EQ(Export("[1,2]", kJson).status, 400);
  EXPECT_EQ(Export(R"({"resourceMetrics":7})", kJson).status, 400);
  EXPECT_EQ(Export("not gzip", kProtobufGzip).status, 400);
  EXPECT_EQ(Export(HandEncodedRequest(),
                   {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "br"}})
                .status,
            400);
  EXPECT_EQ(client_->Get("/v1/metrics").status, 405);

  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 7u);
  for (const auto& record : records) {
    SCOPED_TRACE(boost::json::serialize(record));
    EXPECT_NE(record.at("status"), 200);
    EXPECT_EQ(record.at("request"), nullptr);
    EXPECT_TRUE(record.at("error").is_string());
  }
  EXPECT_EQ(records[6].at("method"), "GET");
  EXPECT_EQ(records[6].at("status"), 405);
}

TEST_F(OtlpSinkTest, AnswersBodiesOver64MiBWith413) {
  constexpr size_t kLimit = 64 * 1024 * 1024;
  // Declared too large: answered from the headers alone.
  std::string head =
      "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
      "Content-Length: " +
      std::to_string(kLimit + 1) + "\r\n\r\n";
  HttpResponse r = ParseResponse(RawExchange(static_cast<uint16_t>(sink_->port()), head, 3000));
  EXPECT_EQ(r.status, 413);
  // Small on the wire, too large once gunzipped.
  const std::string bomb = Gzip(std::string(kLimit + 1, '\0'));
  r = Export(bomb, kProtobufGzip);
  EXPECT_EQ(r.status, 413);
  // Exactly at the limit passes the size check, then fails to decode (quickly: the first byte
  // is field 0 with the invalid wire type 7).
  std::string at_limit(kLimit, '\0');
  at_limit[0] = 0x07;
  r = Export(Gzip(at_limit), kProtobufGzip);
  EXPECT_EQ(r.status, 400);
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("status"), 413);
  EXPECT_EQ(records[1].at("status"), 413);
  EXPECT_EQ(records[1].at("rawSize"), bomb.size());
}

TEST_F(OtlpSinkTest, ProgrammedUnavailableWithRetryAfterThenSuccess) {
  ASSERT_TRUE(sink_->Program({{"status", 503}, {"retryAfter", "2"}, {"times", 2}}));
  const std::string proto = HandEncodedRequest();
  for (int attempt = 0; attempt < 2; ++attempt) {
    HttpResponse r = Export(proto, kProtobuf);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.Header("retry-after"), "2");
    EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
    // google.rpc.Status {code = 1: 14 (UNAVAILABLE); message = 2}
    EXPECT_EQ(r.body.substr(0, 3), std::string("\x08\x0e\x12", 3));
  }
  HttpResponse r = Export(proto, kProtobuf);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("retry-after"), "");

  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("status"), 503);
  EXPECT_EQ(records[0].at("programmed"), true);
  EXPECT_EQ(records[1].at("status"), 503);
  EXPECT_EQ(records[2].at("status"), 200);
  EXPECT_EQ(records[2].at("programmed"), false);
  // Refused attempts still show what was sent.
  EXPECT_EQ(Decoded(records[0]), Decoded(records[2]));
}

TEST_F(OtlpSinkTest, ProgrammedBadRequestThenPartialSuccess) {
  boost::json::array steps = {
      boost::json::object{{"status", 400}, {"body", "bad things"}, {"times", 1}},
      boost::json::object{{"partialSuccess", {{"rejectedDataPoints", 2}, {"errorMessage", "x"}}},
                          {"times", 2}}};
  ASSERT_TRUE(sink_->ProgramSequence(steps));
  const std::string json(kJsonRequest);
  HttpResponse r = Export(json, kJson);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json(), boost::json::parse(R"({"code":3,"message":"bad things"})"));
  r = Export(json, kJson);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json(), boost::json::parse(
                          R"({"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"x"}})"));
  // ExportMetricsServiceResponse {partial_success = 1 {rejected_data_points = 1: 2;
  // error_message = 2: "x"}}
  r = Export(HandEncodedRequest(), kProtobuf);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("\x0a\x05\x08\x02\x12\x01x", 7));
  r = Export(HandEncodedRequest(), kProtobuf);  // the program is used up
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].at("status"), 400);
  EXPECT_EQ(records[0].at("error"), "bad things");
  EXPECT_EQ(records[1].at("programmed"), true);
}

TEST_F(OtlpSinkTest, TimesMinusOneLastsUntilReset) {
  ASSERT_TRUE(sink_->Program({{"status", 429}, {"times", -1}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Export(HandEncodedRequest(), kProtobuf).status, 429);
  EXPECT_EQ(sink_->Received().size(), 3u);
  sink_->Reset();
  EXPECT_EQ(sink_->Received().size(), 0u);
  EXPECT_EQ(Export(HandEncodedRequest(), kProtobuf).status, 200);
  EXPECT_EQ(sink_->Received().size(), 1u);
}

TEST_F(OtlpSinkTest, DropClosesTheConnectionWithoutAResponse) {
  ASSERT_TRUE(sink_->Program({{"drop", true}, {"times", 1}}));
  const std::string body = HandEncodedRequest();
  const std::string request =
      "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  int fd = Connect(static_cast<uint16_t>(sink_->port()));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  // The connection must end (EOF or reset) with no byte of response, well before the timeout.
  std::string answer;
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      closed = true;
    }
  }
  close(fd);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer, "");

  EXPECT_EQ(Export(body, kProtobuf).status, 200);  // only once
  boost::json::array records = sink_->Received();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("dropped"), true);
  EXPECT_EQ(records[0].at("status"), 0);
  EXPECT_EQ(Decoded(records[0]), boost::json::parse(kJsonRequest));
  EXPECT_EQ(records[1].at("dropped"), false);
}

TEST_F(OtlpSinkTest, RefusesAMalformedProgram) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    EXPECT_FALSE(sink_->Program({{"status", "soon"}}));
  }
  EXPECT_EQ(failures.size(), 1);
  EXPECT_EQ(Export(HandEncodedRequest(), kProtobuf).status, 200);
}

TEST_F(OtlpSinkTest, StopExitsCleanlyOnSigterm) {
  const pid_t pid = sink_->pid();
  ASSERT_GT(pid, 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sink_->Stop(), 0);  // exit code 0, not killed
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_EQ(kill(pid, 0), -1);  // reaped
  EXPECT_EQ(Connect(static_cast<uint16_t>(sink_->port())), -1);
  EXPECT_EQ(sink_->Stop(), 0);  // idempotent
}

TEST(OtlpSinkStartTest, ExplainsWhatIsMissingOrWrong) {
  std::string error;
  OtlpSinkOptions options;
  options.node = "/nonexistent/node";
  EXPECT_EQ(OtlpSink::Start(&error, options), nullptr);
  EXPECT_NE(error.find("/nonexistent/node` not found"), std::string::npos) << error;

  TempDir dir;
  options = {};
  options.script = dir.File("sink.js");
  dir.Write("sink.js", "process.stderr.write('boom\\n'); process.exit(3);\n");
  EXPECT_EQ(OtlpSink::Start(&error, options), nullptr);
  EXPECT_NE(error.find("npm ci"), std::string::npos) << error;

  // With (fake) packages in place: a script that fails shows its stderr...
  const std::string generated = "node_modules/@opentelemetry/otlp-transformer/build/src/generated";
  std::filesystem::create_directories(dir.File(generated));
  std::filesystem::create_directories(dir.File("node_modules/protobufjs"));
  dir.Write(generated + "/root.js", "");
  EXPECT_EQ(OtlpSink::Start(&error, options), nullptr);
  EXPECT_NE(error.find("exited (code 3)"), std::string::npos) << error;
  EXPECT_NE(error.find("boom"), std::string::npos) << error;

  // ...and one that never says it listens is stopped after the start timeout.
  dir.Write("sink.js", "setInterval(() => {}, 1000);\n");
  options.start_timeout = milliseconds(500);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(OtlpSink::Start(&error, options), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  EXPECT_NE(error.find("did not print"), std::string::npos) << error;
}

}  // namespace
}  // namespace emm::e2e
