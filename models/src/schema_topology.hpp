#pragma once
// The declaration of the topology file format (schema_topology.cpp) and what reading it yields: the spec's
// values plus the names still to resolve (hosts, services, request types), each with its position in the
// file, so that the loader can check references across sections and point at the offending text.
#include "schema.hpp"

#include "scalelab/models/spec.hpp"

#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace scalelab::models::schema
{

// A name written in the file that refers to something declared elsewhere.
struct NameRef {
  std::string name;
  YAML::Mark mark;
};

struct HostRaw {
  HostSpec spec; // spec.name is the name as written (the group when count > 1)
  int count = 1;
  Entries entries;
};

struct SwitchRaw {
  SwitchSpec spec; // spec.name is the name as written (the group when count > 1)
  int count = 1;
  Entries entries;
};

struct LinkRaw {
  LinkSpec spec; // spec.name as written, empty when not given; a and b are set once the ends are resolved
  std::vector<NameRef> between;
  Entries entries;
};

struct RouteRaw {
  RouteSpec spec; // symmetric; from, to and links once resolved
  std::optional<NameRef> from, to;
  std::vector<NameRef> links;
  Entries entries;
};

struct UsersRaw {
  UsersSpec spec; // latency
  std::optional<NameRef> attach;
  std::optional<NameRef> zone;
  Entries entries;
};

struct NetworkRaw {
  NetworkSpec spec; // everything but datacenters, which are resolved with their positions
  std::vector<NameRef> datacenters;
  bool datacenters_ok = false; // read, at least two and no repeats
  bool wan_latency_ok = false; // read as a list of lists of durations (its shape is checked afterwards)
  bool shape_ok = false;       // the shape is known (given or the default), even if other keys had errors
  Entries entries;
};

// A list of records read item by item.
template <class R> struct RawList {
  std::vector<R> items;
  bool ok = false; // the list and every item read without error
};

struct HardwareRaw {
  RawList<HostRaw> hosts;
  NetworkRaw network;
  RawList<SwitchRaw> switches;
  RawList<LinkRaw> links;
  RawList<RouteRaw> routes;
  std::optional<UsersRaw> users;
  std::optional<std::string> simgrid_platform; // the path as written
  bool conflict = false;                       // keys that exclude each other were given together (reported)
  Entries entries;
};

// The `kind` of a service as written: the index of its alternative in ServiceKind (spec.hpp); kind_tag<K>()
// gives it by spec type.
enum class ServiceKindTag : std::size_t {};
// The default spec of a kind: the alternative of ServiceKind at the tag's index.
ServiceKind default_spec(ServiceKindTag kind);

struct ServiceRaw {
  std::string name;
  YAML::Mark mark; // the name's key
  std::optional<ServiceKindTag> kind;
  ServiceKind spec; // the alternative `kind` selects, filled by its record's fields
  // The spec of kind K. The schema checks each field's default on a fresh ServiceRaw, before any kind is
  // selected: that one becomes a K.
  template <class K> K& as()
  {
    if (!std::holds_alternative<K>(spec))
      spec.emplace<K>();
    return std::get<K>(spec);
  }
  template <class K> const K& as() const { return std::get<K>(spec); }
  std::optional<NameRef> host;                   // load_balancer, database, cache; api_server when it has one host
  std::optional<std::vector<NameRef>> hosts;     // api_server
  std::optional<NameRef> backends;               // load_balancer
  std::optional<NameRef> session_store;          // api_server with sessions store
  std::optional<NameRef> consumes;               // worker
  std::optional<NameRef> origin;                 // cdn
  std::optional<std::vector<NameRef>> cacheable; // cdn: request types
  // database: the hosts of its replicas, by item of the list as written (a sharded database: one item per shard,
  // each a host, a group or a list of hosts; an unsharded one: each a host or a group)
  std::optional<std::vector<std::vector<NameRef>>> replicas;
  Entries entries;
};

// The tag of a kind by its spec type.
template <class K, std::size_t I = 0> constexpr ServiceKindTag kind_tag()
{
  static_assert(I < std::variant_size_v<ServiceKind>, "not an alternative of ServiceKind");
  if constexpr (std::is_same_v<std::variant_alternative_t<I, ServiceKind>, K>)
    return static_cast<ServiceKindTag>(I);
  else
    return kind_tag<K, I + 1>();
}
// The tags of the kinds K, in the order given (the order messages list them in).
template <class... K> std::vector<ServiceKindTag> kind_tags()
{
  return {kind_tag<K>()...};
}

struct StepRaw;

// What a step kind asks of the service it names, declared with the step (declare_steps) and checked by the
// loader for every step alike.
struct StepRules {
  std::vector<ServiceKindTag> targets; // the kinds of service it may name, in the order messages list them
  bool needs_keys = false;             // it works on the request's key: the workload must give keys
  bool returns = true;                 // false: it hands the request on (forward), so not inside on_miss
  // Further checks once the service it names is known to have the right kind (steps: the request's steps,
  // at: this step's position in them); null: none.
  void (*check)(Context& ctx, const std::vector<StepRaw>& steps, std::size_t at) = nullptr;
  bool waits_for_request = true; // false: the request type it names runs apart (publish's job): no call cycle
};

struct StepRaw {
  Step step;
  YAML::Mark mark;
  std::string kind;               // the step's key: "db_read"
  StepRules rules;                // its step kind's
  std::optional<NameRef> service; // call, db_read, db_write, forward, cache_get, cache_set, cache_delete
  std::optional<NameRef> request; // call; publish: the job
  int inside_miss = 0;            // how many cache_get on_miss lists it is inside
  std::vector<StepRaw> nested;    // cache_get: its on_miss steps, until the list they are in is flattened
};

// The value of a cache_get written as a map.
struct CacheGetRaw {
  std::optional<NameRef> cache;
  std::optional<std::vector<StepRaw>> on_miss;
};

struct RequestRaw {
  RequestTypeSpec spec;
  YAML::Mark mark; // the name's key
  std::vector<StepRaw> steps;
  bool steps_read = false; // the steps were read (an empty list is then an error of its own)
};

enum class ArrivalProcess { poisson, constant, closed, trace };

struct ArrivalRaw {
  ArrivalProcess process = ArrivalProcess::poisson;
  OpenArrival open;
  ClosedArrival closed;
  YAML::Mark trace_mark; // trace: the file's value, for the file's own errors
};

struct MixItem {
  NameRef request;
  double weight = 0;
};

struct CallTarget {
  std::optional<NameRef> service;
  std::optional<NameRef> request;
  CallProtection protect; // call only: its timeout, retries, budget and breaker
};

struct ZoneShareRaw {
  NameRef zone;
  double share = 0;
};

struct GeoDnsRaw {
  GeoDnsSpec spec; // ttl
  std::optional<std::vector<NameRef>> entries;
  Entries map;
};

struct WorkloadRaw {
  WorkloadSpec spec; // keys, where
  std::optional<NameRef> entry;
  std::optional<ArrivalRaw> arrival;
  std::optional<std::vector<MixItem>> mix;
  std::optional<std::vector<ZoneShareRaw>> zones;
  std::optional<GeoDnsRaw> geodns;
  Entries entries;
};

// One item of faults. Every item is kept, even with errors, so that each is checked against the duration.
struct FaultRaw {
  FaultSpec spec; // kind, at, add and down_for; host, zone and link once resolved
  std::optional<NameRef> crash, crash_zone, delay_link, cut_link, partition_zone;
  std::optional<NameRef> slow;          // a slow fault's host (spec.slow_factor its factor)
  std::optional<NameRef> fill_disk;     // the host whose disk fills (spec.slow_factor its factor)
  std::optional<NameRef> crash_service; // the service one or all of whose instances crash (spec.instance)
  // The name the fault strikes, whatever its kind (null when its key did not read).
  const std::optional<NameRef>& target() const;
  bool at_read = false; // at was read without error
  Entries entries;
};

struct TopologyRaw {
  TopologySpec spec; // name, seed, duration, warmup, report_interval
  std::optional<HardwareRaw> hardware;
  std::optional<std::vector<ServiceRaw>> services;
  std::optional<std::vector<RequestRaw>> requests;
  std::optional<WorkloadRaw> workload;
  RawList<FaultRaw> faults; // empty when the key is absent
  Entries entries;
};

// Reads a whole document. Reference checks across sections are left to the loader.
TopologyRaw read_topology(Context& ctx, const YAML::Node& root);

// The structure of a topology file, for following paths into one (services.app.workers); see Shape.
std::shared_ptr<const Shape> topology_shape();

// "a map with the keys name, hardware, ... and workload", for a file that is not a map at all.
std::string describe_top_level();

// The Markdown reference of the format, from the same tables read_topology() uses.
std::string topology_reference_markdown();

// Every key, choice, form and unit of the format, once each (for schema_words()).
std::vector<std::string> topology_words();

} // namespace scalelab::models::schema
