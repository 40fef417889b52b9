# `cmake --install`: the server binary, and the core (common, domain, storage, export) as the CMake
# package em-metrics (find_package(em-metrics), targets em-metrics::<module>): docs/library.md.
# Headers keep the tree's paths under include/em-metrics/ ("domain/commands.h"), since the headers
# include each other that way. Installed: every domain header, and of the other modules the ones
# their API is declared in and what those include; none includes sqlite3.h, Boost, curl or the
# generated protobuf headers (the library_package ctest compiles them without).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(EMM_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/em-metrics)
set(EMM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/em-metrics)

target_sources(emm_common PUBLIC FILE_SET HEADERS BASE_DIRS src FILES
  src/common/status.h src/common/time.h src/common/time_zone.h src/common/log.h
  src/common/worker_pool.h)
target_sources(emm_domain PUBLIC FILE_SET HEADERS BASE_DIRS src FILES
  src/domain/commands.h src/domain/dora.h src/domain/events.h src/domain/explain.h
  src/domain/figure_names.h src/domain/gitlab_dora.h src/domain/metrics.h
  src/domain/pull_requests.h src/domain/team_health.h src/domain/teams.h
  src/domain/ticket_health.h src/domain/tickets.h src/domain/transaction.h)
target_sources(emm_storage PUBLIC FILE_SET HEADERS BASE_DIRS src FILES
  src/storage/event_store.h src/storage/write_queue.h src/storage/sqlite/sqlite_event_store.h
  src/storage/sqlite/maintenance.h src/storage/export_leadership.h
  src/storage/copy.h)
target_sources(emm_export PUBLIC FILE_SET HEADERS BASE_DIRS src FILES
  src/export/forwarder.h src/export/forwarding_transaction.h src/export/metric_state.h
  src/export/otlp_encoder.h src/export/otlp_exporter.h src/export/prometheus_text.h
  src/export/resource.h src/export/retry.h src/export/self_metrics.h src/export/transport.h)

# The headers are C++20: a program using them is compiled as C++20 at least.
target_compile_features(emm_common PUBLIC cxx_std_20)

# emm_net and emm_otlp_proto are static libraries emm_export links privately: installed and
# exported only so that a program linking em-metrics::export links them too (no headers).
set(EMM_PACKAGE_TARGETS emm_common emm_domain emm_storage emm_export emm_net emm_otlp_proto)
foreach(target ${EMM_PACKAGE_TARGETS})
  string(REGEX REPLACE "^emm_" "" name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
endforeach()

install(TARGETS em-metrics RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${EMM_PACKAGE_TARGETS} EXPORT em-metricsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        FILE_SET HEADERS DESTINATION ${EMM_INSTALL_INCLUDEDIR})
install(EXPORT em-metricsTargets NAMESPACE em-metrics:: DESTINATION ${EMM_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/em-metricsConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/em-metricsConfig.cmake INSTALL_DESTINATION ${EMM_INSTALL_CMAKEDIR})
# 0.x: a minor version may change the API, so 0.1 accepts 0.1.y only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/em-metricsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/em-metricsConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/em-metricsConfigVersion.cmake
        DESTINATION ${EMM_INSTALL_CMAKEDIR})
