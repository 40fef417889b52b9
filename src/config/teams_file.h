// The teams config file (CONFIG): teams own projects and users. Validated on load with errors
// that name the file, the key and the problem; kept verbatim for GET /api/v1/config.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "domain/teams.h"

namespace emm::config {

struct TeamsConfig {
  std::string path;         // as given ("" when no file)
  std::string json = "{}";  // the file's JSON, re-serialised compactly
  domain::TeamDirectory directory;
};

// Reads and validates `path`, resolved against the working directory. kInvalidArgument names the
// file and key ("config.json: teams.backend.projects[1]: must be a string").
Result<TeamsConfig> LoadTeamsFile(const std::string& path);

// Validates JSON text (the file's content); `name` prefixes messages.
Result<TeamsConfig> ParseTeamsConfig(std::string_view text, const std::string& name);

// The current teams config, swapped atomically on reload (SIGHUP) so that requests in flight keep
// the snapshot they started with.
class TeamsHolder {
 public:
  explicit TeamsHolder(TeamsConfig initial)
      : current_(std::make_shared<const TeamsConfig>(std::move(initial))) {}
  std::shared_ptr<const TeamsConfig> Get() const { return current_.load(); }
  void Set(TeamsConfig next) {
    current_.store(std::make_shared<const TeamsConfig>(std::move(next)));
  }

 private:
  std::atomic<std::shared_ptr<const TeamsConfig>> current_;
};

}  // namespace emm::config
