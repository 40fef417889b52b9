// storage/copy: a SQLite source copied into every contract backend (the target): everything
// arrives, a resumed copy ends equal to a full one, transitions are carried, a different record
// is refused by name and VerifyCopy names a difference.
#include "storage/copy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/contract/store_contract.h"
#include "storage/sqlite_backend.h"

namespace emm::storage {
namespace {

using domain::Transaction;

std::string T(const std::optional<TimeMs>& t) { return t ? std::to_string(*t) : "-"; }

// Every row of `store` as text, table by table in the store's order: two stores holding the same
// data dump the same lines.
std::vector<std::string> Dump(EventStore& store) {
  std::vector<std::string> out;
  Status s = RunAlone(store, [&](Transaction& tx) -> Status {
    out.clear();
    EMM_RETURN_IF_ERROR(tx.ForEachDeployment([&](const domain::Deployment& d) {
      out.push_back("deployment " + d.id + " " + d.project_id + " " + d.team_id + " " +
                    d.environment + " " + T(d.first_commit_at) + " " +
                    std::to_string(d.deploy_start_at) + " " + T(d.deployed_at) + " " +
                    domain::DeploymentStatusName(d.status) + " " + std::to_string(d.created_at) +
                    " " + domain::DeploymentKindName(d.kind) + " " + d.commit_sha + " " +
                    std::to_string(d.failed) + " " + T(d.recovered_at));
      return Status::Ok();
    }));
    EMM_RETURN_IF_ERROR(tx.ForEachIncident([&](const domain::Incident& i) {
      out.push_back("incident " + i.id + " " + i.project_id + " " + i.team_id + " " +
                    i.environment + " " + i.deployment_id.value_or("-") + " " +
                    std::to_string(i.started_at) + " " + T(i.restored_at) + " " + T(i.finished_at) +
                    " " + std::to_string(i.created_at));
      return Status::Ok();
    }));
    EMM_RETURN_IF_ERROR(tx.ForEachPullRequest([&](const domain::PullRequest& p) {
      out.push_back("pr " + p.id + " " + p.team_id + " " + p.author + " " +
                    std::to_string(p.opened_at) + " " + T(p.closed_at) + " " + T(p.merged_at) +
                    " " + T(p.first_review_at) + " " + T(p.first_approved_at) + " " +
                    std::to_string(p.reviews) + " " + std::to_string(p.comments) + " " +
                    T(p.additions) + " " + T(p.deletions) + " " + std::to_string(p.created_at));
      return Status::Ok();
    }));
    EMM_RETURN_IF_ERROR(tx.ForEachPullRequestReview([&](const domain::PullRequestReview& r) {
      out.push_back("review " + r.pull_request_id + " " + std::to_string(r.reviewed_at) + " " +
                    std::to_string(r.approved) + " " + std::to_string(r.comments) + " " +
                    r.reviewer);
      return Status::Ok();
    }));
    EMM_RETURN_IF_ERROR(tx.ForEachTicket([&](const domain::Ticket& t) {
      out.push_back("ticket " + t.id + " " + t.team_id + " " + domain::TicketStatusName(t.status) +
                    " " + T(t.first_done_at) + " " +
                    std::to_string(t.current_estimation.value_or(-1)));
      return Status::Ok();
    }));
    EMM_RETURN_IF_ERROR(tx.ForEachTicketStatusChange([&](const domain::TicketStatusChange& c) {
      out.push_back("status " + c.ticket_id + " " +
                    (c.from ? domain::TicketStatusName(*c.from) : "-") + " " +
                    domain::TicketStatusName(c.to) + " " + std::to_string(c.at));
      return Status::Ok();
    }));
    return tx.ForEachTicketEstimationChange([&](const domain::TicketEstimationChange& c) {
      out.push_back("estimation " + c.ticket_id + " " + std::to_string(c.from) + " " +
                    std::to_string(c.to) + " " + std::to_string(c.at));
      return Status::Ok();
    });
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto series = store.ListSeries();
  EXPECT_TRUE(series.ok());
  if (series.ok()) {
    for (const auto& x : *series) {
      out.push_back("series " + x.key.metric + " " + x.key.project_id + " " +
                    std::to_string(x.count) + " " + std::to_string(x.sum) + " " +
                    std::to_string(x.updated_ms) + " " + std::to_string(x.buckets.size()));
    }
  }
  auto marks = store.ListExportMarks();
  EXPECT_TRUE(marks.ok());
  if (marks.ok()) {
    for (const auto& m : *marks) {
      out.push_back("mark " + m.key.metric + " " + std::to_string(m.acked_ms) + " " +
                    std::to_string(m.count));
    }
  }
  return out;
}

domain::Ticket MakeTicket(std::string id, domain::TicketStatus status) {
  domain::Ticket t;
  t.id = id;
  t.external_id = "uuid-" + id;
  t.team_id = "ENG";
  t.created_at = kT0;
  t.status = status;
  t.recorded_at = kT0;
  t.current_estimation = 3;
  return t;
}

// pr1, reviewed twice alike (kReview).
domain::PullRequest MakePullRequest() {
  domain::PullRequest pr;
  pr.id = "pr1";
  pr.team_id = "team";
  pr.opened_at = kT0;
  pr.created_at = kT0;
  pr.reviews = 2;
  return pr;
}
const domain::PullRequestReview kReview{"pr1", kT0 + kHour, true, 1, "ana"};

class CopyTest : public StoreContractTest {
 protected:
  void SetUp() override {
    auto s = source_backend_.OpenFresh();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    source_ = std::move(*s);
    target_ = OpenStore();
    ASSERT_NE(target_, nullptr);
  }

  // Some of everything: deployed and started deployments, a failed one with its incident, a pull
  // request with two equal reviews, a ticket with its changes, series and an export mark.
  void Fill(EventStore& store) {
    domain::Deployment failed = MakeDeployment("d-failed", "p1", kT0);
    failed.failed = true;
    failed.recovered_at = kT0 + 2 * kHour;
    Insert(store, {MakeDeployment("d1", "p1", kT0 + kHour), MakeDeployment("d2", "p2", kT0),
                   MakeDeployment("d-started", "p1"), failed});
    domain::Incident i = MakeIncident("i1", kT0 + kHour, kT0 + 2 * kHour, std::nullopt);
    i.deployment_id = "d-failed";
    Insert(store, {i, MakeIncident("i-open", kT0 + 3 * kHour, std::nullopt, std::nullopt, "p2")});
    ASSERT_TRUE(
        RunAlone(store, [](Transaction& tx) -> Status {
          EMM_RETURN_IF_ERROR(tx.InsertPullRequest(MakePullRequest()));
          EMM_RETURN_IF_ERROR(tx.InsertPullRequestReview(kReview));
          EMM_RETURN_IF_ERROR(tx.InsertPullRequestReview(kReview));
          EMM_RETURN_IF_ERROR(tx.PutTicket(MakeTicket("ENG-1", domain::TicketStatus::kDoing)));
          EMM_RETURN_IF_ERROR(tx.InsertTicketStatusChange(
              {"ENG-1", domain::TicketStatus::kTodo, domain::TicketStatus::kDoing, kT0, kT0}));
          EMM_RETURN_IF_ERROR(tx.InsertTicketEstimationChange({"ENG-1", 0, 3, kT0, kT0}));
          EMM_RETURN_IF_ERROR(tx.PutDeploymentAlias("artifact:api@sha1", "d1", kT0 + kHour));
          EMM_RETURN_IF_ERROR(tx.InsertDelivery("github", "delivery-1", kT0));
          EMM_RETURN_IF_ERROR(tx.PutSeries(MakeHistogram()));
          domain::ExportMark mark;
          mark.key = MakeHistogram().key;
          mark.acked_ms = kT0 + 5;
          mark.count = 2;
          return tx.PutExportMark(mark);
        }).ok());
  }

  Result<CopyReport> Copy(int64_t batch = 2) { return CopyEvents(*source_, *target_, {batch}); }

  static const CopyTableCounts& Counts(const CopyReport& r, const std::string& table) {
    for (const auto& t : r.tables) {
      if (t.table == table) return t;
    }
    static const CopyTableCounts kNone;
    ADD_FAILURE() << "no table " << table;
    return kNone;
  }

  SqliteBackend source_backend_;
  std::unique_ptr<EventStore> source_;
  std::unique_ptr<EventStore> target_;
};

TEST_P(CopyTest, EverythingArrivesAndVerifies) {
  Fill(*source_);
  std::vector<std::string> progress;
  auto report = CopyEvents(*source_, *target_, {2}, [&](const CopyTableCounts& c) {
    progress.push_back(c.table + " " + std::to_string(c.read));
  });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(Dump(*target_), Dump(*source_));
  EXPECT_EQ(Counts(*report, "deployments").inserted, 4);
  EXPECT_EQ(Counts(*report, "pull_request_reviews").inserted, 2);
  EXPECT_EQ(Counts(*report, "export_marks").inserted, 1);
  EXPECT_EQ(Counts(*report, "deployment_aliases").inserted, 1);
  EXPECT_EQ(Counts(*report, "webhook_deliveries").inserted, 1);
  EXPECT_TRUE(report->left_out.empty()) << ::testing::PrintToString(report->left_out);
  // The alias names its deployment in the target, and the delivery is a replay there.
  std::optional<std::string> aliased;
  ASSERT_TRUE(RunAlone(*target_, [&](Transaction& tx) -> Status {
                auto a = tx.FindDeploymentByAlias("artifact:api@sha1");
                if (!a.ok()) return a.status();
                aliased = *a;
                return Status::Ok();
              }).ok());
  EXPECT_EQ(aliased, "d1");
  EXPECT_EQ(RunAlone(*target_,
                     [](Transaction& tx) { return tx.InsertDelivery("github", "delivery-1", kT0); })
                .code(),
            StatusCode::kAlreadyExists);
  // Batches of 2: progress after each committed one.
  EXPECT_EQ(progress.front(), "deployments 2");
  EXPECT_EQ(progress[1], "deployments 4");
  // The DORA range spans the deployments and incidents.
  EXPECT_EQ(report->from, kT0);
  EXPECT_EQ(report->to, kT0 + 3 * kHour + 1);

  auto v = VerifyCopy(*source_, *target_, *report);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok());
  std::vector<std::string> names;
  for (const auto& c : v->checks) names.push_back(c.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "pull_request_reviews"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "dora.change_failure_rate.ratio"), names.end());
}

TEST_P(CopyTest, ASecondRunFindsEverythingThere) {
  Fill(*source_);
  ASSERT_TRUE(Copy().ok());
  auto again = Copy();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const auto& t : again->tables) {
    EXPECT_EQ(t.inserted + t.updated, 0) << t.table;
    EXPECT_EQ(t.unchanged, t.read) << t.table;
  }
  EXPECT_EQ(Dump(*target_), Dump(*source_));
}

// What an interrupted run leaves: the first batches of the first tables. Equal reviews are kept
// apart: one already there, the other still to copy.
TEST_P(CopyTest, AResumedCopyEndsEqualToAFullOne) {
  Fill(*source_);
  Insert(*target_, {MakeDeployment("d1", "p1", kT0 + kHour), MakeDeployment("d2", "p2", kT0)});
  ASSERT_TRUE(RunAlone(*target_, [](Transaction& tx) -> Status {
                EMM_RETURN_IF_ERROR(tx.InsertPullRequest(MakePullRequest()));
                return tx.InsertPullRequestReview(kReview);
              }).ok());
  auto report = Copy();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(Counts(*report, "deployments").unchanged, 2);
  EXPECT_EQ(Counts(*report, "deployments").inserted, 2);
  EXPECT_EQ(Counts(*report, "pull_request_reviews").unchanged, 1);
  EXPECT_EQ(Counts(*report, "pull_request_reviews").inserted, 1);
  EXPECT_EQ(Dump(*target_), Dump(*source_));
  auto v = VerifyCopy(*source_, *target_, *report);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
}

// The source moved on since the interrupted run: a deployment was deployed, an incident restored.
TEST_P(CopyTest, ATransitionMadeSinceIsCarried) {
  Fill(*source_);
  Insert(*target_, {MakeDeployment("d1", "p1")});  // not deployed yet when first copied
  Insert(*target_, {MakeIncident("i-open", kT0 + 3 * kHour, std::nullopt, std::nullopt, "p2")});
  ASSERT_TRUE(RunAlone(*source_, [](Transaction& tx) {
                domain::Incident i =
                    MakeIncident("i-open", kT0 + 3 * kHour, kT0 + 4 * kHour, std::nullopt, "p2");
                return tx.UpdateIncident(i);
              }).ok());
  auto report = Copy();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(Counts(*report, "deployments").updated, 1);
  EXPECT_EQ(Counts(*report, "incidents").updated, 1);
  EXPECT_EQ(Dump(*target_), Dump(*source_));
}

TEST_P(CopyTest, ADifferentRecordWithTheSameIdIsRefusedByName) {
  Fill(*source_);
  Insert(*target_, {MakeDeployment("d2", "another-project", kT0)});
  auto report = Copy();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(report.status().ToString().find("deployments/d2"), std::string::npos)
      << report.status().ToString();
  EXPECT_NE(report.status().ToString().find("project_id"), std::string::npos);
  // Left as it was.
  auto d2 = target_->GetDeployment("d2");
  ASSERT_TRUE(d2.ok() && d2->has_value());
  EXPECT_EQ((*d2)->project_id, "another-project");
}

TEST_P(CopyTest, VerifyNamesWhatDiffers) {
  Fill(*source_);
  Insert(*target_, {MakeDeployment("only-in-target", "p9", kT0 + kHour)});
  auto report = Copy();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto v = VerifyCopy(*source_, *target_, *report);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok());
  std::vector<std::string> differing;
  for (const auto& c : v->checks) {
    if (!c.equal) differing.push_back(c.name + " " + c.source + "/" + c.target);
  }
  EXPECT_NE(std::find(differing.begin(), differing.end(), "deployments 4/5"), differing.end())
      << ::testing::PrintToString(differing);
  EXPECT_NE(std::find(differing.begin(), differing.end(), "dora.deployment_frequency.count 3/4"),
            differing.end())
      << ::testing::PrintToString(differing);
  EXPECT_NE(std::find(differing.begin(), differing.end(), "dora[p9] missing/its figures"),
            differing.end())
      << ::testing::PrintToString(differing);
}

EMM_STORE_CONTRACT(CopyTest);

}  // namespace
}  // namespace emm::storage
