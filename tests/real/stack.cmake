# The live stack's lifecycle (real/supervisor/, `scalelab real up|down|export`): the mapping's plain functions,
# then live services on 127.0.0.1 (haproxy, PostgreSQL, Redis, RabbitMQ: 10-20 s a stack), one test at a time.
# Skipped when the services are not installed, failed then under SCALELAB_REAL_REQUIRED=1 (as .ci/run sets it).
scalelab_test(scalelab_real_stack_tests real/test_real_stack.cpp PROGRAM LIBS scalelab::real_stack TIMEOUT 600
              LABEL real PROPERTIES RUN_SERIAL TRUE)

# The project's programs on the live stack (real up starts scalelab-api and scalelab-worker): a request through
# the balancer on the live database and cache; the workers' throughput against the arrival rate and c / s; the
# ledger of jobs. Needs the programs built: they are found beside scalelab-api.
scalelab_test(scalelab_real_worker_tests real/test_real_worker.cpp PROGRAM
              LIBS scalelab::real scalelab::real_stack PkgConfig::RABBITMQ
              DEFINITIONS SCALELAB_PROGRAMS_DIR="$<TARGET_FILE_DIR:scalelab-api>" DEPENDS scalelab-api scalelab-worker
              TIMEOUT 600 LABEL real PROPERTIES RUN_SERIAL TRUE)

# scalelab real run and real calibrate on a live PostgreSQL and scalelab-api, and the calibration file (about 40 s).
# This test and the next keep their scratch directories where PostgreSQL can reach them (tests/real/support.hpp).
scalelab_test(scalelab_real_run_tests real/test_real_run.cpp PROGRAM LIBS scalelab::models nlohmann_json::nlohmann_json
              DEPENDS scalelab-api scalelab-loadgen TIMEOUT 600 LABEL real PROPERTIES RUN_SERIAL TRUE)

# Live faults: scalelab real run kills the PostgreSQL primary under load, promotes a replica, measures the failover
# from the ledger of acknowledged writes and simulates the same file beside (about 35 s: two runs).
scalelab_test(scalelab_real_failover_tests real/test_real_failover.cpp PROGRAM LIBS scalelab::real
              nlohmann_json::nlohmann_json DEPENDS scalelab-api scalelab-loadgen TIMEOUT 600 LABEL real
              PROPERTIES RUN_SERIAL TRUE)
