#include "api/dto/cdevents_json.h"

#include <cctype>

#include "api/dto/fields.h"
#include "api/query.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

constexpr size_t kMaxUri = 2048;  // sources and artifact ids are URIs and purls

// The media type of a Content-Type value, lower case, without parameters.
std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  size_t start = 0;
  while (start < out.size() && std::isspace(static_cast<unsigned char>(out[start]))) ++start;
  out.erase(0, start);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// The four attributes every CloudEvent has, read from `r` under the names `names` gives them.
Result<CloudEvent> RequiredAttributes(FieldReader& r, const char* const names[4]) {
  auto specversion = r.Id(names[0], true);
  CloudEvent out;
  auto id = r.Id(names[1], true);
  auto source = r.Id(names[2], true, kMaxUri);
  auto type = r.Id(names[3], true, 512);
  if (specversion && *specversion != "1.0") {
    r.AddError(names[0], "must be 1.0 (CloudEvents 1.0), got \"" + specversion->substr(0, 16) + "\"");
  }
  if (!r.ok()) return r.status();
  out.id = *id;
  out.source = *source;
  out.type = *type;
  return out;
}

// context.links (read by `c`): the ids of the events linked to, RELATION targets first (the event
// names them as related), then the sources of PATH and END links (the events it follows).
std::vector<std::string> LinkedIds(const json::object& context, FieldReader& c) {
  std::vector<std::string> relations, paths;
  const json::value* links = context.if_contains("links");
  if (links == nullptr || links->is_null()) return relations;
  if (!links->is_array()) {
    c.AddError("links", "must be an array of links");
    return relations;
  }
  const json::array& list = links->get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "links[" + std::to_string(i) + "]";
    if (!list[i].is_object()) {
      c.AddError(at, "must be an object");
      continue;
    }
    FieldReader link(list[i].get_object(), at);
    const bool relation = link.Id("linkType", false) == "RELATION";
    if (auto id = link.NestedId(relation ? "target" : "from", "contextId", false, kMaxUri)) {
      (relation ? relations : paths).push_back(std::move(*id));
    }
    c.Collect(link);
  }
  relations.insert(relations.end(), paths.begin(), paths.end());
  return relations;
}

}  // namespace

Result<CloudEvent> ReadCloudEvent(const http::Request& request) {
  const std::string media = MediaType(request.Header("Content-Type").value_or(""));
  if (media == "application/cloudevents-batch+json") {
    return Status::InvalidArgument("Content-Type",
                                   "a batch of CloudEvents is not taken: one event per request");
  }
  if (media == "application/cloudevents+json") {
    auto body = ParseBodyObject(request.body);
    if (!body.ok()) return body.status();
    FieldReader r(*body);
    static constexpr const char* kNames[] = {"specversion", "id", "source", "type"};
    auto event = RequiredAttributes(r, kNames);
    if (body->contains("data_base64")) {
      r.AddError("data_base64", "only JSON data is read: send the CDEvent as data");
    }
    auto content = r.Id("datacontenttype", false);
    if (content && MediaType(*content) != "application/json") {
      r.AddError("datacontenttype", "must be application/json: a CDEvent is JSON");
    }
    const json::object* data = r.Object("data", true);
    if (!r.ok()) return r.status();
    event->data = *data;
    return event;
  }
  // Binary mode: the attributes are headers, percent-encoded where they are not plain ASCII.
  if (!media.empty() && media != "application/json") {
    return Status::InvalidArgument(
        "Content-Type", "must be application/json (binary mode, ce-* headers) or "
                        "application/cloudevents+json (structured mode), got " + media);
  }
  static constexpr const char* kHeaders[] = {"ce-specversion", "ce-id", "ce-source", "ce-type"};
  json::object attributes;
  for (const char* name : kHeaders) {
    if (auto v = request.Header(name)) attributes[name] = PercentDecode(*v, false);
  }
  FieldReader r(attributes);
  auto event = RequiredAttributes(r, kHeaders);
  if (!event.ok()) return event;
  auto body = ParseBodyObject(request.body);
  if (!body.ok()) return body.status();
  event->data = std::move(*body);
  return event;
}

std::optional<CdEventType> ParseCdEventType(std::string_view type) {
  constexpr std::string_view kPrefix = "dev.cdevents.";
  if (type.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  type.remove_prefix(kPrefix.size());
  const size_t first = type.find('.');
  const size_t second = first == std::string_view::npos ? first : type.find('.', first + 1);
  if (first == 0 || second == std::string_view::npos || second == first + 1 ||
      second + 1 >= type.size()) {
    return std::nullopt;
  }
  return CdEventType{std::string(type.substr(0, first)),
                     std::string(type.substr(first + 1, second - first - 1)),
                     std::string(type.substr(second + 1))};
}

Result<CdEvent> ReadCdEvent(const json::object& data, std::string_view cloud_type) {
  FieldReader top(data);
  const json::object* context = top.Object("context", true);
  const json::object* subject = top.Object("subject", true);
  if (!top.ok()) return top.status();
  CdEvent out;
  FieldReader c(*context, "context");
  auto id = c.Id("id", true);
  auto type = c.Id("type", true, 512);
  auto timestamp = c.Time("timestamp", true);
  out.chain_id = c.Id("chainId", false);
  if (type && *type != cloud_type) {
    c.AddError("type", "must be the CloudEvent's type, " + std::string(cloud_type));
  }
  out.linked_ids = LinkedIds(*context, c);
  top.Collect(c);
  FieldReader s(*subject, "subject");
  auto subject_id = s.Id("id", true, kMaxUri);
  if (const json::object* content = s.Object("content", false)) {
    FieldReader r(*content, "content");
    // An environment and a service (a project) are ids as the API's own fields are
    // (kMaxIdBytes): with a team they key a DORA group, one index entry of PostgreSQL's.
    out.environment = r.NestedId("environment", "id", false);
    out.service_id = r.NestedId("service", "id", false);
    out.repository_id = r.NestedId("repository", "id", false, kMaxUri);
    out.artifact_id = r.Id("artifactId", false, kMaxUri);
    out.group = r.Id("group", false);
    out.ticket_type = r.Id("ticketType", false);
    out.resolution = r.Id("resolution", false);
    const json::value* assignees = content->if_contains("assignees");
    if (assignees != nullptr && !assignees->is_null()) {
      const json::array* list = assignees->if_array();
      if (list == nullptr) {
        r.AddError("assignees", "must be an array of strings");
      } else if (!list->empty() && list->front().is_string()) {
        out.assignee = std::string(list->front().get_string());
      } else if (!list->empty()) {
        r.AddError("assignees[0]", "must be a string");
      }
    }
    s.Collect(r);
  }
  top.Collect(s);
  if (!top.ok()) return top.status();
  out.context_id = *id;
  out.timestamp = *timestamp;
  out.subject_id = *subject_id;
  return out;
}

}  // namespace emm::api::dto
