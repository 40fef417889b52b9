#include "e2e/linear_delivery.h"

#include <chrono>

#include "e2e/webhook_signing.h"

namespace emm::e2e {
namespace json = boost::json;

json::object LinearFixture(const std::string& name) {
  return json::parse(TestData("linear/" + name)).as_object();
}

json::object LinearIssue(const std::string& id, const json::object& changes) {
  json::object payload = LinearFixture("issue-create.json");
  json::object& data = payload.at("data").as_object();
  data["identifier"] = id;
  data["id"] = "uuid-" + id;
  for (const auto& [key, value] : changes) {
    if (value.is_null()) {
      data.erase(key);
    } else {
      data[key] = value;
    }
  }
  return payload;
}

std::string LinearSender::Sign(const std::string& body) const {
  return HexHmacSha256(secret_, body);
}

HttpResponse LinearSender::SendRaw(const std::string& body, const Headers& headers) const {
  Headers h = headers;
  h.emplace_back("Content-Type", "application/json; charset=utf-8");
  h.emplace_back("Linear-Event", "Issue");
  return HttpClient(port_).Post("/webhooks/linear", body, h);
}

HttpResponse LinearSender::Send(json::object payload, const std::string& delivery,
                                int64_t clock_offset_ms) const {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  payload["webhookTimestamp"] = now + clock_offset_ms;
  const std::string body = json::serialize(payload);
  static int next_delivery = 0;  // ids unique within the test binary
  const std::string id =
      delivery.empty() ? "delivery-" + std::to_string(++next_delivery) : delivery;
  return SendRaw(body, {{"Linear-Signature", Sign(body)}, {"Linear-Delivery", id}});
}

}  // namespace emm::e2e
