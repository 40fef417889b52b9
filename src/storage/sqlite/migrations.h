// The schema, as numbered migrations. A migration is never edited once released: add one.
#pragma once

#include <span>

namespace emm::storage::sqlite {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // may hold several statements
};

std::span<const Migration> Migrations();

}  // namespace emm::storage::sqlite
