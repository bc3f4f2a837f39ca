#pragma once
// What the simulation asks of each service kind, declared once: every function below has one overload per
// kind of models::ServiceKind, written beside that kind's component (components.cpp, cache.cpp), and is
// called through std::visit, so a kind added to the variant without its overloads does not compile.
#include "world.hpp"

#include "scalelab/models/results.hpp"

#include <functional>
#include <memory>
#include <string>

namespace scalelab::sim
{

// Builds the instances of one service: places components on hosts, each with its own random stream.
class ServiceBuilder
{
public:
  using AddComponent = std::function<std::uint32_t(std::unique_ptr<Component>, std::uint32_t host)>;
  ServiceBuilder(World& in, std::uint32_t index, const models::HostIndex& hosts, AddComponent add)
      : world(in), service(index), hosts_(hosts), add_(std::move(add))
  {
  }
  std::uint32_t host(const std::string& name) const { return static_cast<std::uint32_t>(hosts_.at(name)); }
  double core_speed(std::uint32_t host) const { return world.spec.hardware.hosts[host].speed; }
  // The seed of a random stream named `stream` (a service's name, or name#instance): adding a service does not
  // change the others' numbers.
  std::uint64_t seed(const std::string& stream) const;
  // Places an instance of the service on `host`.
  void add(std::unique_ptr<Component> component, std::uint32_t host);

  World& world;
  const std::uint32_t service;

private:
  const models::HostIndex& hosts_;
  AddComponent add_;
};

// A stable stream id from a name (FNV-1a).
std::uint64_t stream_id(const std::string& name);

void build(const models::LoadBalancerSpec& spec, ServiceBuilder& b);
void build(const models::ApiServerSpec& spec, ServiceBuilder& b);
void build(const models::DatabaseSpec& spec, ServiceBuilder& b);
void build(const models::CacheSpec& spec, ServiceBuilder& b);
void build(const models::QueueSpec& spec, ServiceBuilder& b);
void build(const models::WorkerSpec& spec, ServiceBuilder& b);
void build(const models::CdnSpec& spec, ServiceBuilder& b);

// Kinds built after every other (a balancer needs its backends' instances).
inline bool built_last(const models::LoadBalancerSpec&)
{
  return true;
}
inline bool built_last(const models::ApiServerSpec&)
{
  return false;
}
inline bool built_last(const models::DatabaseSpec&)
{
  return false;
}
inline bool built_last(const models::CacheSpec&)
{
  return false;
}
inline bool built_last(const models::QueueSpec&) // it needs its consumers' instances
{
  return true;
}
inline bool built_last(const models::WorkerSpec&)
{
  return false;
}
inline bool built_last(const models::CdnSpec&)
{
  return false;
}

// The kind's part of a service's results: its capacity (workers, connections; 0 when unbounded) and any
// section of its own.
void report(const models::LoadBalancerSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::ApiServerSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::DatabaseSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::CacheSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::QueueSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::WorkerSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);
void report(const models::CdnSpec& spec, const World& world, std::uint32_t service, models::ServiceResult& r);

} // namespace scalelab::sim
