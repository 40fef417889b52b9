// The OTLP resource em-metrics reports itself as: service.name, a per-process
// service.instance.id, the deployment environment (under the original's `environment` key, which
// its recording rules group by, and the semantic-convention `deployment.environment.name`), plus
// whatever OTEL_RESOURCE_ATTRIBUTES adds.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace emm::exporting {

using Attributes = std::vector<std::pair<std::string, std::string>>;

// Parses OTEL_RESOURCE_ATTRIBUTES: "k1=v1,k2=v2", keys and values percent-decoded, surrounding
// blanks trimmed. Any malformed entry makes the whole value invalid (the specification's rule),
// reported as kInvalidArgument naming the entry.
Result<Attributes> ParseResourceAttributes(std::string_view text);

// Parses OTEL_EXPORTER_OTLP_HEADERS: the same "k=v,k=v" list, values percent-decoded.
Result<Attributes> ParseHeaderList(std::string_view text);

// A random (version 4) UUID, for service.instance.id.
std::string RandomUuid();

struct ResourceOptions {
  std::string service_name;     // OTEL_SERVICE_NAME: wins over service.name in `extra`
  std::string service_version;  // em-metrics' version
  std::string environment;      // DEPLOYMENT_ENVIRONMENT
  std::string instance_id;      // service.instance.id
  Attributes extra;             // OTEL_RESOURCE_ATTRIBUTES
};

// Keys are unique; the order is stable (service.* first, then the rest as given).
Attributes BuildResource(const ResourceOptions& o);

}  // namespace emm::exporting
