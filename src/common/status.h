// Errors as values. A Status carries a code, a message and, for client mistakes, the fields at
// fault, so the HTTP edge can name them without knowing where the error came from.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace emm {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller sent something wrong (HTTP 400)
  kNotFound,            // a named entity does not exist (404)
  kAlreadyExists,       // creating an id that exists (409)
  kFailedPrecondition,  // valid request, wrong state (409)
  kUnauthenticated,     // no credentials, or a scheme that is not configured (401)
  kPermissionDenied,    // wrong credentials (403)
  kPayloadTooLarge,     // a request body over the limit (413)
  kHeadersTooLarge,     // request headers over the limit (431)
  kUnimplemented,       // 501
  kUnavailable,         // transient: busy database, lost connection (503)
  kResourceExhausted,   // out of disk space: nothing was stored; retry once space is freed (507)
  kDataLoss,            // the database file is damaged: an operator must check it (503)
  kUpstream,            // a service we depend on (the OTLP collector) failed or refused (502)
  kInternal,            // a bug or an unexpected library failure (500)
};

struct FieldError {
  std::string field;
  std::string message;
};

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string field, std::string message) {
    return Status(StatusCode::kInvalidArgument, message, {{std::move(field), message}});
  }
  static Status Invalid(std::vector<FieldError> errors) {
    std::string msg = errors.empty() ? "invalid request" : errors.front().message;
    return Status(StatusCode::kInvalidArgument, std::move(msg), std::move(errors));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status AlreadyExists(std::string field, std::string message) {
    return Status(StatusCode::kAlreadyExists, message, {{std::move(field), message}});
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status PayloadTooLarge(std::string message) {
    return Status(StatusCode::kPayloadTooLarge, std::move(message));
  }
  static Status HeadersTooLarge(std::string message) {
    return Status(StatusCode::kHeadersTooLarge, std::move(message));
  }
  static Status Unimplemented(std::string message) {
    return Status(StatusCode::kUnimplemented, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  static Status DataLoss(std::string message) {
    return Status(StatusCode::kDataLoss, std::move(message));
  }
  static Status Upstream(std::string message) {
    return Status(StatusCode::kUpstream, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& fields() const { return fields_; }

  // "INVALID_ARGUMENT: first_commit_at: not a date" style, for logs.
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message, std::vector<FieldError> fields = {})
      : code_(code), message_(std::move(message)), fields_(std::move(fields)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldError> fields_;
};

const char* StatusCodeName(StatusCode code);

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace emm

// Returns early with the Status of an expression that failed.
#define EMM_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::emm::Status emm_status_ = (expr);        \
    if (!emm_status_.ok()) return emm_status_; \
  } while (0)
