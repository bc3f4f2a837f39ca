#pragma once
// RUN/stack.json, the live services of a run (docs/real-mode.md#stackjson): written by `scalelab real up`'s
// supervisor (and `real export`), read by the programs (scalelab-api, scalelab-worker, scalelab-loadgen). One type
// and one reader/writer for both sides:
// {"run_dir", "topology", "services": {NAME: {"kind", "software", "instances": [{"host", "port", "pid", "role",
// "name", ...}]}}}.
#include <string>
#include <vector>

namespace scalelab::real
{

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  int pid = 0;          // the process serving the instance; 0 when not started yet
  std::string role;     // frontend, primary, replica, cache, broker, api, worker
  std::string name;     // unique in the stack (a replica's is its application_name)
  int shard = -1;       // a sharded database's shard; -1: none
  std::string primary;  // a replica: its primary's name
  std::string user;     // postgresql, rabbitmq: whom to connect as (empty: the client's default)
  std::string password; // rabbitmq
  int dist_port = 0;    // rabbitmq: the Erlang distribution port
  int epmd_port = 0;    // rabbitmq: its own epmd
};

struct StackService {
  std::string name;
  std::string kind;                // as in topology files: load_balancer, api_server, database, cache, queue, worker
  std::string software;            // haproxy, scalelab-api, postgresql, redis, rabbitmq, scalelab-worker
  std::vector<Endpoint> instances; // in the topology's instance order
};

struct Stack {
  std::string run_dir;
  std::string topology;               // the topology file, absolute
  std::vector<StackService> services; // in the topology's order
  const StackService* find(const std::string& name) const;
};

// The file's text (JSON, two-space indented, keys in a fixed order, a final newline).
std::string stack_to_json(const Stack& stack);
// Writes the file atomically (a temporary file renamed over it). Throws std::runtime_error.
void write_stack(const std::string& path, const Stack& stack);

// Throw std::runtime_error with the file and what is wrong.
Stack load_stack(const std::string& path);
Stack parse_stack(const std::string& json_text, const std::string& label);

} // namespace scalelab::real
