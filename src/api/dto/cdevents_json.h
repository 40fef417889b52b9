// CDEvents (CD Foundation, spec v0.4 and v0.5) carried by CloudEvents 1.0 over HTTP: the
// CloudEvent's attributes, from either content mode, and what em-metrics reads of the CDEvent in
// its data. Every field error names its path ("ce-id", "context.timestamp").
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "http/message.h"

namespace emm::api::dto {

struct CloudEvent {
  std::string id;
  std::string source;
  std::string type;
  boost::json::object data;  // the CDEvent
};

// Binary content mode: the attributes in ce-specversion, ce-id, ce-source and ce-type (percent-
// encoded as the HTTP binding says), the body the event's data. Structured mode (Content-Type
// application/cloudevents+json): the body holds the attributes and `data`. Missing or wrong
// attributes are a 400 naming each (ce-id ... in binary mode, id ... in structured mode); a batch
// (application/cloudevents-batch+json) is refused: one event per request.
Result<CloudEvent> ReadCloudEvent(const http::Request& request);

// "dev.cdevents.<subject>.<predicate>.<version>" in parts; nullopt for any other type.
struct CdEventType {
  std::string subject;    // "service", "incident", "change", ...
  std::string predicate;  // "deployed", "detected", "merged", ...
  std::string version;    // "0.2.0"
};
std::optional<CdEventType> ParseCdEventType(std::string_view type);

// What em-metrics reads of a CDEvent; each content field is nullopt when the event has none.
struct CdEvent {
  std::string context_id;
  TimeMs timestamp = 0;
  std::optional<std::string> chain_id;
  // The events it links to (context.links): RELATION targets first, then PATH and END sources.
  std::vector<std::string> linked_ids;
  std::string subject_id;
  std::optional<std::string> environment;    // subject.content.environment.id
  std::optional<std::string> artifact_id;    // subject.content.artifactId
  std::optional<std::string> service_id;     // subject.content.service.id
  std::optional<std::string> repository_id;  // subject.content.repository.id
  // Tickets: subject.content.group, .ticketType, the first of .assignees, .resolution.
  std::optional<std::string> group;
  std::optional<std::string> ticket_type;
  std::optional<std::string> assignee;
  std::optional<std::string> resolution;
};

// `cloud_type` is the CloudEvent's type, which context.type must repeat.
Result<CdEvent> ReadCdEvent(const boost::json::object& data, std::string_view cloud_type);

}  // namespace emm::api::dto
