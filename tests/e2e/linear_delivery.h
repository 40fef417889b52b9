// Linear webhook deliveries for end-to-end tests: the payloads of tests/testdata/linear, stamped
// with the current webhookTimestamp and signed as Linear signs them (Linear-Signature: hex
// HMAC-SHA256 of the raw body).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "e2e/http_client.h"

namespace emm::e2e {

// A payload of tests/testdata/linear, parsed.
boost::json::object LinearFixture(const std::string& name);

// An Issue delivery of ENG-42 (issue-create.json) as `id` (identifier) with `data` fields
// replaced by `changes` (a field set to null is removed).
boost::json::object LinearIssue(const std::string& id, const boost::json::object& changes);

class LinearSender {
 public:
  LinearSender(uint16_t port, std::string secret) : port_(port), secret_(std::move(secret)) {}

  // Posts `payload` with webhookTimestamp = now + `clock_offset_ms`, signed, under delivery id
  // `delivery` (a fresh one when empty).
  HttpResponse Send(boost::json::object payload, const std::string& delivery = "",
                    int64_t clock_offset_ms = 0) const;
  // Posts the raw body with the given headers (for signature tests).
  HttpResponse SendRaw(const std::string& body, const Headers& headers) const;
  std::string Sign(const std::string& body) const;

 private:
  uint16_t port_;
  std::string secret_;
};

}  // namespace emm::e2e
