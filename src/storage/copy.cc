#include "storage/copy.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "storage/event_rows.h"

namespace emm::storage {
namespace {

using domain::Transaction;

Status RunOne(EventStore& store, EventStore::Work work) {
  std::vector<Status> results = store.RunBatch(std::span(&work, 1));
  return results.empty() ? Status::Internal("the store ran no unit of work") : results.front();
}

// The name of the first field that differs (each given as {name, equal}); empty when none does.
std::string FirstDifference(std::initializer_list<std::pair<const char*, bool>> fields) {
  for (const auto& [name, equal] : fields) {
    if (!equal) return name;
  }
  return "";
}

Status Conflict(const char* table, const std::string& id, const std::string& field) {
  return Status::AlreadyExists(std::string(table) + "/" + id,
                               "the target holds a different record with this id (" + field +
                                   " differs); it is left as it is");
}

// Inserts `record`, or updates what a transition changes when the target holds it with other
// transitions. `immutable` and `transitions` name the first differing field of each kind.
template <typename T, typename Find, typename Insert, typename Update, typename Immutable,
          typename Transitions>
Status PutRecord(const char* table, const T& record, CopyTableCounts& counts, Find find,
                 Insert insert, Update update, Immutable immutable, Transitions transitions) {
  auto have = find(record.id);
  if (!have.ok()) return have.status();
  if (!*have) {
    EMM_RETURN_IF_ERROR(insert(record));
    ++counts.inserted;
    return Status::Ok();
  }
  if (std::string field = immutable(**have, record); !field.empty()) {
    return Conflict(table, record.id, field);
  }
  if (transitions(**have, record).empty()) {
    ++counts.unchanged;
    return Status::Ok();
  }
  EMM_RETURN_IF_ERROR(update(record));
  ++counts.updated;
  return Status::Ok();
}

Status PutDeployment(Transaction& tx, const domain::Deployment& d, CopyTableCounts& c) {
  using D = domain::Deployment;
  return PutRecord(
      "deployments", d, c, [&](const std::string& id) { return tx.FindDeployment(id); },
      [&](const D& r) { return tx.InsertDeployment(r); },
      [&](const D& r) { return tx.UpdateDeployment(r); },
      [](const D& a, const D& b) {
        return FirstDifference({{"project_id", a.project_id == b.project_id},
                                {"environment", a.environment == b.environment},
                                {"first_commit_at", a.first_commit_at == b.first_commit_at},
                                {"deploy_start_at", a.deploy_start_at == b.deploy_start_at},
                                {"created_at", a.created_at == b.created_at}});
      },
      // What UpdateDeployment stores.
      [](const D& a, const D& b) {
        return FirstDifference({{"team_id", a.team_id == b.team_id},
                                {"deployed_at", a.deployed_at == b.deployed_at},
                                {"status", a.status == b.status},
                                {"kind", a.kind == b.kind},
                                {"commit_sha", a.commit_sha == b.commit_sha},
                                {"failed", a.failed == b.failed},
                                {"recovered_at", a.recovered_at == b.recovered_at}});
      });
}

Status PutIncident(Transaction& tx, const domain::Incident& i, CopyTableCounts& c) {
  using I = domain::Incident;
  return PutRecord(
      "incidents", i, c, [&](const std::string& id) { return tx.FindIncident(id); },
      [&](const I& r) { return tx.InsertIncident(r); },
      [&](const I& r) { return tx.UpdateIncident(r); },
      [](const I& a, const I& b) {
        return FirstDifference({{"project_id", a.project_id == b.project_id},
                                {"environment", a.environment == b.environment},
                                {"deployment_id", a.deployment_id == b.deployment_id},
                                {"started_at", a.started_at == b.started_at},
                                {"created_at", a.created_at == b.created_at}});
      },
      // What UpdateIncident stores.
      [](const I& a, const I& b) {
        return FirstDifference({{"team_id", a.team_id == b.team_id},
                                {"restored_at", a.restored_at == b.restored_at},
                                {"finished_at", a.finished_at == b.finished_at}});
      });
}

Status PutPullRequest(Transaction& tx, const domain::PullRequest& pr, CopyTableCounts& c) {
  using P = domain::PullRequest;
  return PutRecord(
      "pull_requests", pr, c, [&](const std::string& id) { return tx.FindPullRequest(id); },
      [&](const P& r) { return tx.InsertPullRequest(r); },
      [&](const P& r) { return tx.UpdatePullRequest(r); },
      [](const P& a, const P& b) {
        return FirstDifference({{"team_id", a.team_id == b.team_id},
                                {"author", a.author == b.author},
                                {"opened_at", a.opened_at == b.opened_at},
                                {"additions", a.additions == b.additions},
                                {"deletions", a.deletions == b.deletions},
                                {"created_at", a.created_at == b.created_at}});
      },
      // What UpdatePullRequest stores.
      [](const P& a, const P& b) {
        return FirstDifference({{"closed_at", a.closed_at == b.closed_at},
                                {"merged_at", a.merged_at == b.merged_at},
                                {"first_review_at", a.first_review_at == b.first_review_at},
                                {"first_approved_at", a.first_approved_at == b.first_approved_at},
                                {"reviews", a.reviews == b.reviews},
                                {"comments", a.comments == b.comments}});
      });
}

// Tickets are replaced whole by PutTicket: a different one is an update.
Status PutTicket(Transaction& tx, const domain::Ticket& t, CopyTableCounts& c) {
  auto have = tx.FindTicket(t.id);
  if (!have.ok()) return have.status();
  if (*have && **have == t) {
    ++c.unchanged;
    return Status::Ok();
  }
  EMM_RETURN_IF_ERROR(tx.PutTicket(t));
  ++(*have ? c.updated : c.inserted);
  return Status::Ok();
}

// An alias naming another deployment in the target is put again: PutDeploymentAlias keeps the
// one with the later `at`, as the source did.
Status PutAlias(Transaction& tx, const domain::DeploymentAlias& a, CopyTableCounts& c) {
  auto have = tx.FindDeploymentByAlias(a.alias);
  if (!have.ok()) return have.status();
  if (*have && **have == a.deployment_id) {
    ++c.unchanged;
    return Status::Ok();
  }
  ++(*have ? c.updated : c.inserted);
  return tx.PutDeploymentAlias(a.alias, a.deployment_id, a.at);
}

// Rows without an id (reviews, ticket changes) are compared by every column: their columns as
// storage/event_rows.h binds them, as one text. Exact and locale-independent (a double is the
// shortest text that reads back as it).
class RowKeyText {
 public:
  RowKeyText& Add(std::string_view v) { return Append(v); }
  RowKeyText& Add(const char* v) { return Append(v); }
  RowKeyText& Add(int64_t v) { return Append(std::to_string(v)); }
  RowKeyText& Add(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return Append(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }
  RowKeyText& AddNull() { return Append("\x1e"); }  // apart from every text, "" included
  template <typename T>
  RowKeyText& Add(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }
  std::string text;

 private:
  RowKeyText& Append(std::string_view v) {
    text.append(v);
    text += '\x1f';
    return *this;
  }
};

template <typename Row>
std::string RowKey(const Row& row) {
  RowKeyText key;
  BindColumns(key, row);
  return std::move(key.text);
}

Status InsertRow(Transaction& tx, const domain::PullRequestReview& r) {
  return tx.InsertPullRequestReview(r);
}
Status InsertRow(Transaction& tx, const domain::TicketStatusChange& c) {
  return tx.InsertTicketStatusChange(c);
}
Status InsertRow(Transaction& tx, const domain::TicketEstimationChange& c) {
  return tx.InsertTicketEstimationChange(c);
}

// The target's rows of an id-less table, each key with how many times it is there: a source row
// equal to one of them was copied by an earlier run (the multiset keeps repeated rows apart).
template <typename Row>
Result<std::map<std::string, int64_t>> TargetRows(
    EventStore& to, Status (Transaction::*for_each)(const std::function<Status(const Row&)>&)) {
  std::map<std::string, int64_t> rows;
  Status s = RunOne(to, [&](Transaction& tx) {
    rows.clear();
    return (tx.*for_each)([&](const Row& r) {
      ++rows[RowKey(r)];
      return Status::Ok();
    });
  });
  if (!s.ok()) return s;
  return rows;
}

// Buffers one table's source records and writes them to the target `batch` at a time, each
// batch one unit of work committed before the next is read.
template <typename T>
class BatchWriter {
 public:
  using Put = std::function<Status(Transaction&, const T&, CopyTableCounts&)>;

  // `alone`: each record is a unit of work of its own within the batch, and one refused with
  // kAlreadyExists is there already (for rows whose presence only their insert can tell).
  BatchWriter(EventStore& to, const CopyOptions& options, const CopyProgress& progress,
              CopyTableCounts* counts, Put put, bool alone)
      : to_(to),
        batch_(std::max<int64_t>(1, options.batch)),
        progress_(progress),
        counts_(counts),
        put_(std::move(put)),
        alone_(alone) {}

  Status Add(const T& record) {
    ++counts_->read;
    pending_.push_back(record);
    return static_cast<int64_t>(pending_.size()) >= batch_ ? Flush() : Status::Ok();
  }

  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    CopyTableCounts delta;
    if (alone_) {
      EMM_RETURN_IF_ERROR(FlushAlone(delta));
    } else {
      EMM_RETURN_IF_ERROR(RunOne(to_, [&](Transaction& tx) {
        delta = CopyTableCounts();
        for (const T& record : pending_) EMM_RETURN_IF_ERROR(put_(tx, record, delta));
        return Status::Ok();
      }));
    }
    counts_->inserted += delta.inserted;
    counts_->updated += delta.updated;
    counts_->unchanged += delta.unchanged;
    pending_.clear();
    if (progress_) progress_(*counts_);
    return Status::Ok();
  }

 private:
  Status FlushAlone(CopyTableCounts& delta) {
    std::vector<EventStore::Work> work;
    for (const T& record : pending_) {
      work.push_back([&](Transaction& tx) {
        CopyTableCounts ignored;
        return put_(tx, record, ignored);
      });
    }
    for (const Status& s : to_.RunBatch(work)) {
      if (s.ok()) {
        ++delta.inserted;
      } else if (s.code() == StatusCode::kAlreadyExists) {
        ++delta.unchanged;
      } else {
        return s;
      }
    }
    return Status::Ok();
  }

  EventStore& to_;
  int64_t batch_;
  const CopyProgress& progress_;
  CopyTableCounts* counts_;
  Put put_;
  bool alone_;
  std::vector<T> pending_;
};

class Copier {
 public:
  Copier(EventStore& to, const CopyOptions& options, const CopyProgress& progress)
      : to_(to), options_(options), progress_(progress) {}

  // Streams `for_each`'s records into the target through `put`.
  template <typename T>
  Status Table(const char* name,
               const std::function<Status(const std::function<Status(const T&)>&)>& for_each,
               typename BatchWriter<T>::Put put, const std::function<void(const T&)>& seen = {},
               bool alone = false) {
    CopyTableCounts& counts = report_.tables.emplace_back();
    counts.table = name;
    BatchWriter<T> writer(to_, options_, progress_, &counts, std::move(put), alone);
    EMM_RETURN_IF_ERROR(for_each([&](const T& record) {
      if (seen) seen(record);
      return writer.Add(record);
    }));
    return writer.Flush();
  }

  // An id-less table: rows equal to target rows not matched yet are counted, not written.
  template <typename Row>
  Status Rows(const char* name, Transaction& source,
              Status (Transaction::*for_each)(const std::function<Status(const Row&)>&)) {
    auto present = TargetRows<Row>(to_, for_each);
    if (!present.ok()) return present.status();
    return Table<Row>(
        name, [&](const auto& fn) { return (source.*for_each)(fn); },
        [&](Transaction& tx, const Row& row, CopyTableCounts& c) {
          auto it = present->find(RowKey(row));
          if (it != present->end() && it->second > 0) {
            --it->second;
            ++c.unchanged;
            return Status::Ok();
          }
          ++c.inserted;
          return InsertRow(tx, row);
        });
  }

  // A table the source cannot list (kUnimplemented from its ForEach): dropped from the tables,
  // named in left_out. Any other failure stops the copy.
  Status Optional(Status copied) {
    if (copied.code() != StatusCode::kUnimplemented) return copied;
    report_.left_out.push_back(report_.tables.back().table + ": " + copied.message());
    report_.tables.pop_back();
    return Status::Ok();
  }

  void See(std::optional<TimeMs> t) {
    if (!t) return;
    first_ = std::min(first_, *t);
    last_ = std::max(last_, *t);
  }

  CopyReport Finish() {
    if (first_ <= last_) {
      report_.from = first_;
      report_.to = last_ + 1;
    }
    return std::move(report_);
  }

 private:
  EventStore& to_;
  const CopyOptions& options_;
  const CopyProgress& progress_;
  CopyReport report_;
  TimeMs first_ = std::numeric_limits<TimeMs>::max();
  TimeMs last_ = std::numeric_limits<TimeMs>::min();
};

bool SameSeries(const domain::SeriesState& a, const domain::SeriesState& b) {
  return a.key == b.key && a.kind == b.kind && a.start_ms == b.start_ms &&
         a.updated_ms == b.updated_ms && a.count == b.count && a.sum == b.sum && a.min == b.min &&
         a.max == b.max && a.buckets == b.buckets;
}

bool SameMark(const domain::ExportMark& a, const domain::ExportMark& b) {
  return a.key == b.key && a.series_start_ms == b.series_start_ms && a.acked_ms == b.acked_ms &&
         a.count == b.count && a.sum == b.sum && a.buckets == b.buckets;
}

}  // namespace

Result<CopyReport> CopyEvents(EventStore& from, EventStore& to, const CopyOptions& options,
                              const CopyProgress& progress) {
  Copier copier(to, options, progress);
  // Parents before children: the target fills incidents' deployment times, reviews' teams and
  // ticket changes' teams from the rows they name.
  Status read = RunOne(from, [&](Transaction& src) -> Status {
    EMM_RETURN_IF_ERROR(copier.Table<domain::Deployment>(
        "deployments", [&](const auto& fn) { return src.ForEachDeployment(fn); }, PutDeployment,
        [&](const domain::Deployment& d) { copier.See(d.deployed_at); }));
    EMM_RETURN_IF_ERROR(copier.Table<domain::Incident>(
        "incidents", [&](const auto& fn) { return src.ForEachIncident(fn); }, PutIncident,
        [&](const domain::Incident& i) {
          copier.See(i.started_at);
          copier.See(i.restored_at);
        }));
    EMM_RETURN_IF_ERROR(copier.Table<domain::PullRequest>(
        "pull_requests", [&](const auto& fn) { return src.ForEachPullRequest(fn); },
        PutPullRequest));
    EMM_RETURN_IF_ERROR(
        copier.Rows("pull_request_reviews", src, &Transaction::ForEachPullRequestReview));
    EMM_RETURN_IF_ERROR(copier.Table<domain::Ticket>(
        "tickets", [&](const auto& fn) { return src.ForEachTicket(fn); }, PutTicket));
    EMM_RETURN_IF_ERROR(
        copier.Rows("ticket_status_changes", src, &Transaction::ForEachTicketStatusChange));
    EMM_RETURN_IF_ERROR(
        copier.Rows("ticket_estimation_changes", src, &Transaction::ForEachTicketEstimationChange));
    EMM_RETURN_IF_ERROR(copier.Optional(copier.Table<domain::DeploymentAlias>(
        "deployment_aliases", [&](const auto& fn) { return src.ForEachDeploymentAlias(fn); },
        PutAlias)));
    return copier.Optional(copier.Table<domain::Delivery>(
        "webhook_deliveries", [&](const auto& fn) { return src.ForEachDelivery(fn); },
        [](Transaction& tx, const domain::Delivery& d, CopyTableCounts&) {
          return tx.InsertDelivery(d.source, d.id, d.at);
        },
        {}, /*alone=*/true));
  });
  if (!read.ok()) return read;

  // The metric state and the export marks as they are, so the exporter continues where it was.
  auto series = from.ListSeries();
  if (!series.ok()) return series.status();
  EMM_RETURN_IF_ERROR(copier.Table<domain::SeriesState>(
      "metric_series",
      [&](const auto& fn) {
        for (const auto& s : *series) EMM_RETURN_IF_ERROR(fn(s));
        return Status::Ok();
      },
      [](Transaction& tx, const domain::SeriesState& s, CopyTableCounts& c) -> Status {
        auto have = tx.FindSeries(s.key);
        if (!have.ok()) return have.status();
        if (*have && SameSeries(**have, s)) {
          ++c.unchanged;
          return Status::Ok();
        }
        ++(*have ? c.updated : c.inserted);
        return tx.PutSeries(s);
      }));
  auto marks = from.ListExportMarks();
  if (!marks.ok()) return marks.status();
  auto target_marks = to.ListExportMarks();
  if (!target_marks.ok()) return target_marks.status();
  std::map<domain::SeriesKey, domain::ExportMark> present;
  for (auto& m : *target_marks) present.emplace(m.key, std::move(m));
  EMM_RETURN_IF_ERROR(copier.Table<domain::ExportMark>(
      "export_marks",
      [&](const auto& fn) {
        for (const auto& m : *marks) EMM_RETURN_IF_ERROR(fn(m));
        return Status::Ok();
      },
      [&](Transaction& tx, const domain::ExportMark& m, CopyTableCounts& c) -> Status {
        auto it = present.find(m.key);
        if (it != present.end() && SameMark(it->second, m)) {
          ++c.unchanged;
          return Status::Ok();
        }
        ++(it != present.end() ? c.updated : c.inserted);
        return tx.PutExportMark(m);
      }));
  return copier.Finish();
}

}  // namespace emm::storage
