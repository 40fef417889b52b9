// The one field order of every record (storage/event_rows.h): each record binds exactly its
// column list's columns, each field into the column of its name, and reads back to the same
// values, with every optional set and with every optional none; the figures' readers read their
// lists' columns; then the records through SQLite's cursors over a real statement. (PostgreSQL's
// cursors run under the storage contract suite.)
#include "storage/event_rows.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sstream>
#include <variant>
#include <vector>

#include "storage/sqlite/statements.h"

namespace emm::storage {
namespace {

using domain::Delivery;
using domain::Deployment;
using domain::DeploymentAlias;
using domain::ExportMark;
using domain::Incident;
using domain::PullRequest;
using domain::PullRequestReview;
using domain::SeriesKey;
using domain::SeriesState;
using domain::Ticket;
using domain::TicketEstimationChange;
using domain::TicketStatusChange;

// A column's value as a cursor sees it.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Values = std::vector<Value>;

// A Params that records what it is given.
class RecordingParams {
 public:
  RecordingParams& Add(std::string_view v) { return Push<std::string>(std::string(v)); }
  RecordingParams& Add(const char* v) { return Push<std::string>(v); }
  RecordingParams& Add(int64_t v) { return Push<int64_t>(v); }
  RecordingParams& Add(double v) { return Push<double>(v); }
  RecordingParams& AddNull() {
    values.emplace_back();
    return *this;
  }
  template <typename T>
  RecordingParams& Add(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }
  Values values;

 private:
  template <typename T>
  RecordingParams& Push(T v) {
    values.emplace_back(std::in_place_type<T>, std::move(v));
    return *this;
  }
};

// A Row over recorded values; reading a column as another kind than it was bound as fails.
class RecordedRow {
 public:
  explicit RecordedRow(const Values& v) : v_(v) {}
  std::string Text() { return Get<std::string>(); }
  std::optional<std::string> OptText() { return Opt<std::string>(); }
  int64_t Int() { return Get<int64_t>(); }
  std::optional<int64_t> OptInt() { return Opt<int64_t>(); }
  double Double() { return Get<double>(); }
  std::optional<double> OptDouble() { return Opt<double>(); }
  size_t read() const { return at_; }

 private:
  template <typename T>
  T Get() {
    if (at_ >= v_.size()) {
      ADD_FAILURE() << "read past the last column";
      return T{};
    }
    const T* v = std::get_if<T>(&v_[at_++]);
    if (!v) ADD_FAILURE() << "column " << at_ - 1 << " read as another kind than bound";
    return v ? *v : T{};
  }
  template <typename T>
  std::optional<T> Opt() {
    if (at_ < v_.size() && std::holds_alternative<std::monostate>(v_[at_])) {
      ++at_;
      return std::nullopt;
    }
    return Get<T>();
  }
  const Values& v_;
  size_t at_ = 0;
};

template <typename T>
Values Bound(const T& record) {
  RecordingParams p;
  BindColumns(p, record);
  return p.values;
}

std::vector<std::string> Names(const char* columns) {
  std::vector<std::string> out;
  std::stringstream in(columns);
  for (std::string name; std::getline(in, name, ',');) {
    out.push_back(name.substr(name.find_first_not_of(' ')));
  }
  return out;
}

// The value bound to the column `name` of `columns`.
Value At(const Values& values, const char* columns, const std::string& name) {
  std::vector<std::string> names = Names(columns);
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (names[i] == name) return values[i];
  }
  ADD_FAILURE() << "no column " << name;
  return {};
}

// Binds `record`, checks one value per column of `columns`, reads it back and binds that again:
// the same values (each field in a column of its own, so a swapped pair would show).
template <typename T>
Values RoundTrip(const T& record, const char* columns) {
  Values bound = Bound(record);
  EXPECT_EQ(bound.size(), Names(columns).size()) << columns;
  RecordedRow row(bound);
  T back = ReadColumns<T>(row);
  EXPECT_EQ(row.read(), bound.size());
  EXPECT_EQ(Bound(back), bound);
  return bound;
}

Deployment FullDeployment() {
  return Deployment{"d1",  "p1",
                    "t1",  "prod",
                    1000,  2000,
                    3000,  domain::DeploymentStatus::kDeployed,
                    4000,  domain::DeploymentKind::kHotfix,
                    "abc", true,
                    5000};
}
Incident FullIncident() { return Incident{"i1", "p1", "t1", "prod", "d1", 10, 20, 30, 40}; }
PullRequest FullPullRequest() {
  return PullRequest{"pr1", "t1", "ann", 10, 20, 30, 40, 50, 2, 3, 100, 7, 60};
}
Ticket FullTicket() {
  return Ticket{"ENG-1", "uuid", "t1",          "p1",   10,    20,
                30,      40,     "uuid-parent", "hash", "bug", domain::TicketStatus::kDone,
                1.5,     2.5,    3.5,           50,     60};
}
SeriesState FullSeries() {
  SeriesState s;
  s.key = SeriesKey{"m", "p1", "t1", "prod", "bug"};
  s.kind = domain::MetricKind::kHistogram;
  s.start_ms = 10;
  s.updated_ms = 20;
  s.count = 3;
  s.sum = 4.5;
  s.min = 0.5;
  s.max = 2.5;
  s.buckets = {1, 0, 2};
  return s;
}
ExportMark FullMark() {
  return ExportMark{SeriesKey{"m", "p1", "t1", "prod", "bug"}, 10, 20, 3, 4.5, {1, 2}};
}

// The same records with every optional none.
Deployment BareDeployment() {
  Deployment d = FullDeployment();
  d.first_commit_at = d.deployed_at = d.recovered_at = std::nullopt;
  return d;
}
Incident BareIncident() {
  Incident i = FullIncident();
  i.deployment_id.reset();
  i.restored_at = i.finished_at = std::nullopt;
  return i;
}
PullRequest BarePullRequest() {
  PullRequest pr = FullPullRequest();
  pr.closed_at = pr.merged_at = pr.first_review_at = pr.first_approved_at = std::nullopt;
  pr.additions = pr.deletions = std::nullopt;
  return pr;
}
Ticket BareTicket() {
  Ticket t = FullTicket();
  t.updated_at = t.started_at = t.finished_at = t.first_done_at = std::nullopt;
  t.parent_ticket_id.reset();
  t.current_estimation = t.initial_estimation = t.final_estimation = std::nullopt;
  return t;
}
TicketStatusChange FirstStatus() {
  return TicketStatusChange{"ENG-1", std::nullopt, domain::TicketStatus::kBacklog, 10, 20};
}

TEST(EventRowsTest, EveryFieldRoundTripsInItsNamedColumn) {
  Values d = RoundTrip(FullDeployment(), kDeploymentColumns);
  EXPECT_EQ(At(d, kDeploymentColumns, "first_commit_at"), Value(int64_t{1000}));
  EXPECT_EQ(At(d, kDeploymentColumns, "status"), Value(std::string("deployed")));
  EXPECT_EQ(At(d, kDeploymentColumns, "kind"), Value(std::string("hotfix")));
  EXPECT_EQ(At(d, kDeploymentColumns, "failed"), Value(int64_t{1}));
  EXPECT_EQ(At(d, kDeploymentColumns, "recovered_at"), Value(int64_t{5000}));

  Values i = RoundTrip(FullIncident(), kIncidentColumns);
  EXPECT_EQ(At(i, kIncidentColumns, "deployment_id"), Value(std::string("d1")));
  EXPECT_EQ(At(i, kIncidentColumns, "finished_at"), Value(int64_t{30}));

  Values pr = RoundTrip(FullPullRequest(), kPullRequestColumns);
  EXPECT_EQ(At(pr, kPullRequestColumns, "author"), Value(std::string("ann")));
  EXPECT_EQ(At(pr, kPullRequestColumns, "closed_at"), Value(int64_t{20}));
  EXPECT_EQ(At(pr, kPullRequestColumns, "additions"), Value(int64_t{100}));

  Values t = RoundTrip(FullTicket(), kTicketColumns);
  EXPECT_EQ(At(t, kTicketColumns, "status"), Value(std::string("DONE")));
  EXPECT_EQ(At(t, kTicketColumns, "parent_ticket_id"), Value(std::string("uuid-parent")));
  EXPECT_EQ(At(t, kTicketColumns, "final_estimation"), Value(3.5));

  Values r = RoundTrip(PullRequestReview{"pr1", 10, true, 4, "bob"}, kReviewColumns);
  EXPECT_EQ(At(r, kReviewColumns, "approved"), Value(int64_t{1}));

  Values c = RoundTrip(TicketStatusChange{"ENG-1", domain::TicketStatus::kTodo,
                                          domain::TicketStatus::kDoing, 10, 20},
                       kStatusChangeColumns);
  EXPECT_EQ(At(c, kStatusChangeColumns, "from_status"), Value(std::string("TODO")));
  EXPECT_EQ(At(c, kStatusChangeColumns, "to_status"), Value(std::string("DOING")));
  RoundTrip(TicketEstimationChange{"ENG-1", 1.5, 2.5, 10, 20}, kEstimationChangeColumns);

  // Migration 8 appended ticket_type to the series and the marks: it is their last column.
  Values s = RoundTrip(FullSeries(), kSeriesColumns);
  EXPECT_EQ(At(s, kSeriesColumns, "kind"), Value(std::string("histogram")));
  EXPECT_EQ(At(s, kSeriesColumns, "buckets"), Value(std::string("1,0,2")));
  EXPECT_EQ(At(s, kSeriesColumns, "ticket_type"), Value(std::string("bug")));
  Values m = RoundTrip(FullMark(), kExportMarkColumns);
  EXPECT_EQ(At(m, kExportMarkColumns, "ticket_type"), Value(std::string("bug")));
  EXPECT_EQ(At(m, kExportMarkColumns, "buckets"), Value(std::string("1,2")));
}

TEST(EventRowsTest, EveryOptionalNoneRoundTripsAsNull) {
  Values d = RoundTrip(BareDeployment(), kDeploymentColumns);
  EXPECT_EQ(At(d, kDeploymentColumns, "first_commit_at"), Value(kNoFirstCommit));  // NOT NULL
  EXPECT_EQ(At(d, kDeploymentColumns, "deployed_at"), Value());
  RoundTrip(BareIncident(), kIncidentColumns);
  RoundTrip(BarePullRequest(), kPullRequestColumns);
  Values t = RoundTrip(BareTicket(), kTicketColumns);
  EXPECT_EQ(At(t, kTicketColumns, "current_estimation"), Value());
  Values c = RoundTrip(FirstStatus(), kStatusChangeColumns);
  EXPECT_EQ(At(c, kStatusChangeColumns, "from_status"), Value());
}

TEST(EventRowsTest, KeysAliasesAndDeliveriesUseTheirColumns) {
  // A lookup binds the key with ticket_type right after it (WHERE ... AND ticket_type = ?5).
  EXPECT_EQ(Bound(SeriesKey{"m", "p", "t", "e", "bug"}),
            (Values{std::string("m"), std::string("p"), std::string("t"), std::string("e"),
                    std::string("bug")}));
  Values alias = {std::string("a"), std::string("d1"), int64_t{10}};
  RecordedRow ar(alias);
  DeploymentAlias a = ReadColumns<DeploymentAlias>(ar);
  EXPECT_EQ(a.alias + "/" + a.deployment_id + "/" + std::to_string(a.at), "a/d1/10");
  Values delivery = {std::string("github"), std::string("x"), int64_t{20}};
  RecordedRow dr(delivery);
  Delivery d = ReadColumns<Delivery>(dr);
  EXPECT_EQ(d.source + "/" + d.id + "/" + std::to_string(d.at), "github/x/20");
  EXPECT_EQ(Names(kAliasColumns).size(), alias.size());
  EXPECT_EQ(Names(kDeliveryColumns).size(), delivery.size());
}

TEST(EventRowsTest, TheFiguresReadTheirListsColumns) {
  const std::string a = "a";
  Values dora = {
      a,          a,      a, a, kNoFirstCommit, int64_t{2}, int64_t{3}, std::string("rollback"),
      int64_t{1}, Value()};
  ASSERT_EQ(dora.size(), Names(kDoraDeploymentColumns).size());
  RecordedRow dr(dora);
  Deployment d = ReadDoraDeployment(dr);
  EXPECT_EQ(dr.read(), dora.size());
  EXPECT_EQ(d.first_commit_at, std::nullopt);
  EXPECT_EQ(d.deployed_at, 3);
  EXPECT_EQ(d.status, domain::DeploymentStatus::kDeployed);
  EXPECT_EQ(d.kind, domain::DeploymentKind::kRollback);
  EXPECT_TRUE(d.failed);

  Values pr = {std::string("pr1"), a,      std::string("ann"), int64_t{1}, Value(), int64_t{2},
               int64_t{10},        Value()};
  ASSERT_EQ(pr.size(), Names(kPullRequestFactColumns).size());
  RecordedRow pr_row(pr);
  domain::PullRequestFact f = ReadColumns<domain::PullRequestFact>(pr_row);
  EXPECT_EQ(pr_row.read(), pr.size());
  EXPECT_EQ(f.author, "ann");
  EXPECT_EQ(f.merged_at, std::nullopt);
  EXPECT_EQ(f.closed_at, 2);
  EXPECT_EQ(f.additions, 10);

  // The ticket's listed columns, then parent, canceled_at and estimate_changes.
  Values t = {std::string("ENG-1"),
              a,
              a,
              std::string("bug"),
              std::string("CANCELED"),
              int64_t{1},
              Value(),
              Value(),
              Value(),
              1.5,
              Value(),
              int64_t{1},
              int64_t{7},
              int64_t{3}};
  ASSERT_EQ(t.size(), Names(kTicketFactColumns).size() + 3);
  RecordedRow t_row(t);
  domain::TicketFact tf = ReadColumns<domain::TicketFact>(t_row);
  EXPECT_EQ(t_row.read(), t.size());
  EXPECT_EQ(tf.status, domain::TicketStatus::kCanceled);
  EXPECT_EQ(tf.initial_estimation, 1.5);
  EXPECT_TRUE(tf.parent);
  EXPECT_EQ(tf.canceled_at, 7);
  EXPECT_EQ(tf.estimate_changes, 3u);
}

// SQLite's cursors over a real statement: a table of the list's columns (untyped, so a value
// keeps the kind it was bound as), the record bound from ?1 and read back from column 0.
class SqliteEventRowsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close(db_); }

  template <typename T>
  T ThroughSqlite(const T& record, const char* columns) {
    const size_t n = Names(columns).size();
    std::string marks;
    for (size_t i = 1; i <= n; ++i) marks += (i == 1 ? "?" : ", ?") + std::to_string(i);
    Exec(std::string("DROP TABLE IF EXISTS t; CREATE TABLE t (") + columns + ")");
    sqlite3_stmt* s =
        Prepare(std::string("INSERT INTO t (") + columns + ") VALUES (" + marks + ")");
    sqlite::BindRow(s, record);
    EXPECT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    s = Prepare(std::string("SELECT ") + columns + " FROM t");
    EXPECT_EQ(sqlite3_step(s), SQLITE_ROW);
    T back = sqlite::ReadRow<T>(s);
    sqlite3_finalize(s);
    return back;
  }

 private:
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    return s;
  }
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteEventRowsTest, EveryRecordComesBackWithAndWithoutItsOptionals) {
  auto same = [&](const auto& record, const char* columns) {
    EXPECT_EQ(Bound(ThroughSqlite(record, columns)), Bound(record)) << columns;
  };
  same(FullDeployment(), kDeploymentColumns);
  same(FullIncident(), kIncidentColumns);
  same(FullPullRequest(), kPullRequestColumns);
  same(FullTicket(), kTicketColumns);
  same(PullRequestReview{"pr1", 10, true, 4, "bob"}, kReviewColumns);
  same(TicketStatusChange{"ENG-1", domain::TicketStatus::kTodo, domain::TicketStatus::kDone, 1, 2},
       kStatusChangeColumns);
  same(TicketEstimationChange{"ENG-1", 1.5, 2.5, 10, 20}, kEstimationChangeColumns);
  same(FullSeries(), kSeriesColumns);
  same(FullMark(), kExportMarkColumns);

  same(BareDeployment(), kDeploymentColumns);
  same(BareIncident(), kIncidentColumns);
  same(BarePullRequest(), kPullRequestColumns);
  EXPECT_EQ(ThroughSqlite(BareTicket(), kTicketColumns), BareTicket());
  same(FirstStatus(), kStatusChangeColumns);
}

}  // namespace
}  // namespace emm::storage
