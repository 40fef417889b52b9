// `em-metrics copy --from sqlite:PATH --to URL [--batch N]`: moves a database into another store
// (PostgreSQL, or a new SQLite file), resumable, then checks the two agree (storage/copy.h;
// docs/operations.md, "Moving to PostgreSQL"). Exit codes: 0 copied and equal, 1 a failure or a
// difference (named on stderr), 2 a usage or configuration mistake.
#pragma once

namespace emm::cli {

// argv[1] is "copy".
int CopyMain(int argc, char** argv);

}  // namespace emm::cli
