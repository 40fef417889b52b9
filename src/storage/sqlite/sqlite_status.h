// SQLite result codes become a Status here, once, at the edge of the module that calls SQLite.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;

namespace emm::storage::sqlite {

// `what` says what was being done ("preparing SQL"); the connection's error message follows.
// Busy, locked, I/O errors and unopenable files are kUnavailable (transient); a full disk is
// kResourceExhausted; a damaged file is kDataLoss, naming the file and the check command, and
// logged once as an error; a duplicate key is kAlreadyExists on "id"; the rest kInternal.
Status FromSqlite(sqlite3* db, int rc, std::string_view what);

// The file behind a connection, for messages that must tell the operator which one.
std::string FileOf(sqlite3* db);

}  // namespace emm::storage::sqlite
