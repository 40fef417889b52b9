// Which database the command line uses, from the settings: DATABASE_URL (PostgreSQL) wins over
// SQLITE_DB. The only place that turns settings into a storage::StoreChoice.
#pragma once

#include <string>

#include "config/settings.h"
#include "storage/open_store.h"

namespace emm::cli {

bool OnPostgres(const config::Settings& s);

// How log lines name the database: its file, or its URL with the password masked. Use as the
// field {key, value}.
struct StoreName {
  const char* key;  // "sqlite_db" or "database_url"
  std::string value;
};
StoreName NameOf(const config::Settings& s);

// `serving`: the server's store, the only one that checkpoints. A one-shot command may run beside
// a server on the same file, where its checkpoint could overlap the server's commits.
storage::StoreChoice ChooseStore(const config::Settings& s, bool serving);

// Before any command touches a database: both set is a likely leftover, so a warning says which
// one is used, naming both (the URL masked).
void LogStoreChoice(const config::Settings& s);

}  // namespace emm::cli
