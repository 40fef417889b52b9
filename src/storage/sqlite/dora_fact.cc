#include "storage/sqlite/dora_fact.h"

#include <cstdint>

#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {
namespace {

// Layout (little-endian): first_commit_at i64, deploy_start_at i64, recovered_at i64 (0 when
// none), flags u8 (1 failed, 2 rework, 4 recovered).
constexpr int kDoraFactSize = 25;

}  // namespace

void DoraFactFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  unsigned char out[kDoraFactSize] = {};
  auto put = [&](int at, int64_t v) {
    for (int k = 0; k < 8; ++k)
      out[at + k] = static_cast<unsigned char>(static_cast<uint64_t>(v) >> (8 * k));
  };
  put(0, sqlite3_value_int64(argv[0]));
  put(8, sqlite3_value_int64(argv[1]));
  unsigned char flags = sqlite3_value_int(argv[2]) != 0 ? 1 : 0;
  if (sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    put(16, sqlite3_value_int64(argv[3]));
    flags |= 4;
  }
  const unsigned char* kind = sqlite3_value_text(argv[4]);
  if (kind && kind[0] != 'p') flags |= 2;  // hotfix or rollback, not planned
  out[24] = flags;
  sqlite3_result_blob(ctx, out, kDoraFactSize, SQLITE_TRANSIENT);
}

bool DecodeDoraFact(const void* blob, int size, domain::DeployedFact* d) {
  if (size != kDoraFactSize || blob == nullptr) return false;
  const auto* p = static_cast<const unsigned char*>(blob);
  auto get = [&](int at) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | p[at + k];
    return static_cast<int64_t>(v);
  };
  d->first_commit_at = FirstCommitOf(get(0));
  d->deploy_start_at = get(8);
  const unsigned char flags = p[24];
  d->failed = flags & 1;
  d->rework = flags & 2;
  if (flags & 4) d->recovered_at = get(16);
  return true;
}

}  // namespace emm::storage::sqlite
