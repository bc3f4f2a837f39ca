// The real mode's programs on the live stack (docs/real-mode.md, docs/real-mode-programs.md): `scalelab real up`
// starts the real scalelab-api and scalelab-worker with the arguments they take; stack.json is written and read
// by one type; a request through the balancer runs the topology's steps on the live PostgreSQL and Redis; the
// workers' throughput is the arrival rate below saturation and c / s above it (a queue with c servers); every
// published job is done once; `down` leaves no process.
#include "scalelab/models/loader.hpp"
#include "scalelab/real/failover.hpp"
#include "scalelab/real/live_stack.hpp"
#include "scalelab/real/process.hpp"
#include "scalelab/real/stack.hpp"
#include "scalelab/real/supervisor.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace scalelab;
using Clock = std::chrono::steady_clock;

namespace
{

const fs::path kStackDir = fs::path(SCALELAB_SOURCE_DIR) / "tests" / "real" / "stack";

std::string read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Outcome {
  int status = -1;
  std::string output;
};

// Runs a command to its end (killed after the timeout: status -1), its output in `output`.
Outcome run(const std::vector<std::string>& args, const fs::path& output, std::chrono::seconds timeout)
{
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  Outcome r;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.output = read_text(output);
      return r;
    }
    std::this_thread::sleep_for(20ms);
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = read_text(output);
  return r;
}

bool have(const std::string& path)
{
  return access(path.c_str(), X_OK) == 0;
}

std::string postgres_bindir()
{
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (have((e.path() / "bin" / "postgres").string()) && e.path().filename().string() > fs::path(best).filename())
      best = (e.path() / "bin").string();
  return best;
}

std::string psql(int port, const std::string& sql)
{
  const std::string command = postgres_bindir() + "/psql -h 127.0.0.1 -p " + std::to_string(port) +
                              " -U postgres -tAq -c \"" + sql + "\" postgres 2>&1";
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, p))
      out += buffer;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

// The whole answer to GET path (HTTP/1.0: the server closes after it).
std::string http_get(int port, const std::string& path)
{
  return real::tcp_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", 5s);
}

int status_of(const std::string& answer)
{
  return answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
}

std::string body_of(const std::string& answer)
{
  const auto at = answer.find("\r\n\r\n");
  return at == std::string::npos ? "" : answer.substr(at + 4);
}

// Skips the test when the services are not installed, unless SCALELAB_REAL_REQUIRED=1 (CI): then it fails.
#define REQUIRE_SERVICES()                                                                                             \
  do {                                                                                                                 \
    const bool found = have("/usr/sbin/haproxy") && have("/usr/bin/redis-server") &&                                   \
                       have("/usr/lib/rabbitmq/bin/rabbitmq-server") && !postgres_bindir().empty();                    \
    if (!found) {                                                                                                      \
      if (std::getenv("SCALELAB_REAL_REQUIRED"))                                                                       \
        FAIL() << "haproxy, redis-server, rabbitmq-server or postgresql is missing: bash scripts/install-deps.sh";     \
      GTEST_SKIP() << "haproxy, redis-server, rabbitmq-server or postgresql missing (scripts/install-deps.sh)";        \
    }                                                                                                                  \
  } while (0)

// A publisher of the test's own: jobs straight into the queue, as scalelab-api publishes them.
class Publisher
{
public:
  Publisher(int port, const std::string& queue) : queue_(queue)
  {
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    ok_ = socket && amqp_socket_open(socket, "127.0.0.1", port) == AMQP_STATUS_OK &&
          amqp_login(conn_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type ==
              AMQP_RESPONSE_NORMAL;
    if (ok_) {
      amqp_channel_open(conn_, 1);
      ok_ = amqp_get_rpc_reply(conn_).reply_type == AMQP_RESPONSE_NORMAL;
    }
  }
  ~Publisher()
  {
    if (ok_) {
      amqp_channel_close(conn_, 1, AMQP_REPLY_SUCCESS);
      amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn_);
  }
  bool ok() const { return ok_; }
  bool publish(const std::string& job, std::uint64_t key)
  {
    const std::string body = "{\"job\":\"" + job + "\",\"key\":" + std::to_string(key) + "}";
    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2;
    return amqp_basic_publish(conn_, 1, amqp_empty_bytes, amqp_cstring_bytes(queue_.c_str()), 0, 0, &props,
                              amqp_cstring_bytes(body.c_str())) == AMQP_STATUS_OK;
  }
  // Messages waiting in the queue (a passive declare); -1 when it cannot be asked.
  long waiting()
  {
    auto* r = amqp_queue_declare(conn_, 1, amqp_cstring_bytes(queue_.c_str()), 1, 0, 0, 0, amqp_empty_table);
    return r ? static_cast<long>(r->message_count) : -1;
  }

private:
  std::string queue_;
  amqp_connection_state_t conn_;
  bool ok_ = false;
};

class RealPrograms : public ::testing::Test
{
protected:
  void SetUp() override
  {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    scratch_ = fs::path(SCALELAB_TEST_SCRATCH) / "real-programs" / info->name();
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
    run_ = scratch_ / "run";
  }
  void TearDown() override
  {
    if (fs::exists(run_))
      run({SCALELAB_BINARY, "real", "down", "--dir", run_.string()}, scratch_ / "teardown-down.txt", 120s);
  }

  // `real up` with the project's programs (the build's, beside scalelab-api).
  Outcome up(const std::string& topology)
  {
    return run({SCALELAB_BINARY, "real", "up", (kStackDir / topology).string(), "--dir", run_.string(), "--programs",
                SCALELAB_PROGRAMS_DIR},
               scratch_ / "up.txt", 120s);
  }

  // `down`, then: no process of the stack is left (the PIDs it listed, anything carrying the run's marker).
  void down_leaves_nothing(const real::Stack& stack)
  {
    const Outcome d = run({SCALELAB_BINARY, "real", "down", "--dir", run_.string()}, scratch_ / "down.txt", 120s);
    EXPECT_EQ(d.status, 0) << d.output;
    for (const auto& s : stack.services)
      for (const auto& i : s.instances)
        EXPECT_FALSE(real::process_start_time(i.pid)) << i.name << " (PID " << i.pid << ") is still alive";
    EXPECT_TRUE(real::processes_with_environment(real::kRunMarker, fs::weakly_canonical(run_).string()).empty());
    EXPECT_FALSE(fs::exists(run_ / "stack.lock"));
  }

  static int port_of(const real::Stack& stack, const std::string& service, std::size_t instance = 0)
  {
    return stack.find(service)->instances.at(instance).port;
  }

  fs::path scratch_, run_;
};

// A fresh folder `name` with a stack.json whose only service is a RabbitMQ queue `jobs` at `broker_port`, where
// nothing listens: a scalelab-worker started on it has no broker.
fs::path stack_without_broker(const std::string& name, int broker_port)
{
  const fs::path dir = fs::path(SCALELAB_TEST_SCRATCH) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  real::Stack stack;
  stack.run_dir = dir.string();
  real::StackService jobs;
  jobs.name = "jobs";
  jobs.kind = "queue";
  jobs.software = "rabbitmq";
  jobs.instances.push_back(real::Endpoint{});
  jobs.instances.back().port = broker_port;
  stack.services.push_back(jobs);
  real::write_stack((dir / "stack.json").string(), stack);
  return dir;
}

} // namespace

// The supervisor writes stack.json with the type and code the programs read it with: what is written is what is
// read, field by field.
TEST(RealStackFile, WhatTheSupervisorWritesIsWhatTheProgramsRead)
{
  const auto loaded = models::load_topology_file((kStackDir / "full-stack.yaml").string());
  ASSERT_TRUE(loaded.spec);
  int port = 40000;
  const auto plan = real::plan_stack(*loaded.spec, [&] { return port++; });
  const auto written = real::stack_of(plan, "/tmp/run", "/abs/topology.yaml", {{"users_r1", 4242}});
  const auto read = real::parse_stack(real::stack_to_json(written), "stack.json");
  EXPECT_EQ(real::stack_to_json(read), real::stack_to_json(written));
  EXPECT_EQ(read.topology, "/abs/topology.yaml");
  ASSERT_EQ(read.services.size(), loaded.spec->services.size());
  for (std::size_t s = 0; s < read.services.size(); ++s)
    EXPECT_EQ(read.services[s].name, loaded.spec->services[s].name) << "the topology's order";
  const auto* users = read.find("users");
  ASSERT_TRUE(users);
  EXPECT_EQ(users->software, "postgresql");
  ASSERT_EQ(users->instances.size(), 2u);
  EXPECT_EQ(users->instances[1].role, "replica");
  EXPECT_EQ(users->instances[1].primary, "users");
  EXPECT_EQ(users->instances[1].pid, 4242);
  EXPECT_EQ(users->instances[1].user, "postgres");
  const auto* jobs = read.find("jobs");
  ASSERT_TRUE(jobs);
  EXPECT_EQ(jobs->instances[0].password, "guest");
  EXPECT_GT(jobs->instances[0].epmd_port, 0);
}

// The program command line is one function's, and the programs accept it.
TEST(RealStackFile, TheProgramsTakeTheCommandLineTheSupervisorGives)
{
  const auto loaded = models::load_topology_file((kStackDir / "worker-pool.yaml").string());
  ASSERT_TRUE(loaded.spec);
  int port = 40000;
  const auto plan = real::plan_stack(*loaded.spec, [&] { return port++; });
  const auto* pool = plan.find("pool");
  ASSERT_TRUE(pool);
  const auto args = real::program_arguments("scalelab-worker", "/t.yaml", *pool, pool->instances[1], 9, "/s.json");
  EXPECT_EQ(args, (std::vector<std::string>{"scalelab-worker", "--topology", "/t.yaml", "--service", "pool",
                                            "--instance", "1", "--port", "9", "--stack", "/s.json"}));
  // scalelab-worker given an api_server (the arguments parsed, the service refused by its kind): exit 2.
  const fs::path out = fs::path(SCALELAB_TEST_SCRATCH) / "worker-wrong-kind.txt";
  fs::create_directories(out.parent_path());
  const auto app = plan.find("app");
  auto wrong = real::program_arguments(std::string(SCALELAB_PROGRAMS_DIR) + "/scalelab-worker",
                                       (kStackDir / "worker-pool.yaml").string(), *app, app->instances[0], 0,
                                       "/nonexistent/stack.json");
  const Outcome r = run(wrong, out, 30s);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("'app' is not a worker pool"), std::string::npos) << r.output;
}

// `real up` starts the real scalelab-api; a request to the balancer runs the topology's steps on the live
// PostgreSQL and Redis; `down` leaves nothing.
TEST_F(RealPrograms, UpStartsScalelabApiWhichRunsTheStepsOnTheLiveDatabaseAndCache)
{
  REQUIRE_SERVICES();
  const Outcome u = up("api-cache-db.yaml");
  ASSERT_EQ(u.status, 0) << u.output << read_text(run_ / "logs" / "app-1.log");
  const auto stack = real::load_stack((run_ / "stack.json").string());
  const auto* app = stack.find("app");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->software, "scalelab-api");
  ASSERT_EQ(app->instances.size(), 1u);
  EXPECT_TRUE(real::process_start_time(app->instances[0].pid));
  const int lb = port_of(stack, "lb"), db = port_of(stack, "users"), cache = port_of(stack, "cache");

  // A write: the key's version 1 on the primary, the cache entry deleted.
  const std::string write = http_get(lb, "/r/update_user?key=7");
  EXPECT_EQ(status_of(write), 200) << write;
  EXPECT_NE(write.find("scalelab-api"), std::string::npos) << "answered by scalelab-api: " << write;
  EXPECT_EQ(psql(db, "SELECT version FROM scalelab_kv WHERE key = 7"), "1");
  // A read: a miss, the version read from the database, then set in the cache.
  EXPECT_EQ(status_of(http_get(lb, "/r/get_user?key=7")), 200);
  EXPECT_EQ(real::tcp_exchange(cache, "GET scalelab:cache:7\r\nQUIT\r\n", 2s), "$1\r\n1\r\n+OK\r\n");
  // A second write deletes the entry again (cache-aside), the version is 2.
  EXPECT_EQ(status_of(http_get(lb, "/r/update_user?key=7")), 200);
  EXPECT_EQ(real::tcp_exchange(cache, "GET scalelab:cache:7\r\nQUIT\r\n", 2s), "$-1\r\n+OK\r\n");
  EXPECT_EQ(psql(db, "SELECT version FROM scalelab_kv WHERE key = 7"), "2");
  EXPECT_EQ(status_of(http_get(lb, "/r/no_such_type")), 404);

  down_leaves_nothing(stack);
}

// c = 4 consumers (two scalelab-worker instances of two) of jobs of s = 50 ms (a delay step): the throughput is
// the arrival rate below saturation (40/s) and c / s = 80/s above it (120/s offered); every job published through
// scalelab-api and by the test is done exactly once (the ledger), and each job's database write landed.
TEST_F(RealPrograms, WorkersDoEveryJobAtTheArrivalRateBelowSaturationAndCOverSAbove)
{
  REQUIRE_SERVICES();
  const Outcome u = up("worker-pool.yaml");
  ASSERT_EQ(u.status, 0) << u.output << read_text(run_ / "logs" / "pool-1.log");
  const auto stack = real::load_stack((run_ / "stack.json").string());
  const auto* pool = stack.find("pool");
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->software, "scalelab-worker");
  ASSERT_EQ(pool->instances.size(), 2u);
  for (const auto& i : pool->instances)
    EXPECT_EQ(real::http_get_status(i.port, "/health", 2s), 200) << i.name;

  // The workers' counts, summed over the instances.
  auto done = [&](const char* what) {
    std::uint64_t n = 0;
    for (const auto& i : pool->instances) {
      const std::string body = body_of(http_get(i.port, "/stats"));
      try {
        n += nlohmann::json::parse(body).at(what).get<std::uint64_t>();
      } catch (const std::exception&) {
        ADD_FAILURE() << i.name << " /stats: " << body;
      }
    }
    return n;
  };
  auto wait_for = [&](std::uint64_t jobs, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (done("received") < jobs && Clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms); // the last job's steps and ack
  };

  // 1. 200 signups through the balancer: each writes its key and publishes a welcome job that writes it again.
  const int lb = port_of(stack, "lb");
  int answered = 0;
  for (int k = 1; k <= 200; ++k)
    answered += status_of(http_get(lb, "/r/signup?key=" + std::to_string(k))) == 200;
  EXPECT_EQ(answered, 200);
  std::uint64_t published = 200;
  wait_for(published, 20s);
  EXPECT_EQ(done("done"), published);
  for (const auto& i : pool->instances) { // RabbitMQ's round robin over the consumers with room
    const auto stats = nlohmann::json::parse(body_of(http_get(i.port, "/stats")));
    std::cout << i.name << " did " << stats.at("done") << " of the 200 welcome jobs\n";
    EXPECT_NEAR(stats.at("done").get<double>(), 100, 20) << i.name;
  }
  EXPECT_EQ(psql(port_of(stack, "users"), "SELECT count(*), sum(version) FROM scalelab_kv"), "200|400")
      << "each key written by its signup and by its welcome job";

  // 2. Jobs of 50 ms at a constant rate; the throughput from the first second to the end of the 4 s of publishing,
  // over the times at which the counts were read (a slow read does not count as the workers' time).
  Publisher publisher(port_of(stack, "jobs"), "jobs");
  ASSERT_TRUE(publisher.ok());
  auto throughput = [&](double rate) {
    const auto t0 = Clock::now();
    std::uint64_t before = 0;
    std::optional<Clock::time_point> sampled_before;
    const int count = static_cast<int>(rate * 4);
    for (int n = 0; n < count; ++n) {
      std::this_thread::sleep_until(
          t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(n / rate)));
      if (!sampled_before && Clock::now() - t0 >= 1s) {
        const auto asked = Clock::now();
        before = done("done");
        sampled_before = asked + (Clock::now() - asked) / 2;
      }
      EXPECT_TRUE(publisher.publish("work", static_cast<std::uint64_t>(n)));
      ++published;
    }
    const auto asked = Clock::now();
    const std::uint64_t after = done("done");
    const auto sampled_after = asked + (Clock::now() - asked) / 2;
    const double seconds = std::chrono::duration<double>(sampled_after - *sampled_before).count();
    return static_cast<double>(after - before) / seconds;
  };
  const double below = throughput(40);
  wait_for(published, 20s);
  const double above = throughput(120);
  wait_for(published, 30s);
  std::cout << "throughput: " << below << "/s for 40/s offered (c/s = 80/s); " << above << "/s for 120/s offered\n";
  EXPECT_NEAR(below, 40, 4) << "below saturation the workers keep up with the arrivals";
  EXPECT_NEAR(above, 80, 8) << "above saturation c / s";

  // 3. The ledger: every job published was done once, none failed, none waits.
  EXPECT_EQ(done("received"), published);
  EXPECT_EQ(done("done"), published);
  EXPECT_EQ(done("failed"), 0u);
  EXPECT_EQ(publisher.waiting(), 0);
  std::cout << "ledger: " << published << " jobs published, " << done("done") << " done\n";

  down_leaves_nothing(stack);
  // Each worker stopped on SIGTERM and said so (its counts at exit).
  for (const auto& i : pool->instances)
    EXPECT_NE(read_text(run_ / "logs" / (i.name + ".log")).find("scalelab-worker: {"), std::string::npos) << i.name;
}

// Without its broker scalelab-worker is not ready (/health 503: its consumers keep trying to connect); it ends on
// SIGTERM with status 0, and with the process that started it (the parent-death signal), whatever it is doing.
TEST(RealWorkerProcess, IsNotReadyWithoutItsBrokerAndEndsOnSigtermAndWithItsParent)
{
  const auto ports = real::free_loopback_ports(3);
  const fs::path dir = stack_without_broker("worker-process", ports[0]);
  auto args = [&](int port) {
    return std::vector<std::string>{std::string(SCALELAB_PROGRAMS_DIR) + "/scalelab-worker",
                                    "--topology",
                                    (kStackDir / "worker-pool.yaml").string(),
                                    "--service",
                                    "pool",
                                    "--instance",
                                    "0",
                                    "--port",
                                    std::to_string(port),
                                    "--stack",
                                    (dir / "stack.json").string()};
  };
  auto wait_answering = [](int port) {
    const auto deadline = Clock::now() + 15s;
    int status = 0;
    while (Clock::now() < deadline && (status = real::http_get_status(port, "/health", 500ms)) == 0)
      std::this_thread::sleep_for(50ms);
    return status;
  };

  // SIGTERM: status 0.
  real::SpawnOptions direct;
  direct.argv = args(ports[1]);
  direct.output = (dir / "direct.log").string();
  const auto worker = real::spawn(direct);
  EXPECT_EQ(wait_answering(ports[1]), 503) << read_text(dir / "direct.log");
  kill(worker.pid, SIGTERM);
  int status = -1;
  const auto deadline = Clock::now() + 5s;
  while (waitpid(worker.pid, &status, WNOHANG) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << read_text(dir / "direct.log");

  // Its parent killed: it ends too.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t parent = fork();
  if (parent == 0) {
    real::SpawnOptions o;
    o.argv = args(ports[2]);
    o.output = (dir / "orphan.log").string();
    const auto child = real::spawn(o);
    if (write(pipe_fds[1], &child.pid, sizeof child.pid) < 0)
      _exit(1);
    pause();
    _exit(0);
  }
  pid_t child = 0;
  ASSERT_EQ(read(pipe_fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_EQ(wait_answering(ports[2]), 503) << read_text(dir / "orphan.log");
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  const auto gone_by = Clock::now() + 5s;
  while (real::process_start_time(child) && Clock::now() < gone_by)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(real::process_start_time(child)) << "scalelab-worker outlived its parent";
  if (real::process_start_time(child))
    kill(child, SIGKILL);
}

// A live failover tells every scalelab-worker, as every scalelab-api, which replica is a shard's primary now
// (real::promotion_target): the worker takes it (200, and its log says so) and refuses a replica, a database or a
// query it cannot follow (400). Where its writes then go is RealFailoverRouting's (the same interpreter).
TEST(RealWorkerProcess, TakesAPromotionAndRefusesOneItCannotFollow)
{
  const auto ports = real::free_loopback_ports(2);
  // The worker serves HTTP all the same.
  const fs::path dir = stack_without_broker("worker-promotion", ports[0]);
  real::SpawnOptions o;
  o.argv = {std::string(SCALELAB_PROGRAMS_DIR) + "/scalelab-worker",
            "--topology",
            (kStackDir / "worker-replicas.yaml").string(),
            "--service",
            "pool",
            "--instance",
            "0",
            "--port",
            std::to_string(ports[1]),
            "--stack",
            (dir / "stack.json").string()};
  o.output = (dir / "worker.log").string();
  const auto worker = real::spawn(o);
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline && real::http_get_status(ports[1], "/health", 500ms) == 0)
    std::this_thread::sleep_for(50ms);
  auto post = [&](const std::string& target) {
    return status_of(real::tcp_exchange(ports[1], "POST " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", 5s));
  };
  EXPECT_EQ(post(real::promotion_target({"users", 0, 1})), 200) << read_text(dir / "worker.log");
  EXPECT_EQ(post(real::promotion_target({"users", 0, 2})), 400); // two replicas: 0 and 1
  EXPECT_EQ(post(real::promotion_target({"orders", 0, 0})), 400);
  EXPECT_EQ(post("/promoted?database=users&shard=zero&replica=1"), 400);
  kill(worker.pid, SIGTERM);
  int status = -1;
  const auto gone_by = Clock::now() + 5s;
  pid_t ended = 0;
  while ((ended = waitpid(worker.pid, &status, WNOHANG)) == 0 && Clock::now() < gone_by)
    std::this_thread::sleep_for(20ms);
  if (ended != worker.pid) {
    kill(worker.pid, SIGKILL);
    waitpid(worker.pid, nullptr, 0);
  }
  EXPECT_EQ(ended, worker.pid) << "scalelab-worker did not end on SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_NE(read_text(dir / "worker.log").find("users shard 0: replica 1 is the primary now"), std::string::npos)
      << read_text(dir / "worker.log");
}
