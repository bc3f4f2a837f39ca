#include "scalelab/real/supervisor.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/real/live_stack.hpp"
#include "scalelab/real/process.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace scalelab::real
{

namespace
{

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int)
{
  g_stop = 1;
}

void install_stop_handlers()
{
  struct sigaction action {
  };
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP})
    sigaction(s, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

double seconds_since(Clock::time_point t)
{
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fixed(double v, int digits = 2)
{
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << v;
  return out.str();
}

void write_atomically(const fs::path& path, const std::string& text)
{
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out)
      throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string read_text(const fs::path& path)
{
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The newest PostgreSQL's programs (Debian keeps them out of PATH).
std::string postgres_bindir()
{
  if (const char* dir = std::getenv("SCALELAB_PG_BINDIR"))
    return dir;
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "postgres")) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

const char* kRabbitBin = "/usr/lib/rabbitmq/bin";

bool in_path(const std::string& program)
{
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && access((fs::path(dir) / program).c_str(), X_OK) == 0)
      return true;
  return access(("/usr/sbin/" + program).c_str(), X_OK) == 0;
}

// --- the lock file -----------------------------------------------------------------------------------------

// One process the stack started, as the lock file keeps it.
struct Started {
  std::string service, name, software, role;
  ProcessId id;
  int port = 0;
  std::string data_dir;                   // postgresql: its data directory
  std::map<std::string, std::string> env; // rabbitmq: what rabbitmqctl needs
  std::string node, pid_file;             // rabbitmq
  bool as_postgres = false;
};

nlohmann::json to_json(const Started& s)
{
  return {{"service", s.service},
          {"name", s.name},
          {"software", s.software},
          {"role", s.role},
          {"pid", s.id.pid},
          {"pgid", s.id.pgid},
          {"start", s.id.start},
          {"port", s.port},
          {"data_dir", s.data_dir},
          {"env", s.env},
          {"node", s.node},
          {"pid_file", s.pid_file},
          {"as_postgres", s.as_postgres}};
}

Started started_from_json(const nlohmann::json& j)
{
  Started s;
  s.service = j.value("service", "");
  s.name = j.value("name", "");
  s.software = j.value("software", "");
  s.role = j.value("role", "");
  s.id.pid = j.value("pid", 0);
  s.id.pgid = j.value("pgid", 0);
  s.id.start = j.value("start", 0ULL);
  s.port = j.value("port", 0);
  s.data_dir = j.value("data_dir", "");
  s.env = j.value("env", std::map<std::string, std::string>{});
  s.node = j.value("node", "");
  s.pid_file = j.value("pid_file", "");
  s.as_postgres = j.value("as_postgres", false);
  return s;
}

struct Lock {
  ProcessId supervisor;
  std::vector<Started> processes;
};

fs::path lock_path(const fs::path& run_dir)
{
  return run_dir / "stack.lock";
}

std::optional<Lock> read_lock(const fs::path& run_dir)
{
  if (!fs::exists(lock_path(run_dir)))
    return std::nullopt;
  Lock lock;
  try {
    const auto j = nlohmann::json::parse(read_text(lock_path(run_dir)));
    lock.supervisor.pid = j.at("supervisor").value("pid", 0);
    lock.supervisor.pgid = j.at("supervisor").value("pgid", 0);
    lock.supervisor.start = j.at("supervisor").value("start", 0ULL);
    for (const auto& p : j.at("processes"))
      lock.processes.push_back(started_from_json(p));
  } catch (const std::exception&) {
    // Half a lock (a write interrupted before its rename never leaves one; a hand-edited file might): the
    // environment sweep still finds the processes.
  }
  return lock;
}

void write_lock(const fs::path& run_dir, const Lock& lock)
{
  nlohmann::json processes = nlohmann::json::array();
  for (const auto& p : lock.processes)
    processes.push_back(to_json(p));
  const nlohmann::json j{
      {"run_dir", run_dir.string()},
      {"supervisor", {{"pid", lock.supervisor.pid}, {"pgid", lock.supervisor.pgid}, {"start", lock.supervisor.start}}},
      {"processes", processes}};
  write_atomically(lock_path(run_dir), j.dump(2) + "\n");
}

// --- stopping --------------------------------------------------------------------------------------------------

std::optional<RunAs> postgres_user()
{
  if (geteuid() != 0)
    return std::nullopt; // not root: PostgreSQL runs as this user
  return lookup_user("postgres");
}

// Stops one process the way its software prefers, then its process group by signals. Leftovers of a killed
// supervisor (graceful false) skip rabbitmqctl: a node killed mid-boot would keep it waiting for its whole timeout.
void stop_started(const Started& s, bool graceful = true)
{
  if (!is_alive(s.id))
    return;
  if (s.software == "postgresql" && !s.data_dir.empty()) {
    SpawnOptions o;
    o.argv = {postgres_bindir() + "/pg_ctl", "stop", "-D", s.data_dir, "-m", "fast", "-w", "-t", "15"};
    if (s.as_postgres)
      o.user = postgres_user();
    try {
      run_command(o, 20s);
    } catch (const std::exception&) {
    }
  } else if (s.software == "rabbitmq" && !s.node.empty() && graceful) {
    SpawnOptions o;
    o.argv = {std::string(kRabbitBin) + "/rabbitmqctl", "-n", s.node, "stop", s.pid_file};
    o.env = s.env;
    try {
      run_command(o, 20s);
    } catch (const std::exception&) {
    }
  } else if (s.software == "epmd" && s.port > 0) {
    SpawnOptions o;
    o.argv = {"epmd", "-port", std::to_string(s.port), "-kill"};
    try {
      run_command(o, 5s);
    } catch (const std::exception&) {
    }
  }
  stop_group(s.id, 5s);
}

// Every process carrying the run's marker: SIGTERM, then SIGKILL. Returns how many were found.
std::size_t sweep_marked(const fs::path& run_dir)
{
  auto left = processes_with_environment(kRunMarker, run_dir.string());
  const std::size_t found = left.size();
  for (const auto& p : left)
    kill(p.pid, SIGTERM);
  const auto deadline = Clock::now() + 3s;
  while (Clock::now() < deadline) {
    reap_children();
    left.erase(std::remove_if(left.begin(), left.end(), [](const ProcessId& p) { return !is_alive(p); }), left.end());
    if (left.empty())
      return found;
    std::this_thread::sleep_for(50ms);
  }
  for (const auto& p : left)
    kill(p.pid, SIGKILL);
  for (const auto& p : left)
    wait_gone(p, 3s);
  return found;
}

// Stops what a lock lists (a supervisor first: it stops its children itself), then the marked leftovers.
std::size_t clean_up(const fs::path& run_dir, const std::optional<Lock>& lock)
{
  std::size_t stopped = 0;
  if (lock) {
    if (lock->supervisor.pid > 0 && is_alive(lock->supervisor)) {
      kill(lock->supervisor.pid, SIGTERM);
      ++stopped;
      if (!wait_gone(lock->supervisor, 60s)) {
        kill(lock->supervisor.pid, SIGKILL);
        wait_gone(lock->supervisor, 5s);
      }
    }
    for (auto it = lock->processes.rbegin(); it != lock->processes.rend(); ++it)
      if (is_alive(it->id)) {
        stop_started(*it, false);
        ++stopped;
      }
  }
  stopped += sweep_marked(run_dir);
  std::error_code ec;
  fs::remove(lock_path(run_dir), ec);
  fs::remove(run_dir / "stack.json", ec);
  return stopped;
}

// --- the supervisor ----------------------------------------------------------------------------------------

class Supervisor
{
public:
  Supervisor(const UpOptions& options, const models::TopologySpec& spec, int report_fd)
      : options_(options), spec_(spec), report_fd_(report_fd), pg_user_(postgres_user())
  {
  }

  // Starts everything; throws std::runtime_error on a failure or when stopped.
  void start()
  {
    lock_.supervisor = ProcessId{getpid(), getpgrp(), process_start_time(getpid()).value_or(0)};
    write_lock(run_, lock_);
    std::vector<int> ports = free_loopback_ports(count_ports());
    std::size_t next = 0;
    plan_ = plan_stack(spec_, [&] {
      if (next >= ports.size())
        throw std::runtime_error("internal: not enough ports reserved");
      return ports[next++];
    });
    make_directories();
    const auto t0 = Clock::now();
    for (const auto& s : plan_.services)
      if (s.software == "rabbitmq")
        for (const auto& i : s.instances)
          start_rabbitmq(s, i);
    for (const auto& s : plan_.services)
      if (s.software == "postgresql")
        start_database(s);
    for (const auto& s : plan_.services)
      if (s.software == "redis")
        for (const auto& i : s.instances)
          start_redis(s, i);
    for (auto& [name, since] : rabbit_waiting_)
      wait_rabbitmq(name, since);
    write_stack_json();
    for (const auto& s : plan_.services)
      if (s.software == "scalelab-api" || s.software == "scalelab-worker")
        for (const auto& i : s.instances)
          start_program(s, i);
    for (const auto& [name, port, since] : programs_waiting_)
      wait_until(name, since, 15s, [port = port] { return http_get_status(port, "/health", 500ms) == 200; });
    for (const auto& s : plan_.services)
      if (s.software == "haproxy")
        start_haproxy(s);
    write_stack_json();
    report("stack ready in " + fixed(seconds_since(t0)) + " s: " + (run_ / "stack.json").string());
  }

  // After `ready`: reaps, logs deaths, until told to stop.
  void watch()
  {
    std::map<pid_t, bool> reported;
    while (!g_stop) {
      reap_children();
      for (const auto& s : lock_.processes)
        if (!is_alive(s.id) && !reported[s.id.pid]) {
          reported[s.id.pid] = true;
          std::cerr << "scalelab real: " << s.name << " (" << s.software << ", PID " << s.id.pid << ") has exited\n";
        }
      std::this_thread::sleep_for(200ms);
    }
  }

  // Stops everything started, last first; true when nothing is left. Not graceful while starting: a RabbitMQ
  // node still booting would keep rabbitmqctl stop waiting for its whole timeout.
  bool stop_all(bool graceful)
  {
    for (auto it = lock_.processes.rbegin(); it != lock_.processes.rend(); ++it)
      stop_started(*it, graceful);
    bool all = true;
    for (const auto& s : lock_.processes)
      all = all && !is_alive(s.id);
    // Reap them all here: once this process is gone, PID 1 would (slowly) inherit the zombies.
    const auto deadline = Clock::now() + 2s;
    while (Clock::now() < deadline) {
      reap_children();
      errno = 0;
      if (waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD)
        break;
      std::this_thread::sleep_for(20ms);
    }
    return all;
  }

  void report(const std::string& line)
  {
    std::cerr << line << '\n';
    if (report_fd_ >= 0) {
      const std::string l = line + "\n";
      if (write(report_fd_, l.data(), l.size()) < 0 && errno == EPIPE)
        report_fd_ = -1;
    }
  }
  int report_fd() const { return report_fd_; }

private:
  const UpOptions& options_;
  const models::TopologySpec& spec_;
  int report_fd_;
  std::optional<RunAs> pg_user_;
  fs::path run_ = options_.run_dir;
  LivePlan plan_;
  Lock lock_;
  std::map<std::string, int> pids_;
  std::vector<std::pair<std::string, Clock::time_point>> rabbit_waiting_;
  std::vector<std::tuple<std::string, int, Clock::time_point>> programs_waiting_;
  std::map<std::string, Started> rabbit_;

  int count_ports() const
  {
    int n = 0;
    (void)plan_stack(spec_, [&n] { return ++n; });
    return n;
  }

  void check_stop() const
  {
    if (g_stop)
      throw std::runtime_error("interrupted");
  }

  fs::path socket_dir() const
  {
    // A Unix socket's path holds at most 107 bytes: ".s.PGSQL.65535" and "lb.sock" must fit after it.
    const fs::path dir = run_ / "sock";
    return dir.string().size() + 20 < 107 ? dir : fs::path();
  }

  void make_directories()
  {
    for (const char* d : {"logs", "sock", "pg", "redis", "rabbitmq", "haproxy"})
      fs::create_directories(run_ / d);
    if (pg_user_) {
      if (chown((run_ / "pg").c_str(), pg_user_->uid, pg_user_->gid) != 0 ||
          chown((run_ / "sock").c_str(), pg_user_->uid, pg_user_->gid) != 0)
        throw std::runtime_error("cannot give " + (run_ / "pg").string() + " to user postgres");
    }
  }

  std::string log_of(const std::string& name) const { return (run_ / "logs" / (name + ".log")).string(); }

  ProcessId launch(SpawnOptions o, const LiveService& s, const LiveInstance& i, Started record)
  {
    check_stop();
    o.env[kRunMarker] = run_.string();
    if (o.output.empty())
      o.output = log_of(i.name);
    const ProcessId id = spawn(o);
    record.service = s.name;
    record.name = record.name.empty() ? i.name : record.name;
    record.software = record.software.empty() ? s.software : record.software;
    record.role = record.role.empty() ? i.role : record.role;
    record.id = id;
    record.port = record.port ? record.port : i.port;
    lock_.processes.push_back(record);
    write_lock(run_, lock_);
    if (record.software == s.software)
      pids_[i.name] = id.pid;
    return id;
  }

  // Polls `ready` every 50 ms until it holds; throws after `budget` or when the process has died.
  template <class Ready>
  void wait_until(const std::string& name, Clock::time_point since, std::chrono::milliseconds budget, Ready ready)
  {
    const Started* record = nullptr;
    for (const auto& p : lock_.processes)
      if (p.name == name)
        record = &p;
    for (;;) {
      check_stop();
      reap_children();
      if (ready()) {
        report("ready " + name + " in " + fixed(seconds_since(since)) + " s");
        return;
      }
      if (record && !is_alive(record->id))
        throw std::runtime_error(name + " exited while starting: see " + log_of(name));
      if (Clock::now() - since > budget)
        throw std::runtime_error(name + " was not ready within " +
                                 fixed(std::chrono::duration<double>(budget).count(), 0) + " s: see " + log_of(name));
      std::this_thread::sleep_for(50ms);
    }
  }

  void run_checked(const std::string& what, SpawnOptions o, std::chrono::milliseconds timeout)
  {
    check_stop();
    o.env[kRunMarker] = run_.string();
    const auto result = run_command(o, timeout, &g_stop);
    check_stop();
    if (result.status != 0)
      throw std::runtime_error(what + " failed" + (result.timed_out ? " (timed out)" : "") + ":\n" + result.output);
  }

  // --- PostgreSQL ---

  void start_database(const LiveService& s)
  {
    const std::string bindir = postgres_bindir();
    const std::string sockets = socket_dir().string();
    for (const auto& i : s.instances) {
      const auto since = Clock::now();
      const fs::path data = run_ / "pg" / i.name;
      if (i.role == "primary") {
        SpawnOptions init;
        init.argv = {bindir + "/initdb", "-D",       data.string(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C",       "--no-sync"};
        init.user = pg_user_;
        init.cwd = (run_ / "pg").string();
        run_checked("initdb of " + i.name, init, 60s);
        std::ofstream(data / "postgresql.conf", std::ios::app) << postgres_primary_conf(s, i, sockets);
        std::ofstream(data / "pg_hba.conf", std::ios::app)
            << "\n# written by scalelab real up\nhost replication all 127.0.0.1/32 trust\n"
            << "host all all 127.0.0.1/32 trust\n";
      } else {
        const auto& primary = s.instances[static_cast<std::size_t>(i.primary)];
        SpawnOptions backup;
        backup.argv = {bindir + "/pg_basebackup",
                       "-d",
                       "host=127.0.0.1 port=" + std::to_string(primary.port) +
                           " user=postgres application_name=" + i.name,
                       "-D",
                       data.string(),
                       "-R",
                       "-X",
                       "stream",
                       "-C",
                       "-S",
                       "slot_" + i.name,
                       "--checkpoint=fast",
                       "--no-sync"};
        backup.user = pg_user_;
        backup.cwd = (run_ / "pg").string();
        run_checked("pg_basebackup of " + i.name, backup, 60s);
        std::ofstream(data / "postgresql.conf", std::ios::app) << postgres_replica_conf(i, sockets);
      }
      SpawnOptions o;
      o.argv = {bindir + "/postgres", "-D", data.string()};
      o.user = pg_user_;
      o.cwd = (run_ / "pg").string();
      o.parent_death_signal = SIGQUIT; // PostgreSQL's immediate shutdown: the postmaster takes its backends along
      Started record;
      record.data_dir = data.string();
      record.as_postgres = pg_user_.has_value();
      launch(o, s, i, record);
      const int port = i.port;
      wait_until(i.name, since, 30s, [&bindir, port] {
        SpawnOptions ready;
        ready.argv = {bindir + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", "1"};
        return run_command(ready, 3s, &g_stop).status == 0;
      });
    }
  }

  // --- Redis ---

  void start_redis(const LiveService& s, const LiveInstance& i)
  {
    const auto since = Clock::now();
    const fs::path dir = run_ / "redis" / i.name;
    fs::create_directories(dir);
    SpawnOptions o;
    o.argv = {"redis-server"};
    for (auto& a : redis_arguments(s, i, dir.string()))
      o.argv.push_back(a);
    o.cwd = dir.string();
    o.parent_death_signal = SIGTERM;
    launch(o, s, i, {});
    wait_until(i.name, since, 10s,
               [port = i.port] { return tcp_exchange(port, "PING\r\n", 500ms).rfind("+PONG", 0) == 0; });
  }

  // --- RabbitMQ ---

  void start_rabbitmq(const LiveService& s, const LiveInstance& i)
  {
    const auto since = Clock::now();
    const fs::path dir = run_ / "rabbitmq" / i.name;
    for (const char* d : {"home", "mnesia", "log", "config"})
      fs::create_directories(dir / d);
    // The listener's address and port come from RABBITMQ_NODE_IP_ADDRESS and RABBITMQ_NODE_PORT.
    std::ofstream(dir / "config" / "rabbitmq.conf") << "# written by scalelab real up\nloopback_users.guest = true\n";
    std::ofstream(dir / "config" / "enabled_plugins") << "[].\n";
    std::ofstream(dir / "config" / "rabbitmq-env.conf") << "";
    const std::string node = "scalelab_" + i.name + "_" + std::to_string(i.port) + "@localhost";
    std::map<std::string, std::string> env{
        {"PATH", std::string(kRabbitBin) + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin")},
        {"HOME", (dir / "home").string()},
        {"RABBITMQ_NODENAME", node},
        {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
        {"RABBITMQ_NODE_PORT", std::to_string(i.port)},
        {"RABBITMQ_DIST_PORT", std::to_string(i.dist_port)},
        {"ERL_EPMD_PORT", std::to_string(i.epmd_port)},
        {"ERL_EPMD_ADDRESS", "127.0.0.1"},
        {"RABBITMQ_MNESIA_BASE", (dir / "mnesia").string()},
        {"RABBITMQ_LOG_BASE", (dir / "log").string()},
        {"RABBITMQ_PID_FILE", (dir / "rabbitmq.pid").string()},
        {"RABBITMQ_CONFIG_FILE", (dir / "config" / "rabbitmq").string()},
        {"RABBITMQ_ADVANCED_CONFIG_FILE", (dir / "config" / "advanced.config").string()},
        {"RABBITMQ_ENABLED_PLUGINS_FILE", (dir / "config" / "enabled_plugins").string()},
        {"RABBITMQ_CONF_ENV_FILE", (dir / "config" / "rabbitmq-env.conf").string()},
        {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}"},
        {"RABBITMQ_ALLOW_INPUT", ""},
        {"NOTIFY_SOCKET", ""}};
    // Its own epmd first, on loopback, as a direct child: the node registers with it instead of starting one that
    // would outlive everything.
    SpawnOptions epmd;
    epmd.argv = {"epmd", "-port", std::to_string(i.epmd_port), "-address", "127.0.0.1"};
    epmd.env = env;
    epmd.parent_death_signal = SIGKILL;
    epmd.output = log_of(i.name + "-epmd");
    Started epmd_record;
    epmd_record.name = i.name + "-epmd";
    epmd_record.software = "epmd";
    epmd_record.role = "epmd";
    epmd_record.port = i.epmd_port;
    launch(epmd, s, i, epmd_record);
    const auto epmd_since = Clock::now();
    wait_until(epmd_record.name, epmd_since, 5s, [port = i.epmd_port] { return port_open(port, 200ms); });

    SpawnOptions o;
    o.argv = {std::string(kRabbitBin) + "/rabbitmq-server"};
    o.env = env;
    o.cwd = dir.string();
    o.parent_death_signal = SIGTERM; // its script stops the node on SIGTERM
    Started record;
    record.env = env;
    record.node = node;
    record.pid_file = (dir / "rabbitmq.pid").string();
    launch(o, s, i, record);
    rabbit_[i.name] = lock_.processes.back();
    rabbit_waiting_.emplace_back(i.name, since);
  }

  void wait_rabbitmq(const std::string& name, Clock::time_point since)
  {
    const Started& r = rabbit_.at(name);
    // 6.3-17.2 s measured here, and past 20 s on a busy machine (docs/real-mode.md): a wide margin costs nothing,
    // since readiness is waited for, not slept.
    const auto budget = 60s;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(budget - (Clock::now() - since));
    SpawnOptions o;
    o.argv = {std::string(kRabbitBin) + "/rabbitmqctl",
              "-n",
              r.node,
              "wait",
              "--timeout",
              std::to_string(std::max<long long>(1, left.count() / 1000)),
              r.pid_file};
    o.env = r.env;
    o.env[kRunMarker] = run_.string();
    const auto result = run_command(o, std::max(left, std::chrono::milliseconds(1000)), &g_stop);
    check_stop();
    if (result.status != 0 || !port_open(r.port, 1s))
      throw std::runtime_error(name + " (RabbitMQ) was not ready within " +
                               fixed(std::chrono::duration<double>(budget).count(), 0) + " s: see " +
                               (run_ / "rabbitmq" / name / "log").string() + "\n" + result.output);
    report("ready " + name + " in " + fixed(seconds_since(since)) + " s");
  }

  // --- the project's programs ---

  void start_program(const LiveService& s, const LiveInstance& i)
  {
    const auto since = Clock::now();
    SpawnOptions o;
    o.argv = program_arguments((options_.programs_dir / s.software).string(), fs::absolute(options_.topology).string(),
                               s, i, i.port, (run_ / "stack.json").string());
    o.cwd = run_.string();
    o.parent_death_signal = SIGTERM;
    launch(o, s, i, {});
    programs_waiting_.emplace_back(i.name, i.port, since);
  }

  // --- haproxy ---

  void start_haproxy(const LiveService& s)
  {
    const auto& i = s.instances.front();
    const auto since = Clock::now();
    const fs::path config = run_ / "haproxy" / (i.name + ".cfg");
    const std::string sockets = socket_dir().string();
    std::ofstream(config) << haproxy_config(plan_, s, sockets.empty() ? "" : sockets + "/" + i.name + ".sock");
    SpawnOptions check;
    check.argv = {"haproxy", "-c", "-q", "-f", config.string()};
    run_checked("haproxy -c of " + i.name, check, 10s);
    SpawnOptions o;
    o.argv = {"haproxy", "-f", config.string(), "-db"};
    o.cwd = (run_ / "haproxy").string();
    o.parent_death_signal = SIGTERM;
    launch(o, s, i, {});
    wait_until(i.name, since, 10s, [port = i.port] { return http_get_status(port, "/health", 500ms) == 200; });
  }

  void write_stack_json()
  {
    write_stack((run_ / "stack.json").string(),
                stack_of(plan_, run_.string(), fs::absolute(options_.topology).string(), pids_));
  }
};

std::string missing_programs(const models::TopologySpec& spec, const fs::path& programs_dir)
{
  LivePlan plan;
  int n = 0;
  plan = plan_stack(spec, [&n] { return ++n; });
  std::vector<std::string> missing;
  if (plan.uses("haproxy") && !in_path("haproxy"))
    missing.push_back("haproxy (apt-get install haproxy)");
  if (plan.uses("redis") && !in_path("redis-server"))
    missing.push_back("redis-server (apt-get install redis-server)");
  if (plan.uses("postgresql") && postgres_bindir().empty())
    missing.push_back("PostgreSQL's programs in /usr/lib/postgresql/*/bin (apt-get install postgresql)");
  if (plan.uses("rabbitmq") &&
      (access((std::string(kRabbitBin) + "/rabbitmq-server").c_str(), X_OK) != 0 || !in_path("epmd")))
    missing.push_back("RabbitMQ in " + std::string(kRabbitBin) + " (apt-get install rabbitmq-server)");
  for (const char* program : {"scalelab-api", "scalelab-worker"})
    if (plan.uses(program) && access((programs_dir / program).c_str(), X_OK) != 0)
      missing.push_back(std::string(program) + " in " + programs_dir.string() + " (the project's program for " +
                        (std::string(program) == "scalelab-api" ? "api_server" : "worker") +
                        " services; build it, or name its directory with --programs)");
  std::string text;
  for (const auto& m : missing)
    text += "\n  " + m;
  return text;
}

} // namespace

int stack_supervise(const UpOptions& options, int ready_fd)
{
  install_stop_handlers();
  // The parent-death signal `up` set for this process (SIGTERM while starting) is lost if `up` died before it was
  // set: then this process already has another parent.
  if (const char* up = std::getenv("SCALELAB_REAL_UP_PID"); up && std::atoi(up) != getppid())
    g_stop = 1;
  const auto loaded = models::load_topology_file(options.topology);
  if (!loaded.spec) {
    const std::string line = "error: cannot load " + options.topology + "\n";
    if (write(ready_fd, line.data(), line.size()) < 0) {
    }
    return 2;
  }
  Supervisor supervisor(options, *loaded.spec, ready_fd);
  try {
    supervisor.start();
    // Ready: from now on this process outlives `up`. Clear the parent-death signal, then make sure `up` is still
    // there to hear it (if it died meanwhile, its signal has set g_stop, or the write below fails).
    prctl(PR_SET_PDEATHSIG, 0);
    if (g_stop)
      throw std::runtime_error("interrupted");
    supervisor.report("ok");
    if (supervisor.report_fd() < 0)
      throw std::runtime_error("scalelab real up has gone");
    close(ready_fd);
  } catch (const std::exception& e) {
    std::string message = e.what();
    supervisor.report("error: " + message);
    supervisor.report("stopping what was started");
    const bool clean = supervisor.stop_all(false);
    std::size_t swept = sweep_marked(options.run_dir);
    (void)swept;
    if (clean) {
      std::error_code ec;
      fs::remove(lock_path(options.run_dir), ec);
      fs::remove(options.run_dir / "stack.json", ec);
    }
    return message == "interrupted" ? 130 : 1;
  }
  supervisor.watch();
  std::cerr << "scalelab real: stopping\n";
  if (supervisor.stop_all(true)) {
    std::error_code ec;
    fs::remove(options.run_dir / "stack.json", ec);
    // The lock goes last: `down` (which waits for this process) removes it too, after its own sweep.
  }
  return 0;
}

namespace
{
volatile std::sig_atomic_t g_up_interrupted = 0;
void on_up_signal(int)
{
  g_up_interrupted = 1;
}

// The run directory is for the stack alone: created, or one an earlier `up` made.
bool prepare_run_dir(const fs::path& run, std::ostream& out, std::ostream& err)
{
  std::error_code ec;
  if (fs::exists(run, ec) && !fs::is_empty(run, ec) && !fs::exists(run / ".scalelab-real", ec)) {
    err << "scalelab: " << run.string()
        << " is not empty and was not made by scalelab real up: choose another --dir (its content would be "
           "replaced)\n";
    return false;
  }
  fs::create_directories(run, ec);
  if (ec) {
    err << "scalelab: cannot create " << run.string() << ": " << ec.message() << '\n';
    return false;
  }
  std::ofstream(run / ".scalelab-real") << "a run directory of scalelab real up\n";
  const std::size_t leftovers = clean_up(run, read_lock(run));
  if (leftovers > 0)
    out << "stopped " << leftovers << " process(es) left by an earlier run in " << run.string() << '\n';
  for (const char* d : {"logs", "sock", "pg", "redis", "rabbitmq", "haproxy"})
    fs::remove_all(run / d, ec);
  return true;
}

// As root, PostgreSQL runs as user postgres, which must then reach the run directory.
bool postgres_can_reach(const models::TopologySpec& spec, const fs::path& run, std::ostream& err)
{
  bool has_database = false;
  for (const auto& service : spec.services)
    has_database = has_database || std::holds_alternative<models::DatabaseSpec>(service.kind);
  if (geteuid() != 0 || !has_database)
    return true;
  const auto pg = lookup_user("postgres");
  if (!pg) {
    err << "scalelab: there is no user postgres (PostgreSQL refuses to run as root): apt-get install postgresql\n";
    return false;
  }
  // The run directory must be reachable by user postgres (it owns RUN/pg): every parent searchable.
  SpawnOptions probe;
  probe.argv = {"test", "-x", run.string()};
  probe.user = pg;
  if (run_command(probe, 5s).status != 0) {
    err << "scalelab: user postgres cannot reach " << run.string()
        << " (PostgreSQL refuses to run as root, so it runs as postgres): choose a --dir whose parents are "
           "searchable by others, e.g. under /tmp\n";
    return false;
  }
  return true;
}

// Before anything starts: the programs the stack needs, no stack already up in the run directory, the directory
// itself, and (as root) a path user postgres can reach. 0 when `up` may go on, else its exit status.
int check_before_up(const models::TopologySpec& spec, const UpOptions& options, const std::string& shown,
                    std::ostream& out, std::ostream& err)
{
  try {
    const std::string missing = missing_programs(spec, options.programs_dir);
    if (!missing.empty()) {
      err << "scalelab: cannot start the stack of " << shown << ", missing:" << missing << '\n';
      return 2;
    }
  } catch (const std::exception& e) {
    err << "scalelab: " << e.what() << '\n';
    return 2;
  }
  const fs::path& run = options.run_dir;
  if (const auto lock = read_lock(run)) {
    if (lock->supervisor.pid > 0 && is_alive(lock->supervisor)) {
      err << "scalelab: a stack is already up in " << run.string() << " (supervisor PID " << lock->supervisor.pid
          << "): run scalelab real down --dir " << run.string() << " first\n";
      return 1;
    }
  }
  if (!prepare_run_dir(run, out, err))
    return 2;
  return postgres_can_reach(spec, run, err) ? 0 : 2;
}

// The supervisor: `scalelab real __supervise`, which writes its progress to `ready_fd` and "ok" once ready.
SpawnOptions supervisor_spawn_options(const UpOptions& options, int ready_fd)
{
  const fs::path& run = options.run_dir;
  SpawnOptions o;
  o.argv = {options.self.string(),
            "real",
            "__supervise",
            options.topology,
            "--dir",
            run.string(),
            "--programs",
            options.programs_dir.string(),
            "--ready-fd",
            std::to_string(ready_fd)};
  o.env[kRunMarker] = run.string();
  o.env["SCALELAB_REAL_UP_PID"] = std::to_string(getpid());
  o.output = (run / "logs" / "supervisor.log").string();
  o.new_session = true;            // Ctrl-C at the terminal reaches `up`, which stops it in order
  o.parent_death_signal = SIGTERM; // cleared once ready: while starting, `up` killed stops everything
  o.keep_fds = {ready_fd};
  return o;
}

// SIGINT and SIGTERM set g_up_interrupted while `up` waits for the supervisor; restore() puts the old ones back.
struct UpSignals {
  struct sigaction old_int {
  }, old_term{};
  void install()
  {
    struct sigaction action {
    };
    action.sa_handler = on_up_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
  }
  void restore()
  {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

// Shows the supervisor's progress lines until it closes `read_fd` (errors on `err`), and stops it if `up` is
// interrupted meanwhile. True if it said "ok" (ready).
bool relay_supervisor(int read_fd, const ProcessId& supervisor, std::ostream& out, std::ostream& err)
{
  std::string buffer, last;
  bool ok = false, signalled = false;
  for (;;) {
    if (g_up_interrupted && !signalled) {
      err << "scalelab: interrupted: stopping what was started\n";
      kill(supervisor.pid, SIGTERM);
      signalled = true;
    }
    pollfd p{read_fd, POLLIN, 0};
    const int r = poll(&p, 1, 100);
    if (r <= 0)
      continue;
    char chunk[1024];
    const ssize_t n = read(read_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t eol;
    while ((eol = buffer.find('\n')) != std::string::npos) {
      const std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      if (line == "ok") {
        ok = true;
        continue;
      }
      (line.rfind("error:", 0) == 0 ? err : out) << line << '\n';
      out.flush();
    }
  }
  return ok;
}

// Failed or interrupted: the supervisor stops what it started; wait for it, then sweep what is left.
int stop_failed_up(const ProcessId& supervisor, bool ok, const fs::path& run, UpSignals& signals, std::ostream& err)
{
  if (ok)
    kill(supervisor.pid, SIGTERM);
  wait_gone(supervisor, 90s);
  clean_up(run, read_lock(run));
  signals.restore();
  if (g_up_interrupted) {
    err << "scalelab: interrupted; everything started was stopped\n";
    return 130;
  }
  err << "scalelab: the stack did not start (logs in " << (run / "logs").string()
      << "); everything started was stopped\n";
  return 1;
}
} // namespace

int stack_up(const UpOptions& given, std::ostream& out, std::ostream& err)
{
  UpOptions options = given;
  std::error_code ec;
  options.run_dir = fs::weakly_canonical(fs::absolute(options.run_dir), ec);
  options.topology = fs::absolute(options.topology).string();
  const auto loaded = models::load_topology_file(options.topology);
  for (const auto& w : loaded.warnings)
    err << w.format() << '\n';
  for (const auto& e : loaded.errors)
    err << e.format() << '\n';
  if (!loaded.spec)
    return 2;
  if (const int status = check_before_up(*loaded.spec, options, given.topology, out, err); status != 0)
    return status;
  const fs::path& run = options.run_dir;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    err << "scalelab: pipe: " << std::strerror(errno) << '\n';
    return 1;
  }
  const SpawnOptions o = supervisor_spawn_options(options, pipe_fds[1]);
  fs::create_directories(run / "logs", ec);
  UpSignals signals;
  signals.install();
  ProcessId supervisor;
  try {
    supervisor = spawn(o);
  } catch (const std::exception& e) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    err << "scalelab: " << e.what() << '\n';
    return 1;
  }
  close(pipe_fds[1]);
  out << "starting the stack of " << given.topology << " in " << run.string() << " (supervisor PID " << supervisor.pid
      << ")\n";
  out.flush();
  const bool ok = relay_supervisor(pipe_fds[0], supervisor, out, err);
  close(pipe_fds[0]);
  if (ok && !g_up_interrupted) {
    signals.restore();
    out << "stack up; stop it with: scalelab real down --dir " << run.string() << '\n';
    return 0;
  }
  return stop_failed_up(supervisor, ok, run, signals, err);
}

int stack_down(const fs::path& given, std::ostream& out, std::ostream& err)
{
  std::error_code ec;
  const fs::path run = fs::weakly_canonical(fs::absolute(given), ec);
  const auto lock = read_lock(run);
  const std::size_t stopped = clean_up(run, lock);
  const auto left = processes_with_environment(kRunMarker, run.string());
  if (!left.empty()) {
    err << "scalelab: " << left.size() << " process(es) of " << run.string() << " could not be stopped:";
    for (const auto& p : left)
      err << ' ' << p.pid;
    err << '\n';
    return 1;
  }
  if (!lock && stopped == 0)
    out << "nothing was up in " << run.string() << '\n';
  else
    out << "stopped the stack in " << run.string() << '\n';
  return 0;
}

} // namespace scalelab::real
