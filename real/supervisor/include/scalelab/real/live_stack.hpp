#pragma once
// The live counterpart of a topology (docs/real-mode.md): which program runs each service instance, on which port
// of 127.0.0.1, with which configuration. Plain functions of the loaded spec; starting and stopping them is
// supervisor.hpp's.
#include "scalelab/models/spec.hpp"
#include "scalelab/real/stack.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace scalelab::real
{

struct LiveInstance {
  std::string role;  // frontend, primary, replica, cache, broker, api, worker
  std::string name;  // unique in the stack: lb, users, users_r1, cache, app-1, ...
  int port = 0;      // the port clients use
  int shard = -1;    // a sharded database's shard; -1: none
  int index = 0;     // the instance's position in the topology's instance order
  int primary = -1;  // replica: the position in `instances` of its primary
  int dist_port = 0; // queue: the Erlang distribution port
  int epmd_port = 0; // queue: the port of its own epmd
  double weight = 1; // api_server behind a weighted balancer
};

struct LiveService {
  std::string name;
  std::string kind;     // as in topology files: load_balancer, database, cache, queue, api_server, worker
  std::string software; // haproxy, postgresql, redis, rabbitmq, scalelab-api, scalelab-worker
  std::vector<LiveInstance> instances;
  const models::ServiceSpec* spec = nullptr;
};

struct LivePlan {
  std::vector<LiveService> services; // topology order
  const LiveService* find(const std::string& name) const;
  bool uses(const std::string& software) const;
};

// Maps the topology's services to live ones; `next_port` gives a free port on 127.0.0.1 each call. Throws
// std::runtime_error naming the service when a kind has no live counterpart (cdn).
LivePlan plan_stack(const models::TopologySpec& spec, const std::function<int()>& next_port);

// haproxy's `balance` line for a balancer's policy: round_robin roundrobin, least_connections leastconn, random
// random, power_of_two random(2), weighted roundrobin (with the servers' weights), sticky url_param user.
std::string haproxy_balance(const models::LoadBalancerSpec& balancer);
// haproxy.cfg of one balancer instance: a frontend on its port, its backends' instances with health checks
// (GET /health every 100 ms, down after 2 failures, up after 2 successes). stats_socket: empty for none.
std::string haproxy_config(const LivePlan& plan, const LiveService& balancer, const std::string& stats_socket);
// The same with the frontend bound to `bind` (address:port) and each backend instance at server(instance)
// (address:port): a Compose file's service names.
std::string haproxy_config(const LivePlan& plan, const LiveService& balancer, const std::string& stats_socket,
                           const std::string& bind, const std::function<std::string(const LiveInstance&)>& server);

// Lines appended to postgresql.conf of a database's primary (and, for a replica, what it must override from the
// primary's copy). socket_dir: empty for no Unix socket.
std::string postgres_primary_conf(const LiveService& database, const LiveInstance& primary,
                                  const std::string& socket_dir);
std::string postgres_replica_conf(const LiveInstance& replica, const std::string& socket_dir);
// synchronous_standby_names for a primary's replicas: '' (async), FIRST n (sync), ANY k (semi_sync).
std::string synchronous_standby_names(const LiveService& database, const LiveInstance& primary);

// redis-server's arguments (after the program name).
std::vector<std::string> redis_arguments(const LiveService& cache, const LiveInstance& instance,
                                         const std::string& data_dir);

// The command line that starts `program` (scalelab-api, scalelab-worker) for `instance` of `service`: what both
// programs take (apps/real/), the one place it is written for `up` and the Compose export:
// PROGRAM --topology FILE --service NAME --instance I --port P --stack STACK_FILE.
std::vector<std::string> program_arguments(const std::string& program, const std::string& topology,
                                           const LiveService& service, const LiveInstance& instance, int port,
                                           const std::string& stack_file);

// The plan as stack.json describes it (stack.hpp, the programs' reader's type); pids by instance name (0 when
// not started yet).
Stack stack_of(const LivePlan& plan, const std::string& run_dir, const std::string& topology,
               const std::map<std::string, int>& pids);

} // namespace scalelab::real
