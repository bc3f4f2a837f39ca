// scalelab real up|down|export: the live stack of a topology on this machine (docs/real-mode.md).
#include "real_command.hpp"
#include "real_run.hpp"

#include "common.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/real/compose_export.hpp"
#include "scalelab/real/supervisor.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

namespace fs = std::filesystem;

namespace scalelab::app
{

namespace
{

const char* const kRealHelp = R"(usage: scalelab real <command> [options]

Runs the architecture of a topology file as live services on this machine, on 127.0.0.1 only
(docs/real-mode.md).

commands:
  up FILE [--dir RUN] [--programs DIR]
                starts the stack: haproxy for each load_balancer, a PostgreSQL primary and its streaming
                replicas for each database, Redis for each cache, RabbitMQ for each queue, scalelab-api for
                each api_server instance and scalelab-worker for each worker instance; waits until each is
                ready, writes RUN/stack.json (every service's ports and PIDs) and returns while the stack runs
  down [--dir RUN]
                stops everything the stack in RUN started, and whatever an interrupted run left
  run FILE [--run-dir RUN] [--duration S] [--out DIR] [--rate R] [--realtime P]
                starts the stack, sends it the topology's workload (open loop), writes DIR/results.json
                (a simulation's schema, plus each live process's CPU and the versions used), prints the
                table of a simulation run and stops the stack (also on an error or Ctrl-C); run --help
  calibrate FILE [--run-dir RUN] [--out CAL.yaml]
                measures each step kind's cost alone at low load on the live stack and writes a
                calibration file that scalelab run FILE --calibration CAL.yaml reads; calibrate --help
  validate FILE [--calibration CAL.yaml] [--levels 20,40,60,80,90] [--out DIR]
                the calibrated simulation against the live stack at fractions of the saturation: a
                table of the errors in throughput and latency; validate --help
  export FILE --compose DIR [--source SRC]
                writes DIR/docker-compose.yml with the same services and configuration, for a machine with
                a Docker engine (the programs' image is built from SRC/docker/real.Dockerfile)

options:
  --dir RUN       the run directory: data, configuration, logs, stack.json, stack.lock
                  (default: scalelab-real in the current directory)
  --programs DIR  where scalelab-api and scalelab-worker are (default: beside this program)
  --source SRC    the project's checkout, the build context of the programs' image (default: the one this
                  program was built from)
)";

struct Parsed {
  std::vector<std::string> positional;
  std::optional<std::string> dir, programs, compose, source, ready_fd;
  std::string error;
};

Parsed parse(const std::vector<std::string>& args, std::size_t from)
{
  Parsed p;
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::optional<std::string>& into) {
      if (i + 1 >= args.size())
        p.error = a + " needs a value";
      else
        into = args[++i];
    };
    if (a == "--dir")
      value(p.dir);
    else if (a == "--programs")
      value(p.programs);
    else if (a == "--compose")
      value(p.compose);
    else if (a == "--source")
      value(p.source);
    else if (a == "--ready-fd")
      value(p.ready_fd);
    else if (!a.empty() && a[0] == '-')
      p.error = "unknown option " + a;
    else
      p.positional.push_back(a);
    if (!p.error.empty())
      break;
  }
  return p;
}

fs::path default_run_dir()
{
  return fs::current_path() / "scalelab-real";
}

} // namespace

int cmd_real(const std::vector<std::string>& args)
{
  if (args.empty())
    return usage_error("real needs a command: up, down or export", kRealHelp);
  if (is_help(args[0])) {
    std::cout << kRealHelp;
    return kOk;
  }
  const std::string command = args[0];
  if (command == "run")
    return cmd_real_run(std::vector<std::string>(args.begin() + 1, args.end()));
  if (command == "calibrate")
    return cmd_real_calibrate(std::vector<std::string>(args.begin() + 1, args.end()));
  if (command == "validate")
    return cmd_real_validate(std::vector<std::string>(args.begin() + 1, args.end()));
  for (const auto& a : args)
    if (is_help(a)) {
      std::cout << kRealHelp;
      return kOk;
    }
  const Parsed p = parse(args, 1);
  if (!p.error.empty())
    return usage_error(p.error, kRealHelp);

  if (command == "up" || command == "__supervise") {
    if (p.positional.size() != 1)
      return usage_error("real up takes one FILE", kRealHelp);
    real::UpOptions options;
    options.topology = p.positional[0];
    options.run_dir = p.dir ? fs::path(*p.dir) : default_run_dir();
    options.self = self_executable();
    options.programs_dir = p.programs ? fs::absolute(*p.programs) : options.self.parent_path();
    if (command == "__supervise") // started by `up`, in a session of its own
      return real::stack_supervise(options, p.ready_fd ? std::atoi(p.ready_fd->c_str()) : -1);
    return real::stack_up(options, std::cout, std::cerr);
  }
  if (command == "down") {
    if (!p.positional.empty())
      return usage_error("real down takes no FILE, only --dir RUN", kRealHelp);
    return real::stack_down(p.dir ? fs::path(*p.dir) : default_run_dir(), std::cout, std::cerr);
  }
  if (command == "export") {
    if (p.positional.size() != 1 || !p.compose)
      return usage_error("real export takes one FILE and --compose DIR", kRealHelp);
    const auto loaded = models::load_topology_file(p.positional[0]);
    print_diagnostics(loaded.errors, loaded.warnings);
    if (!loaded.spec)
      return kBadInput;
    const fs::path source = p.source ? fs::path(*p.source) : fs::path(SCALELAB_SOURCE_DIR);
    if (!fs::exists(source / "docker" / "real.Dockerfile")) {
      std::cerr << "scalelab: " << (source / "docker" / "real.Dockerfile").string()
                << " not found: name the project's checkout with --source\n";
      return kBadInput;
    }
    try {
      real::write_compose_export(*loaded.spec, p.positional[0], source, *p.compose);
    } catch (const std::exception& e) {
      std::cerr << "scalelab: " << e.what() << '\n';
      return kBadInput;
    }
    std::cout << "wrote " << (fs::path(*p.compose) / "docker-compose.yml").string() << '\n';
    return kOk;
  }
  return usage_error("unknown real command \"" + command + "\"", kRealHelp);
}

} // namespace scalelab::app
