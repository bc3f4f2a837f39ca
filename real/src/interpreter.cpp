#include "scalelab/real/interpreter.hpp"

#include "scalelab/models/random.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace scalelab::real
{

using models::Decision;

void Cores::acquire()
{
  std::unique_lock lock(m_);
  cv_.wait(lock, [this] { return free_ > 0; });
  --free_;
}

void Cores::release()
{
  {
    std::lock_guard lock(m_);
    ++free_;
  }
  cv_.notify_one();
}

namespace
{
// The hosts of an api_server's or a worker pool's instances: the two kinds whose instances run step lists.
std::vector<std::string> step_running_hosts(const models::TopologySpec& spec, const std::string& service)
{
  const auto* s = spec.find_service(service);
  if (!s)
    throw std::invalid_argument("no service named '" + service + "' in " + spec.file);
  if (const auto* api = std::get_if<models::ApiServerSpec>(&s->kind))
    return api->hosts;
  if (const auto* worker = std::get_if<models::WorkerSpec>(&s->kind))
    return worker->hosts;
  throw std::invalid_argument("service '" + service + "' is a " + models::kind_name(s->kind) +
                              ", not an api_server or a worker");
}

// The random stream of the instance, named as the simulator names it ("app#0": the service and the
// instance from 0), so that the same trace draws the same numbers.
std::uint64_t stream_seed(std::uint64_t seed, const std::string& name)
{
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return models::Rng::derive(seed, h).next_u64();
}
} // namespace

Interpreter::Interpreter(const models::TopologySpec& spec, const std::string& service, std::size_t instance,
                         const CpuBurner& burner, Backends* backends)
    : spec_(spec), burner_(burner), backends_(backends),
      rng_(stream_seed(spec.seed, service + "#" + std::to_string(instance)))
{
  const auto hosts = step_running_hosts(spec, service);
  if (instance >= hosts.size())
    throw std::invalid_argument("service '" + service + "' has " + std::to_string(hosts.size()) +
                                " instances; instance " + std::to_string(instance) + " is out of range");
  const auto* host = spec.find_host(hosts[instance]);
  speed_ = host->speed;
  cores_count_ = host->cores;
  cores_ = std::make_unique<Cores>(cores_count_);
  routing_.resize(spec.services.size());
  primary_.resize(spec.services.size());
  for (std::size_t s = 0; s < spec.services.size(); ++s)
    if (const auto* db = std::get_if<models::DatabaseSpec>(&spec.services[s].kind))
      routing_[s].emplace(*db);
}

void Interpreter::promoted(const std::string& database, std::uint32_t shard, int replica)
{
  const std::size_t s = spec_.index_of_service(database);
  const auto* db = s < spec_.services.size() ? std::get_if<models::DatabaseSpec>(&spec_.services[s].kind) : nullptr;
  if (!db || shard >= db->shard_count() || replica < 0 || static_cast<std::size_t>(replica) >= db->replicas_per_shard())
    throw std::invalid_argument("no replica " + std::to_string(replica) + " of shard " + std::to_string(shard) +
                                " of a database '" + database + "'");
  std::lock_guard lock(decide_);
  routing_[s]->promoted(shard, replica);
  primary_[s].resize(db->shard_count(), -1);
  primary_[s][shard] = replica;
}

std::vector<std::string> Interpreter::unsupported_steps() const
{
  std::vector<std::string> out;
  for (const auto& type : spec_.requests)
    for (std::size_t i = 0; i < type.steps.size(); ++i) {
      const auto& step = type.steps[i].step;
      const auto* call = std::get_if<models::CallStep>(&step);
      if ((call && call->op == models::CallStep::Op::request) || std::holds_alternative<models::ForwardStep>(step))
        out.push_back(type.name + " step " + std::to_string(i + 1) +
                      ": calls to other services and forwards are not run in the real mode yet");
    }
  return out;
}

Interpreter::Result Interpreter::run(std::uint32_t type, std::uint64_t key, std::uint32_t user,
                                     std::vector<Decision>* decisions)
{
  Result result;
  const auto& steps = spec_.requests.at(type).steps;
  std::uint64_t version = 0; // the version of the key the request last read or wrote
  auto note = [&](Decision::What what, std::size_t pc, models::DataTarget t = {}) {
    if (decisions)
      decisions->push_back(Decision{what, pc, t});
  };
  auto fail = [&](std::string cause) {
    result.outcome.cause = std::move(cause);
    return result;
  };
  auto need = [&]() -> bool { return backends_ != nullptr; };
  for (std::size_t pc = 0; pc < steps.size();) {
    const auto& step = steps[pc].step;
    if (const auto* cpu = std::get_if<models::CpuStep>(&step)) {
      double seconds = 0;
      if (cpu->flops) {
        seconds = *cpu->flops / speed_;
      } else {
        std::lock_guard lock(decide_);
        seconds = models::to_seconds(models::sample_duration(cpu->time, rng_));
      }
      note(Decision::What::cpu, pc);
      cores_->acquire();
      const double t0 = thread_cpu_seconds();
      burner_.burn(seconds);
      result.cpu_seconds += thread_cpu_seconds() - t0;
      cores_->release();
      ++pc;
    } else if (const auto* delay = std::get_if<models::DelayStep>(&step)) {
      models::SimTime t;
      {
        std::lock_guard lock(decide_);
        t = models::sample_duration(delay->time, rng_);
      }
      std::this_thread::sleep_for(std::chrono::nanoseconds(t));
      ++pc;
    } else if (const auto* cache = std::get_if<models::CacheStep>(&step)) {
      if (!need())
        return fail("not_in_stack");
      Outcome o;
      if (cache->op == models::CacheStep::Op::get) {
        bool hit = false;
        std::uint64_t cached = 0;
        o = backends_->cache_get(cache->service, key, hit, cached);
        if (!o.ok())
          return fail(o.cause);
        if (hit)
          version = cached;
        note(hit ? Decision::What::cache_hit : Decision::What::cache_miss, pc);
        pc = models::after_cache_get(pc, *cache, hit);
        continue;
      }
      if (cache->op == models::CacheStep::Op::set) {
        note(Decision::What::cache_set, pc);
        o = backends_->cache_set(cache->service, key, version);
      } else {
        note(Decision::What::cache_erase, pc);
        o = backends_->cache_erase(cache->service, key);
      }
      if (!o.ok())
        return fail(o.cause);
      ++pc;
    } else if (const auto* call = std::get_if<models::CallStep>(&step)) {
      if (call->op == models::CallStep::Op::request)
        return fail("not_supported");
      if (!need())
        return fail("not_in_stack");
      const std::size_t s = spec_.index_of_service(call->service);
      const auto& db = std::get<models::DatabaseSpec>(spec_.services[s].kind);
      models::DataTarget target;
      {
        std::lock_guard lock(decide_);
        target = routing_[s]->route(call->op, key, user, rng_);
      }
      const bool read = call->op == models::CallStep::Op::db_read;
      note(read ? Decision::What::db_read : Decision::What::db_write, pc, target);
      std::size_t instance = target.instance(db.replicas_per_shard());
      if (target.replica == models::ReadRouter::kPrimary) {
        std::lock_guard lock(decide_);
        if (target.shard < primary_[s].size() && primary_[s][target.shard] >= 0)
          instance += static_cast<std::size_t>(primary_[s][target.shard]) + 1;
      }
      const Outcome o = read ? backends_->db_read(call->service, instance, key, version)
                             : backends_->db_write(call->service, instance, key, version);
      if (read) {
        std::lock_guard lock(decide_);
        routing_[s]->read_done(target);
      }
      if (!o.ok())
        return fail(o.cause);
      ++pc;
    } else if (const auto* publish = std::get_if<models::PublishStep>(&step)) {
      if (!need())
        return fail("not_in_stack");
      note(Decision::What::publish, pc);
      const Outcome o = backends_->publish(publish->queue, publish->job, key);
      if (!o.ok())
        return fail(o.cause);
      ++pc;
    } else {
      return fail("not_supported"); // a forward
    }
  }
  return result;
}

} // namespace scalelab::real
