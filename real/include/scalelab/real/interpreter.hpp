#pragma once
// The real mode's step interpreter: runs a request type's step list of one api_server or worker instance on this
// machine, as the simulator runs it in simulated time. A cpu step burns calibrated CPU time on one of the
// host's cores; a delay step sleeps; a cache step, a db_read, a db_write and a publish go to the live
// services through a Backends, their targets decided by models/decisions.hpp, as in the simulator.
#include "scalelab/models/decisions.hpp"
#include "scalelab/models/spec.hpp"
#include "scalelab/real/cpu_burn.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::real
{

// What a step's service answered: an empty cause is success; otherwise a cause as results.json's errors
// give them (cache_down, db_down, queue_down, not_in_stack, ...).
struct Outcome {
  std::string cause;
  bool ok() const { return cause.empty(); }
};

// The live services, as the interpreter sees them. Implementations are thread-safe.
class Backends
{
public:
  virtual ~Backends() = default;
  virtual Outcome cache_get(const std::string& cache, std::uint64_t key, bool& hit, std::uint64_t& version) = 0;
  virtual Outcome cache_set(const std::string& cache, std::uint64_t key, std::uint64_t version) = 0;
  virtual Outcome cache_erase(const std::string& cache, std::uint64_t key) = 0;
  // instance: in the database's instance order (models::DataTarget::instance()).
  virtual Outcome db_read(const std::string& db, std::size_t instance, std::uint64_t key, std::uint64_t& version) = 0;
  virtual Outcome db_write(const std::string& db, std::size_t instance, std::uint64_t key, std::uint64_t& version) = 0;
  virtual Outcome publish(const std::string& queue, const std::string& job, std::uint64_t key) = 0;
};

// A counting semaphore: the host's cores.
class Cores
{
public:
  explicit Cores(int n) : free_(n) {}
  void acquire();
  void release();

private:
  std::mutex m_;
  std::condition_variable cv_;
  int free_;
};

class Interpreter
{
public:
  // `service` names an api_server or a worker pool of spec, `instance` its instance (0-based). backends may be
  // null: then only cpu and delay steps run, and the others fail with not_in_stack. Throws std::invalid_argument
  // for a service of another kind or an instance out of range.
  Interpreter(const models::TopologySpec& spec, const std::string& service, std::size_t instance,
              const CpuBurner& burner, Backends* backends);

  struct Result {
    Outcome outcome;
    double cpu_seconds = 0; // burnt by cpu steps
  };
  // Runs request type `type` for `key` and `user`. Decisions are appended to `decisions` when given.
  Result run(std::uint32_t type, std::uint64_t key, std::uint32_t user,
             std::vector<models::Decision>* decisions = nullptr);

  // The request type's steps this interpreter cannot run (a call to another service, a forward), as messages;
  // empty when all can run.
  std::vector<std::string> unsupported_steps() const;
  // A replica of `database`'s shard `shard` was promoted (0-based among the shard's replicas): what went to the
  // shard's primary (writes, reads from the primary) goes to it from now on, and the read policy leaves it out
  // (models::DatabaseRouting::promoted, as the simulated caller does on the announcement). Thread-safe.
  void promoted(const std::string& database, std::uint32_t shard, int replica);
  double host_speed() const { return speed_; }
  int host_cores() const { return cores_count_; }

private:
  const models::TopologySpec& spec_;
  const CpuBurner& burner_;
  Backends* backends_;
  double speed_ = 1e9;
  int cores_count_ = 1;
  std::unique_ptr<Cores> cores_;
  std::mutex decide_; // the random stream and the routers are shared by the worker threads
  models::Rng rng_;
  std::vector<std::optional<models::DatabaseRouting>> routing_; // by service index
  std::vector<std::vector<int>> primary_;                       // by service index, then shard: the promoted replica
};

} // namespace scalelab::real
