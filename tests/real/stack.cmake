# The live stack's lifecycle (real/supervisor/, `scalelab real up|down|export`): the mapping's plain functions,
# then live services on 127.0.0.1 (haproxy, PostgreSQL, Redis, RabbitMQ: 10-20 s a stack), one test at a time.
# Skipped when the services are not installed, failed then under SCALELAB_REAL_REQUIRED=1 (as .ci/run sets it).
add_executable(scalelab_real_stack_tests real/test_real_stack.cpp)
target_link_libraries(scalelab_real_stack_tests PRIVATE scalelab::real_stack GTest::gtest_main)
target_compile_definitions(scalelab_real_stack_tests PRIVATE SCALELAB_BINARY="$<TARGET_FILE:scalelab>"
                           SCALELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                           SCALELAB_TEST_SCRATCH="${CMAKE_CURRENT_BINARY_DIR}/scratch")
add_dependencies(scalelab_real_stack_tests scalelab)
scalelab_target_options(scalelab_real_stack_tests)
gtest_discover_tests(scalelab_real_stack_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 600 LABELS real RUN_SERIAL TRUE)

# The project's programs on the live stack (real up starts scalelab-api and scalelab-worker): a request through
# the balancer on the live database and cache; the workers' throughput against the arrival rate and c / s; the
# ledger of jobs. Needs the programs built: they are found beside scalelab-api.
add_executable(scalelab_real_worker_tests real/test_real_worker.cpp)
target_link_libraries(scalelab_real_worker_tests PRIVATE scalelab::real scalelab::real_stack PkgConfig::RABBITMQ
                      GTest::gtest_main)
target_compile_definitions(scalelab_real_worker_tests PRIVATE SCALELAB_BINARY="$<TARGET_FILE:scalelab>"
                           SCALELAB_PROGRAMS_DIR="$<TARGET_FILE_DIR:scalelab-api>"
                           SCALELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                           SCALELAB_TEST_SCRATCH="${CMAKE_CURRENT_BINARY_DIR}/scratch")
add_dependencies(scalelab_real_worker_tests scalelab scalelab-api scalelab-worker)
scalelab_target_options(scalelab_real_worker_tests)
gtest_discover_tests(scalelab_real_worker_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 600 LABELS real RUN_SERIAL TRUE)

# scalelab real run and real calibrate on a live PostgreSQL and scalelab-api, and the calibration file (about 40 s).
add_executable(scalelab_real_run_tests real/test_real_run.cpp)
target_link_libraries(scalelab_real_run_tests PRIVATE scalelab::models nlohmann_json::nlohmann_json GTest::gtest_main)
target_compile_definitions(scalelab_real_run_tests PRIVATE SCALELAB_BINARY="$<TARGET_FILE:scalelab>"
                           SCALELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(scalelab_real_run_tests scalelab scalelab-api scalelab-loadgen)
scalelab_target_options(scalelab_real_run_tests)
gtest_discover_tests(scalelab_real_run_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 600 LABELS real RUN_SERIAL TRUE)

# Live faults: scalelab real run kills the PostgreSQL primary under load, promotes a replica, measures the failover
# from the ledger of acknowledged writes and simulates the same file beside (about 35 s: two runs).
add_executable(scalelab_real_failover_tests real/test_real_failover.cpp)
target_link_libraries(scalelab_real_failover_tests PRIVATE scalelab::real nlohmann_json::nlohmann_json GTest::gtest_main)
target_compile_definitions(scalelab_real_failover_tests PRIVATE SCALELAB_BINARY="$<TARGET_FILE:scalelab>"
                           SCALELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(scalelab_real_failover_tests scalelab scalelab-api scalelab-loadgen)
scalelab_target_options(scalelab_real_failover_tests)
gtest_discover_tests(scalelab_real_failover_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 600 LABELS real RUN_SERIAL TRUE)
