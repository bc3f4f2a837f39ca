#include "scalelab/real/live_stack.hpp"

#include "scalelab/models/cache.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace scalelab::real
{

namespace
{

template <class... F> struct Overloaded : F... {
  using F::operator()...;
};
template <class... F> Overloaded(F...) -> Overloaded<F...>;

// Names usable as PostgreSQL slot and application names: lower case letters, digits and underscores.
std::string slot_safe(const std::string& name)
{
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                                       : '_';
  return out;
}

LiveInstance instance(const std::string& role, const std::string& name, int port, int index)
{
  LiveInstance i;
  i.role = role;
  i.name = name;
  i.port = port;
  i.index = index;
  return i;
}

std::string sql_quote(const std::string& s)
{
  return "'" + s + "'";
}

} // namespace

const LiveService* LivePlan::find(const std::string& name) const
{
  for (const auto& s : services)
    if (s.name == name)
      return &s;
  return nullptr;
}

bool LivePlan::uses(const std::string& software) const
{
  return std::any_of(services.begin(), services.end(), [&](const LiveService& s) { return s.software == software; });
}

LivePlan plan_stack(const models::TopologySpec& spec, const std::function<int()>& next_port)
{
  LivePlan plan;
  for (const auto& service : spec.services) {
    LiveService live;
    live.name = service.name;
    live.kind = models::kind_name(service.kind);
    live.spec = &service;
    const auto numbered = [&](const std::string& role, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i)
        live.instances.push_back(instance(
            role,
            count == 1 && role != "api" && role != "worker" ? service.name : service.name + "-" + std::to_string(i + 1),
            next_port(), static_cast<int>(i)));
    };
    std::visit(Overloaded{
                   [&](const models::LoadBalancerSpec&) {
                     live.software = "haproxy";
                     numbered("frontend", 1);
                   },
                   [&](const models::ApiServerSpec& api) {
                     live.software = "scalelab-api";
                     numbered("api", api.hosts.size());
                   },
                   [&](const models::WorkerSpec& worker) {
                     live.software = "scalelab-worker";
                     numbered("worker", worker.hosts.size());
                   },
                   [&](const models::CacheSpec&) {
                     live.software = "redis";
                     numbered("cache", 1);
                   },
                   [&](const models::QueueSpec&) {
                     live.software = "rabbitmq";
                     numbered("broker", 1);
                     live.instances.back().dist_port = next_port();
                     live.instances.back().epmd_port = next_port();
                   },
                   [&](const models::DatabaseSpec& db) {
                     live.software = "postgresql";
                     const std::size_t shards = db.shard_count();
                     const std::size_t replicas = db.replicas_per_shard();
                     int index = 0;
                     for (std::size_t s = 0; s < shards; ++s) {
                       const std::string base = db.shards ? service.name + "_s" + std::to_string(s + 1) : service.name;
                       const int primary = static_cast<int>(live.instances.size());
                       auto p = instance("primary", slot_safe(base), next_port(), index++);
                       p.shard = db.shards ? static_cast<int>(s) : -1;
                       live.instances.push_back(p);
                       for (std::size_t r = 0; r < replicas; ++r) {
                         auto replica =
                             instance("replica", slot_safe(base + "_r" + std::to_string(r + 1)), next_port(), index++);
                         replica.shard = p.shard;
                         replica.primary = primary;
                         live.instances.push_back(replica);
                       }
                     }
                   },
                   [&](const models::CdnSpec&) {
                     throw std::runtime_error("service " + service.name +
                                              ": kind cdn has no live counterpart yet (docs/real-mode.md)");
                   },
               },
               service.kind);
    plan.services.push_back(std::move(live));
  }
  // Weighted balancers: each backend instance's weight.
  for (const auto& live : plan.services) {
    const auto* balancer = std::get_if<models::LoadBalancerSpec>(&live.spec->kind);
    if (!balancer || balancer->weights.empty())
      continue;
    for (auto& backend : plan.services)
      if (backend.name == balancer->backends)
        for (std::size_t i = 0; i < backend.instances.size() && i < balancer->weights.size(); ++i)
          backend.instances[i].weight = balancer->weights[i];
  }
  return plan;
}

std::string haproxy_balance(const models::LoadBalancerSpec& balancer)
{
  if (balancer.sticky)
    return "url_param user"; // a user's requests to one backend, by the hash of their user
  switch (balancer.policy) {
  case models::BalancingPolicy::round_robin:
  case models::BalancingPolicy::weighted:
    return "roundrobin";
  case models::BalancingPolicy::least_connections:
    return "leastconn";
  case models::BalancingPolicy::random:
    return "random";
  case models::BalancingPolicy::power_of_two:
    return "random(2)";
  }
  return "roundrobin";
}

std::string haproxy_config(const LivePlan& plan, const LiveService& balancer, const std::string& stats_socket)
{
  return haproxy_config(plan, balancer, stats_socket, "127.0.0.1:" + std::to_string(balancer.instances.front().port),
                        [](const LiveInstance& i) { return "127.0.0.1:" + std::to_string(i.port); });
}

std::string haproxy_config(const LivePlan& plan, const LiveService& balancer, const std::string& stats_socket,
                           const std::string& bind, const std::function<std::string(const LiveInstance&)>& server)
{
  const auto& lb = std::get<models::LoadBalancerSpec>(balancer.spec->kind);
  const LiveService* backends = plan.find(lb.backends);
  if (!backends)
    throw std::runtime_error("balancer " + balancer.name + ": no backend service " + lb.backends);
  double max_weight = 0;
  for (const auto& i : backends->instances)
    max_weight = std::max(max_weight, i.weight);
  std::ostringstream out;
  out << "# haproxy.cfg of the load_balancer " << balancer.name << ", written by scalelab real up\n"
      << "global\n"
      << "  maxconn 4096\n";
  if (!stats_socket.empty())
    out << "  stats socket " << stats_socket << " mode 600 level admin\n";
  out << "\ndefaults\n"
      << "  mode http\n"
      << "  timeout connect 2s\n"
      << "  timeout client 60s\n"
      << "  timeout server 60s\n"
      << "  option http-keep-alive\n"
      << "\nfrontend " << balancer.name << "\n"
      << "  bind " << bind << "\n"
      << "  default_backend " << backends->name << "\n"
      << "\nbackend " << backends->name << "\n"
      << "  balance " << haproxy_balance(lb) << "\n"
      << "  option httpchk GET /health\n"
      << "  default-server check inter 100ms fall 2 rise 2\n";
  for (const auto& i : backends->instances) {
    out << "  server " << i.name << " " << server(i);
    if (!lb.weights.empty() && max_weight > 0)
      out << " weight " << std::max(1, static_cast<int>(std::lround(i.weight / max_weight * 256)));
    out << "\n";
  }
  return out.str();
}

std::string synchronous_standby_names(const LiveService& database, const LiveInstance& primary)
{
  const auto& db = std::get<models::DatabaseSpec>(database.spec->kind);
  std::vector<std::string> names;
  for (const auto& i : database.instances)
    if (i.role == "replica" && i.primary >= 0 && &database.instances[static_cast<std::size_t>(i.primary)] == &primary)
      names.push_back(i.name);
  if (names.empty() || db.replication.mode == models::ReplicationMode::async)
    return "";
  std::string list;
  for (const auto& n : names)
    list += (list.empty() ? "" : ", ") + n;
  if (db.replication.mode == models::ReplicationMode::sync)
    return "FIRST " + std::to_string(names.size()) + " (" + list + ")";
  return "ANY " + std::to_string(std::min<std::size_t>(static_cast<std::size_t>(db.replication.k), names.size())) +
         " (" + list + ")";
}

std::string postgres_primary_conf(const LiveService& database, const LiveInstance& primary,
                                  const std::string& socket_dir)
{
  std::ostringstream out;
  out << "\n# written by scalelab real up\n"
      << "port = " << primary.port << "\n"
      << "listen_addresses = '127.0.0.1'\n"
      << "unix_socket_directories = " << sql_quote(socket_dir) << "\n"
      << "wal_level = replica\n"
      << "max_wal_senders = 16\n"
      << "max_replication_slots = 16\n"
      << "hot_standby = on\n"
      << "wal_log_hints = on\n"
      << "wal_retrieve_retry_interval = '100ms'\n";
  const std::string names = synchronous_standby_names(database, primary);
  if (!names.empty())
    out << "synchronous_standby_names = " << sql_quote(names) << "\n"
        << "synchronous_commit = remote_apply\n"; // the model's sync acknowledges after the replicas' apply
  return out.str();
}

std::string postgres_replica_conf(const LiveInstance& replica, const std::string& socket_dir)
{
  std::ostringstream out;
  out << "\n# the replica " << replica.name << ", written by scalelab real up\n"
      << "port = " << replica.port << "\n"
      << "unix_socket_directories = " << sql_quote(socket_dir) << "\n"
      << "wal_retrieve_retry_interval = '100ms'\n"
      << "synchronous_standby_names = ''\n" // a promoted replica must not wait for standbys it does not have
      << "cluster_name = " << sql_quote(replica.name) << "\n";
  return out.str();
}

std::vector<std::string> redis_arguments(const LiveService& cache, const LiveInstance& instance,
                                         const std::string& data_dir)
{
  const auto& spec = std::get<models::CacheSpec>(cache.spec->kind);
  // Redis counts bytes: the model's memory when given, else its capacity in entries times an entry's size (its
  // key and value and about 64 bytes of Redis's own per key).
  const double bytes =
      spec.memory ? *spec.memory : static_cast<double>(spec.capacity) * (spec.key_size + spec.value_size + 64);
  std::string policy = "allkeys-lru";
  switch (spec.eviction) {
  case models::CacheEviction::lru:
  case models::CacheEviction::fifo: // Redis has no FIFO eviction: LRU is the nearest
    policy = "allkeys-lru";
    break;
  case models::CacheEviction::lfu:
    policy = "allkeys-lfu";
    break;
  case models::CacheEviction::random:
    policy = "allkeys-random";
    break;
  }
  return {"--bind",
          "127.0.0.1",
          "--port",
          std::to_string(instance.port),
          "--save",
          "",
          "--appendonly",
          "no",
          "--daemonize",
          "no",
          "--protected-mode",
          "yes",
          "--dir",
          data_dir,
          "--maxmemory",
          std::to_string(static_cast<long long>(std::max(bytes, 1048576.0))),
          "--maxmemory-policy",
          policy};
}

std::vector<std::string> program_arguments(const std::string& program, const std::string& topology,
                                           const LiveService& service, const LiveInstance& instance, int port,
                                           const std::string& stack_file)
{
  return {program,
          "--topology",
          topology,
          "--service",
          service.name,
          "--instance",
          std::to_string(instance.index),
          "--port",
          std::to_string(port),
          "--stack",
          stack_file};
}

Stack stack_of(const LivePlan& plan, const std::string& run_dir, const std::string& topology,
               const std::map<std::string, int>& pids)
{
  Stack stack;
  stack.run_dir = run_dir;
  stack.topology = topology;
  for (const auto& s : plan.services) {
    StackService service;
    service.name = s.name;
    service.kind = s.kind;
    service.software = s.software;
    for (const auto& i : s.instances) {
      Endpoint e;
      e.port = i.port;
      const auto pid = pids.find(i.name);
      e.pid = pid == pids.end() ? 0 : pid->second;
      e.role = i.role;
      e.name = i.name;
      e.shard = i.shard;
      if (i.primary >= 0)
        e.primary = s.instances[static_cast<std::size_t>(i.primary)].name;
      if (s.software == "postgresql")
        e.user = "postgres";
      if (s.software == "rabbitmq") {
        e.user = "guest";
        e.password = "guest";
        e.dist_port = i.dist_port;
        e.epmd_port = i.epmd_port;
      }
      service.instances.push_back(std::move(e));
    }
    stack.services.push_back(std::move(service));
  }
  return stack;
}

} // namespace scalelab::real
