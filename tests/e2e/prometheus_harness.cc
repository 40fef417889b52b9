#include "e2e/prometheus_harness.h"

#include <gtest/gtest.h>

#include "common/percent.h"
#include "e2e/http_client.h"

namespace emm::e2e {

namespace json = boost::json;

std::string RequireTool(const std::string& name) {
  std::string path = FindProgram(name);
  EXPECT_FALSE(path.empty()) << name
                             << " is not installed: `make test` installs Debian's prometheus "
                                "package (or: apt-get install prometheus)";
  return path;
}

std::string PrometheusHarness::Job(const std::string& name, uint16_t port,
                                   const std::string& extra) {
  return "  - job_name: " + name +
         "\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n" +
         extra;
}

void PrometheusHarness::Start(const TempDir& dir, const std::vector<std::string>& jobs) {
  std::string prometheus = RequireTool("prometheus");
  ASSERT_FALSE(prometheus.empty());
  std::string config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n";
  config += "scrape_configs:\n";
  for (const std::string& job : jobs) config += job;
  dir.Write("prometheus.yml", config);
  // The port is chosen before Prometheus binds it; another process may take it first.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    process_ = PeerProcess::Start(
        dir.path(),
        {prometheus, "--config.file=" + dir.File("prometheus.yml"),
         "--storage.tsdb.path=" + dir.File("prometheus-data"),
         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
        dir.File("prometheus.log"));
    ASSERT_NE(process_, nullptr);
    if (WaitUntil([&] { return HttpClient(port_).Get("/-/ready").status == 200; })) break;
    ASSERT_FALSE(process_->Running()) << "prometheus is not ready:\n" << process_->Log();
  }
  ASSERT_TRUE(process_->Running()) << process_->Log();
  // Prometheus 2.42 hands new targets to its scrapers after about 5 s, then scrapes each within
  // its interval.
  ASSERT_TRUE(WaitUntil([&] { return Query("count(up)") == static_cast<double>(jobs.size()); }))
      << "not every job was scraped; count(up) = " << Query("count(up)").value_or(-1) << "\n"
      << process_->Log();
}

std::optional<double> PrometheusHarness::Query(const std::string& promql) const {
  json::value v = Api("/api/v1/query?query=" + PercentEncodeComponent(promql));
  if (!v.is_object() || !v.as_object().contains("data")) return std::nullopt;
  const auto& result = v.at("data").at("result").as_array();
  if (result.size() != 1) return std::nullopt;
  return std::stod(std::string(result[0].at("value").at(1).as_string()));
}

json::value PrometheusHarness::Api(const std::string& target) const {
  return HttpClient(port_).Get(target).Json();
}

}  // namespace emm::e2e
