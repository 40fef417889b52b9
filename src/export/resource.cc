#include "export/resource.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <random>

#include "common/percent.h"

namespace emm::exporting {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<Attributes> ParseList(std::string_view text, std::string_view what) {
  Attributes out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view entry = Trim(
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    std::optional<std::string> key, value;
    if (eq != std::string_view::npos && !Trim(entry.substr(0, eq)).empty()) {
      key = PercentDecodeStrict(Trim(entry.substr(0, eq)));
      value = PercentDecodeStrict(Trim(entry.substr(eq + 1)));
    }
    if (!key || !value) {
      std::string message = "\"";
      message.append(entry).append("\" is not key=value (percent-encode ',', '=' and '%')");
      return Status::InvalidArgument(std::string(what), message);
    }
    auto same =
        std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == *key; });
    if (same != out.end()) {
      same->second = std::move(*value);  // the last one wins
    } else {
      out.emplace_back(std::move(*key), std::move(*value));
    }
  }
  return out;
}

}  // namespace

Result<Attributes> ParseResourceAttributes(std::string_view text) {
  return ParseList(text, "OTEL_RESOURCE_ATTRIBUTES");
}

Result<Attributes> ParseHeaderList(std::string_view text) {
  return ParseList(text, "OTEL_EXPORTER_OTLP_HEADERS");
}

std::string RandomUuid() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

Attributes BuildResource(const ResourceOptions& o) {
  Attributes out = {{"service.name", o.service_name},
                    {"service.instance.id", o.instance_id},
                    {"service.version", o.service_version},
                    {"environment", o.environment},
                    {"deployment.environment.name", o.environment}};
  for (const auto& [k, v] : o.extra) {
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == k; });
    if (same == out.end()) {
      out.emplace_back(k, v);
    } else if (k != "service.name") {  // OTEL_SERVICE_NAME wins; the rest may be overridden
      same->second = v;
    }
  }
  return out;
}

}  // namespace emm::exporting
