// The backends every contract suite runs on. A new backend adds its entry here.
#include "storage/contract/store_contract.h"
#include "storage/postgres_backend.h"
#include "storage/sqlite_backend.h"

namespace emm::storage {

std::vector<StoreBackendParam> ContractBackends() { return {SqliteBackend::Param(), PostgresBackend::Param()}; }

}  // namespace emm::storage
