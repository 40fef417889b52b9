#include "cli/store_choice.h"

#include "common/log.h"

namespace emm::cli {

bool OnPostgres(const config::Settings& s) { return !s.database_url.empty(); }

StoreName NameOf(const config::Settings& s) {
  if (OnPostgres(s)) return {"database_url", config::MaskedDatabaseUrl(s.database_url)};
  return {"sqlite_db", s.no_store ? "none (stateless)" : s.sqlite_db};
}

storage::StoreChoice ChooseStore(const config::Settings& s, bool serving) {
  storage::StoreChoice c;
  if (OnPostgres(s)) {
    c.backend = storage::Backend::kPostgres;
    c.postgres.url = s.database_url;
    c.postgres.pool_size = static_cast<size_t>(s.database_pool_size);
    return c;
  }
  c.sqlite.path = s.sqlite_db;
  c.sqlite.full_sync = s.sqlite_full_sync;
  c.sqlite.checkpoint_pages = serving ? s.sqlite_checkpoint_pages : 0;
  return c;
}

void LogStoreChoice(const config::Settings& s) {
  if (OnPostgres(s) && s.sqlite_db_set) {
    log::Warn(
        "DATABASE_URL and SQLITE_DB are both set: DATABASE_URL wins, SQLITE_DB is ignored",
        {{"database_url", config::MaskedDatabaseUrl(s.database_url)}, {"sqlite_db", s.sqlite_db}});
  }
}

}  // namespace emm::cli
