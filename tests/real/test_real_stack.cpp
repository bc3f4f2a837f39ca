// The live stack's lifecycle through the command line (docs/real-mode.md): `scalelab real up` on a balancer, two
// API servers (a test double that answers /health), a PostgreSQL primary and replica, Redis and RabbitMQ; every
// service ready, stack.json right, a row written on the primary read on the replica, nothing listening beyond
// loopback; `down` leaves no process; `up` killed mid-start is cleaned up; the Compose export passes
// `docker-compose config`. Also the mapping's plain functions.
#include "scalelab/models/loader.hpp"
#include "scalelab/real/live_stack.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace scalelab;

namespace
{

const fs::path kSource = SCALELAB_SOURCE_DIR;
const fs::path kStackDir = kSource / "tests" / "real" / "stack";

std::string read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// --- child processes -----------------------------------------------------------------------------------------

struct Child {
  pid_t pid = 0;
  fs::path output;
};

Child start(const std::vector<std::string>& args, const fs::path& output)
{
  Child child;
  child.output = output;
  child.pid = fork();
  if (child.pid == 0) {
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
  return child;
}

// The exit status, or -1 after the timeout (the child is then killed).
int finish(const Child& child, std::chrono::seconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(child.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Outcome {
  int status = -1;
  std::string output;
};

Outcome run(const std::vector<std::string>& args, const fs::path& output, std::chrono::seconds timeout)
{
  const Child child = start(args, output);
  Outcome r;
  r.status = finish(child, timeout);
  r.output = read_text(output);
  return r;
}

// --- /proc -----------------------------------------------------------------------------------------------------

bool alive(pid_t pid)
{
  const std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
  const auto state = status.find("State:");
  if (state == std::string::npos)
    return false;
  const char s = status[status.find_first_not_of(" \t", state + 6)];
  return s != 'Z' && s != 'X';
}

std::vector<pid_t> all_pids()
{
  std::vector<pid_t> pids;
  DIR* dir = opendir("/proc");
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && pid > 0 && pid != getpid())
      pids.push_back(static_cast<pid_t>(pid));
  }
  closedir(dir);
  return pids;
}

// Processes of the stack in run: the environment marker, a command line or a working directory under run.
std::vector<pid_t> stack_processes(const fs::path& run)
{
  std::vector<pid_t> found;
  const std::string marker = "SCALELAB_REAL_RUN=" + run.string();
  for (pid_t pid : all_pids()) {
    if (!alive(pid))
      continue;
    const std::string proc = "/proc/" + std::to_string(pid);
    std::string env = read_text(proc + "/environ");
    std::string cmdline = read_text(proc + "/cmdline");
    std::error_code ec;
    const std::string cwd = fs::read_symlink(proc + "/cwd", ec).string();
    bool marked = false;
    std::istringstream items(env);
    std::string item;
    while (std::getline(items, item, '\0'))
      marked = marked || item == marker;
    if (marked || cmdline.find(run.string() + "/") != std::string::npos ||
        (!cwd.empty() && (cwd == run.string() || cwd.rfind(run.string() + "/", 0) == 0)))
      found.push_back(pid);
  }
  return found;
}

std::set<std::string> socket_inodes(const std::vector<pid_t>& pids)
{
  std::set<std::string> inodes;
  for (pid_t pid : pids) {
    const fs::path fds = "/proc/" + std::to_string(pid) + "/fd";
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator(fds, ec)) {
      const std::string target = fs::read_symlink(fd.path(), ec).string();
      if (target.rfind("socket:[", 0) == 0)
        inodes.insert(target.substr(8, target.size() - 9));
    }
  }
  return inodes;
}

struct Listener {
  std::string address; // hex, as /proc/net/tcp* gives it
  int port = 0;
  bool v6 = false;
};

// Listening TCP sockets whose inode is in `inodes`.
std::vector<Listener> listeners(const std::set<std::string>& inodes)
{
  std::vector<Listener> found;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream lines(read_text(file));
    std::string line;
    std::getline(lines, line); // header
    while (std::getline(lines, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, state, queues, timer, retrans, uid, timeout, inode;
      f >> sl >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >> inode;
      if (state != "0A" || !inodes.count(inode))
        continue;
      const auto colon = local.find(':');
      found.push_back(Listener{local.substr(0, colon), std::stoi(local.substr(colon + 1), nullptr, 16),
                               std::string(file).back() == '6'});
    }
  }
  return found;
}

bool loopback(const Listener& l)
{
  if (!l.v6)
    return l.address.size() == 8 && l.address.substr(6) == "7F"; // 127.x.y.z, little-endian
  return l.address == "00000000000000000000000001000000" ||      // ::1
         (l.address.substr(0, 24) == "0000000000000000FFFF0000" && l.address.substr(30) == "7F"); // ::ffff:127.x
}

// --- what the tests need --------------------------------------------------------------------------------------

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

class RealStack : public ::testing::Test
{
protected:
  void SetUp() override
  {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    scratch_ = fs::path(SCALELAB_TEST_SCRATCH) / "real-stack" / info->name();
    fs::remove_all(scratch_);
    fs::create_directories(scratch_ / "programs");
    run_ = scratch_ / "run";
    // The test double of scalelab-api: answers /health, nothing more.
    fs::copy_file(kStackDir / "fake-scalelab-api", scratch_ / "programs" / "scalelab-api");
  }
  void TearDown() override
  {
    // Never leave a stack behind, whatever failed.
    if (fs::exists(run_))
      run({SCALELAB_BINARY, "real", "down", "--dir", run_.string()}, scratch_ / "teardown-down.txt", 120s);
  }

  std::vector<std::string> up_args(const std::string& topology) const
  {
    return {SCALELAB_BINARY, "real",        "up",         (kStackDir / topology).string(),
            "--dir",         run_.string(), "--programs", (scratch_ / "programs").string()};
  }
  Outcome down() { return run({SCALELAB_BINARY, "real", "down", "--dir", run_.string()}, scratch_ / "down.txt", 120s); }

  // Waits until the lock file lists a process of `software`; false after the timeout.
  bool wait_for_lock_entry(const std::string& software, std::chrono::seconds timeout)
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_text(run_ / "stack.lock");
      if (text.find("\"software\": \"" + software + "\"") != std::string::npos)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::vector<pid_t> lock_pids()
  {
    std::vector<pid_t> pids;
    try {
      const auto j = nlohmann::json::parse(read_text(run_ / "stack.lock"));
      pids.push_back(j["supervisor"]["pid"].get<pid_t>());
      for (const auto& p : j["processes"])
        pids.push_back(p["pid"].get<pid_t>());
    } catch (const std::exception&) {
    }
    return pids;
  }

  void expect_nothing_left(const std::vector<pid_t>& known)
  {
    for (pid_t pid : known)
      EXPECT_FALSE(alive(pid)) << "PID " << pid << " of the stack is still alive";
    const auto left = stack_processes(run_);
    EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the stack left, the first PID " << left.front();
    EXPECT_FALSE(fs::exists(run_ / "stack.lock"));
  }

  fs::path scratch_, run_;
};

std::string psql(const std::string& bindir, int port, const std::string& sql)
{
  std::string command =
      bindir + "/psql -h 127.0.0.1 -p " + std::to_string(port) + " -U postgres -tAq -c \"" + sql + "\" postgres 2>&1";
  if (geteuid() == 0)
    command = "runuser -u postgres -- " + command;
  std::string output;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[512];
    while (fgets(buffer, sizeof buffer, p))
      output += buffer;
    pclose(p);
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
    output.pop_back();
  return output;
}

int port_of(const nlohmann::json& stack, const std::string& service, std::size_t instance = 0)
{
  return stack["services"][service]["instances"][instance]["port"].get<int>();
}

// A raw exchange on 127.0.0.1:port: what comes back within 2 s (at most 4 KB).
std::string exchange(int port, const std::string& request)
{
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string answer;
  timeval timeout{2, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(s, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    const ssize_t n = recv(s, buffer, sizeof buffer, 0);
    if (n > 0)
      answer.assign(buffer, static_cast<std::size_t>(n));
  }
  close(s);
  return answer;
}

} // namespace

// --- the mapping, as plain functions -----------------------------------------------------------------------------

TEST(RealStackMapping, BalancingPoliciesMapToHaproxys)
{
  models::LoadBalancerSpec lb;
  const std::vector<std::pair<models::BalancingPolicy, std::string>> expected{
      {models::BalancingPolicy::round_robin, "roundrobin"},
      {models::BalancingPolicy::least_connections, "leastconn"},
      {models::BalancingPolicy::random, "random"},
      {models::BalancingPolicy::power_of_two, "random(2)"},
      {models::BalancingPolicy::weighted, "roundrobin"}};
  for (const auto& [policy, balance] : expected) {
    lb.policy = policy;
    EXPECT_EQ(real::haproxy_balance(lb), balance);
  }
  lb.sticky = true;
  EXPECT_EQ(real::haproxy_balance(lb), "url_param user");
}

TEST(RealStackMapping, TopologyMapsToServicesAndConfigurations)
{
  const auto loaded = models::load_topology_file((kStackDir / "full-stack.yaml").string());
  ASSERT_TRUE(loaded.spec);
  int port = 20000;
  const auto plan = real::plan_stack(*loaded.spec, [&port] { return port++; });
  ASSERT_EQ(plan.services.size(), 5u);
  EXPECT_EQ(plan.find("lb")->software, "haproxy");
  EXPECT_EQ(plan.find("app")->instances.size(), 2u);
  const auto* users = plan.find("users");
  ASSERT_EQ(users->instances.size(), 2u);
  EXPECT_EQ(users->instances[0].role, "primary");
  EXPECT_EQ(users->instances[1].role, "replica");
  EXPECT_EQ(users->instances[1].name, "users_r1");
  EXPECT_EQ(real::synchronous_standby_names(*users, users->instances[0]), ""); // async
  const std::string cfg = real::haproxy_config(plan, *plan.find("lb"), "");
  EXPECT_NE(cfg.find("balance leastconn"), std::string::npos);
  EXPECT_NE(cfg.find("option httpchk GET /health"), std::string::npos);
  EXPECT_NE(cfg.find("default-server check inter 100ms fall 2 rise 2"), std::string::npos);
  EXPECT_NE(cfg.find("bind 127.0.0.1:"), std::string::npos);
  const std::string conf = real::postgres_primary_conf(*users, users->instances[0], "/tmp/s");
  EXPECT_NE(conf.find("listen_addresses = '127.0.0.1'"), std::string::npos);
  EXPECT_NE(conf.find("wal_level = replica"), std::string::npos);
  // Ports: each one distinct.
  std::set<int> ports;
  std::size_t count = 0;
  for (const auto& s : plan.services)
    for (const auto& i : s.instances) {
      ports.insert(i.port);
      ++count;
    }
  EXPECT_EQ(ports.size(), count);
}

TEST(RealStackMapping, SynchronousReplicationNamesTheStandbys)
{
  auto loaded = models::load_topology_file((kStackDir / "full-stack.yaml").string());
  ASSERT_TRUE(loaded.spec);
  auto& db = std::get<models::DatabaseSpec>(loaded.spec->services[2].kind);
  db.replication.replicas = {"db-2", "misc"};
  int port = 20000;
  db.replication.mode = models::ReplicationMode::sync;
  auto plan = real::plan_stack(*loaded.spec, [&port] { return port++; });
  const auto* users = plan.find("users");
  EXPECT_EQ(real::synchronous_standby_names(*users, users->instances[0]), "FIRST 2 (users_r1, users_r2)");
  EXPECT_NE(real::postgres_primary_conf(*users, users->instances[0], "").find("synchronous_commit = remote_apply"),
            std::string::npos);
  // A replica never waits for standbys of its own, should it be promoted.
  EXPECT_NE(real::postgres_replica_conf(users->instances[1], "").find("synchronous_standby_names = ''"),
            std::string::npos);
  db.replication.mode = models::ReplicationMode::semi_sync;
  db.replication.k = 1;
  plan = real::plan_stack(*loaded.spec, [&port] { return port++; });
  users = plan.find("users");
  EXPECT_EQ(real::synchronous_standby_names(*users, users->instances[0]), "ANY 1 (users_r1, users_r2)");
}

TEST(RealStackMapping, AShardedDatabaseIsAPrimaryAndReplicasPerShardInInstanceOrder)
{
  const auto loaded = models::load_topology_file((kSource / "topologies" / "sharded-replicated.yaml").string());
  ASSERT_TRUE(loaded.spec);
  int port = 20000;
  const auto plan = real::plan_stack(*loaded.spec, [&port] { return port++; });
  const auto* users = plan.find("users");
  ASSERT_EQ(users->instances.size(), 9u); // 3 shards of a primary and 2 replicas
  for (std::size_t s = 0; s < 3; ++s) {
    const auto& primary = users->instances[s * 3];
    EXPECT_EQ(primary.role, "primary");
    EXPECT_EQ(primary.name, "users_s" + std::to_string(s + 1));
    EXPECT_EQ(primary.shard, static_cast<int>(s));
    for (std::size_t r = 1; r <= 2; ++r) {
      const auto& replica = users->instances[s * 3 + r];
      EXPECT_EQ(replica.role, "replica");
      EXPECT_EQ(replica.shard, static_cast<int>(s));
      EXPECT_EQ(replica.primary, static_cast<int>(s * 3));
      EXPECT_EQ(replica.name, primary.name + "_r" + std::to_string(r));
    }
  }
  EXPECT_EQ(plan.find("app")->instances.size(), 10u);
  EXPECT_EQ(plan.find("app")->instances[9].name, "app-10");
}

TEST(RealStackMapping, WeightsAreScaledToHaproxysRange)
{
  auto loaded = models::load_topology_file((kStackDir / "full-stack.yaml").string());
  ASSERT_TRUE(loaded.spec);
  auto& lb = std::get<models::LoadBalancerSpec>(loaded.spec->services[0].kind);
  lb.policy = models::BalancingPolicy::weighted;
  lb.weights = {1, 3};
  int port = 20000;
  const auto plan = real::plan_stack(*loaded.spec, [&port] { return port++; });
  const std::string cfg = real::haproxy_config(plan, *plan.find("lb"), "");
  EXPECT_NE(cfg.find("balance roundrobin"), std::string::npos);
  EXPECT_NE(cfg.find(" weight 85\n"), std::string::npos) << cfg;  // 1/3 of 256
  EXPECT_NE(cfg.find(" weight 256\n"), std::string::npos) << cfg; // the heaviest
}

// --- live ----------------------------------------------------------------------------------------------------

TEST_F(RealStack, UpThenDownLeavesNothingAndOnlyLoopbackListens)
{
  REQUIRE_SERVICES();
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome up = run(up_args("full-stack.yaml"), scratch_ / "up.txt", 90s);
  const double up_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(up.status, 0) << up.output << read_text(run_ / "logs" / "supervisor.log");
  std::cout << "up in " << up_seconds << " s:\n" << up.output;

  // stack.json: every service, its kind, its instances' roles, live PIDs, distinct ports.
  const auto stack = nlohmann::json::parse(read_text(run_ / "stack.json"));
  EXPECT_EQ(stack["run_dir"], run_.string());
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> expected{
      {"lb", "load_balancer", {"frontend"}},
      {"app", "api_server", {"api", "api"}},
      {"users", "database", {"primary", "replica"}},
      {"cache", "cache", {"cache"}},
      {"jobs", "queue", {"broker"}}};
  std::set<int> ports;
  std::vector<pid_t> pids;
  for (const auto& [name, kind, roles] : expected) {
    ASSERT_TRUE(stack["services"].contains(name)) << name;
    const auto& s = stack["services"][name];
    EXPECT_EQ(s["kind"], kind);
    ASSERT_EQ(s["instances"].size(), roles.size()) << name;
    for (std::size_t i = 0; i < roles.size(); ++i) {
      const auto& instance = s["instances"][i];
      EXPECT_EQ(instance["role"], roles[i]);
      EXPECT_EQ(instance["host"], "127.0.0.1");
      const pid_t pid = instance["pid"].get<pid_t>();
      EXPECT_TRUE(alive(pid)) << name << " " << i;
      pids.push_back(pid);
      ports.insert(instance["port"].get<int>());
    }
  }
  EXPECT_EQ(ports.size(), 7u);

  // PostgreSQL: a row written on the primary is read on the replica.
  const std::string bindir = postgres_bindir();
  const int primary = port_of(stack, "users", 0), replica = port_of(stack, "users", 1);
  EXPECT_EQ(psql(bindir, replica, "SELECT pg_is_in_recovery()"), "t");
  EXPECT_EQ(psql(bindir, primary, "CREATE TABLE probe (id int); INSERT INTO probe VALUES (42)"), "");
  std::string seen;
  for (int i = 0; i < 100 && seen != "42"; ++i) {
    seen = psql(bindir, replica, "SELECT id FROM probe");
    if (seen != "42")
      std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(seen, "42");
  EXPECT_EQ(psql(bindir, primary, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'users_r1'"), "1");
  // Redis answers PING; RabbitMQ answers the AMQP header with Connection.Start (a method frame, type 1).
  EXPECT_EQ(exchange(port_of(stack, "cache"), "PING\r\n"), "+PONG\r\n");
  const std::string amqp = exchange(port_of(stack, "jobs"), std::string("AMQP\0\0\x09\x01", 8));
  ASSERT_GE(amqp.size(), 11u);
  EXPECT_EQ(amqp[0], 1);                                        // a method frame
  EXPECT_EQ(amqp.substr(7, 4), std::string("\0\x0a\0\x0a", 4)); // connection.start
  // haproxy forwards to the API servers' /health.
  const std::string health = exchange(port_of(stack, "lb"), "GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(health.substr(9, 3), "200") << health;

  // Nothing of the stack listens beyond loopback.
  const auto processes = stack_processes(run_);
  EXPECT_GE(processes.size(), pids.size());
  const auto listening = listeners(socket_inodes(processes));
  std::set<int> listening_ports;
  for (const auto& l : listening) {
    EXPECT_TRUE(loopback(l)) << "port " << l.port << " listens on " << l.address;
    listening_ports.insert(l.port);
  }
  for (int port : ports)
    EXPECT_TRUE(listening_ports.count(port)) << "nothing listens on " << port;

  // A second `up` in the same run directory is refused while the stack is up.
  const Outcome second = run(up_args("full-stack.yaml"), scratch_ / "up-second.txt", 30s);
  EXPECT_EQ(second.status, 1);
  EXPECT_NE(second.output.find("already up"), std::string::npos) << second.output;
  for (pid_t pid : pids)
    EXPECT_TRUE(alive(pid));

  const auto known = lock_pids();
  EXPECT_GE(known.size(), pids.size() + 2); // the supervisor and epmd too
  const auto t1 = std::chrono::steady_clock::now();
  const Outcome d = down();
  EXPECT_EQ(d.status, 0) << d.output;
  std::cout << "down in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() << " s\n";
  expect_nothing_left(known);
  EXPECT_FALSE(fs::exists(run_ / "stack.json"));
}

TEST_F(RealStack, UpAndSupervisorKilledMidStartAreCleanedByTheNextUp)
{
  REQUIRE_SERVICES();
  const Child up = start(up_args("full-stack.yaml"), scratch_ / "up.txt");
  ASSERT_TRUE(wait_for_lock_entry("postgresql", 60s)) << read_text(scratch_ / "up.txt");
  const auto known = lock_pids();
  // scalelab itself killed outright: `up` and its supervisor, mid-start (RabbitMQ still booting).
  kill(up.pid, SIGKILL);
  kill(known.front(), SIGKILL);
  finish(up, 10s);
  EXPECT_TRUE(fs::exists(run_ / "stack.lock"));
  // The next `up` (a stack of Redis alone, quick) stops the leftovers first.
  const Outcome again = run(up_args("cache-only.yaml"), scratch_ / "up-again.txt", 90s);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("left by an earlier run"), std::string::npos) << again.output;
  for (pid_t pid : known)
    EXPECT_FALSE(alive(pid)) << "PID " << pid << " of the killed run is still alive";
  const auto known_again = lock_pids();
  EXPECT_EQ(down().status, 0);
  expect_nothing_left(known_again);
}

TEST_F(RealStack, UpKilledMidStartStopsEverythingAndDownFindsNothing)
{
  REQUIRE_SERVICES();
  const Child up = start(up_args("full-stack.yaml"), scratch_ / "up.txt");
  ASSERT_TRUE(wait_for_lock_entry("postgresql", 60s)) << read_text(scratch_ / "up.txt");
  kill(up.pid, SIGKILL);
  finish(up, 10s);
  // The supervisor's parent-death signal: it stops what it started and removes the lock.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (fs::exists(run_ / "stack.lock") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  const auto known = lock_pids();
  EXPECT_FALSE(fs::exists(run_ / "stack.lock")) << read_text(run_ / "logs" / "supervisor.log");
  const Outcome d = down();
  EXPECT_EQ(d.status, 0) << d.output;
  expect_nothing_left(known);
}

TEST_F(RealStack, CtrlCDuringUpStopsWhatWasStarted)
{
  REQUIRE_SERVICES();
  const Child up = start(up_args("full-stack.yaml"), scratch_ / "up.txt");
  ASSERT_TRUE(wait_for_lock_entry("postgresql", 60s)) << read_text(scratch_ / "up.txt");
  const auto known = lock_pids();
  kill(up.pid, SIGINT);
  EXPECT_EQ(finish(up, 90s), 130) << read_text(scratch_ / "up.txt");
  expect_nothing_left(known);
}

TEST_F(RealStack, UpNamesTheMissingPrograms)
{
  fs::remove(scratch_ / "programs" / "scalelab-api");
  const Outcome up = run(up_args("full-stack.yaml"), scratch_ / "up.txt", 30s);
  EXPECT_EQ(up.status, 2);
  EXPECT_NE(up.output.find("scalelab-api in " + (scratch_ / "programs").string()), std::string::npos) << up.output;
  EXPECT_TRUE(stack_processes(run_).empty());
}

TEST_F(RealStack, ExportWritesAComposeFileThatDockerComposeAccepts)
{
  const fs::path out = scratch_ / "compose";
  const Outcome exported =
      run({SCALELAB_BINARY, "real", "export", (kStackDir / "full-stack.yaml").string(), "--compose", out.string()},
          scratch_ / "export.txt", 30s);
  ASSERT_EQ(exported.status, 0) << exported.output;
  const std::string yaml = read_text(out / "docker-compose.yml");
  for (const char* image : {"image: postgres:15", "image: redis:7", "image: rabbitmq:3.10", "image: haproxy:2.6",
                            "dockerfile: docker/real.Dockerfile"})
    EXPECT_NE(yaml.find(image), std::string::npos) << image;
  EXPECT_EQ(yaml.find("\nname:"), std::string::npos); // docker-compose 1.29 rejects a top-level name
  EXPECT_NE(read_text(out / "haproxy" / "lb.cfg").find("server app-1 app-1:8080"), std::string::npos);
  const auto stack = nlohmann::json::parse(read_text(out / "stack.json"));
  EXPECT_EQ(stack["services"]["users"]["instances"][1]["host"], "users_r1");
  if (!have("/usr/bin/docker-compose")) {
    if (std::getenv("SCALELAB_REAL_REQUIRED"))
      FAIL() << "docker-compose is missing: bash scripts/install-deps.sh";
    GTEST_SKIP() << "docker-compose missing (scripts/install-deps.sh)";
  }
  const Outcome config = run({"docker-compose", "-f", (out / "docker-compose.yml").string(), "config", "-q"},
                             scratch_ / "config.txt", 60s);
  EXPECT_EQ(config.status, 0) << config.output;
}

TEST_F(RealStack, SynchronousReplicationWaitsForBothReplicas)
{
  REQUIRE_SERVICES();
  const Outcome up = run(up_args("sync-replicas.yaml"), scratch_ / "up.txt", 90s);
  ASSERT_EQ(up.status, 0) << up.output << read_text(run_ / "logs" / "supervisor.log");
  const auto stack = nlohmann::json::parse(read_text(run_ / "stack.json"));
  const std::string bindir = postgres_bindir();
  const int primary = port_of(stack, "users", 0);
  EXPECT_EQ(psql(bindir, primary, "SHOW synchronous_standby_names"), "FIRST 2 (users_r1, users_r2)");
  EXPECT_EQ(psql(bindir, primary, "SHOW synchronous_commit"), "remote_apply");
  // Both replicas stream and are synchronous; a committed row is already applied on each (remote_apply).
  std::string states;
  for (int i = 0; i < 100 && states != "users_r1 sync,users_r2 sync"; ++i) {
    states = psql(bindir, primary,
                  "SELECT string_agg(application_name || ' ' || sync_state, ',' ORDER BY application_name) "
                  "FROM pg_stat_replication");
    if (states != "users_r1 sync,users_r2 sync")
      std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(states, "users_r1 sync,users_r2 sync");
  EXPECT_EQ(psql(bindir, primary, "CREATE TABLE probe (id int); INSERT INTO probe VALUES (7)"), "");
  for (std::size_t r = 1; r <= 2; ++r) {
    EXPECT_EQ(psql(bindir, port_of(stack, "users", r), "SELECT id FROM probe"), "7") << "replica " << r;
    EXPECT_EQ(psql(bindir, port_of(stack, "users", r), "SHOW synchronous_standby_names"), "") << "replica " << r;
  }
  const auto known = lock_pids();
  EXPECT_EQ(down().status, 0);
  expect_nothing_left(known);
}
