#pragma once
// What models asks of every service kind (its name and hosts, its part of the file format, the loader's
// checks) and what the loader gives it. Each kind answers in its own files (kind_KIND.{hpp,cpp}) with one overload per
// question; service_kinds.hpp lists the kinds, and the questions are asked through std::visit over ServiceKind, so a
// kind without one of its overloads does not compile.
#include "schema_topology.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models::schema
{

// The value types a kind declares its keys with, built once by the topology's tables.
struct KindTypes {
  const Type<double>& duration;
  const Type<double>& bytes;
  const Type<double>& bandwidth; // bytes per second
  const Type<CpuStep>& cpu;
  const Type<DistributionSpec>& distribution;
  Type<NameRef> host_ref;                // a host name
  Type<NameRef> service_ref;             // a service name
  Type<std::vector<NameRef>> host_names; // a host or group name, or a list of them
  const Type<double>& rate;
};

// A kind's part of the topology format.
struct KindSchema {
  std::string meaning;       // the line under `kind` in the reference
  Record<ServiceRaw> record; // its keys; `kind` selects it
  // Records of its own that its keys use (the cost of a database operation): their reference, placed after
  // the services', and their words.
  std::string records_markdown;
  std::vector<std::string> words;
};

// A service's instances and the workers or connections of each, counted before any host list is expanded.
struct KindSize {
  std::int64_t instances = 1;
  std::int64_t per_instance = 0;
  const char* per_instance_key = "connections"; // where a sum beyond the limit is reported
};

// What the loader offers a kind while it resolves the names a service refers to.
class KindResolver
{
public:
  virtual Context& ctx() = 0;
  // The host a single instance runs on (an instance name, never a group), marked as used; nothing (reported)
  // when there is none.
  virtual std::optional<std::string> resolve_host(const NameRef& ref) = 0;
  // Hosts and groups, groups expanded to their members in order; nothing (reported) on an unknown or repeated
  // one.
  virtual std::optional<std::vector<std::string>> resolve_host_list(const std::vector<NameRef>& refs,
                                                                    const std::string& service) = 0;
  // How many hosts a name stands for before it is resolved: 1 for a host, a group's size, 0 when unknown.
  virtual std::int64_t host_count(const NameRef& ref) const = 0;
  // The service a name refers to; nullptr (reported) when there is none.
  virtual ServiceRaw* find_service(const NameRef& ref) = 0;
  // Whether the service named by ref has one of the wanted kinds (reported when not; label starts the message).
  virtual bool has_kind(const ServiceRaw& target, const NameRef& ref, const std::string& label,
                        const std::vector<ServiceKindTag>& wanted) = 0;
  // The instance count of a service whose hosts resolved (set by the kinds with several instances).
  virtual void set_instances(const std::string& service, std::size_t count) = 0;
  virtual std::optional<std::size_t> instances(const std::string& service) const = 0;
  // The workload's key count (workload.keys.count; 0 when requests carry no key).
  virtual std::int64_t key_count() const = 0;
  // Whether some request step names the service, or another service calls it outside the steps (a session
  // store); known once the requests are resolved.
  virtual bool used_by_steps(const std::string& service) const = 0;
  // The users the workload's requests carry (WorkloadSpec::user_count()); 0 when none, or not read.
  virtual std::int64_t workload_users() const = 0;
  // A feature that one service of a run may use: the service that claimed it before `service`, or nothing when
  // `service` is the first (it has it from now on).
  virtual std::optional<std::string> claim_once(const std::string& feature, const std::string& service) = 0;
  // Whether a request type of that name exists (reported when not).
  virtual bool find_request(const NameRef& ref) = 0;

protected:
  ~KindResolver() = default;
};

// The questions, each answered by one overload per kind K in its kind_K.{hpp,cpp}:
//   const char* name_of(const K&): its `kind` as written (kind_name() in spec.hpp).
//   std::vector<std::string> hosts_of(const K&): the hosts of its instances, in order (instance_hosts()).
//   std::vector<std::string> services_called(const K&, const std::string& name): the services that service
//     `name` calls outside request steps (services_called() in spec.hpp).
//   bool reads_users(const K&): whether its instances ask which user sent a request (reads_users() in
//     spec.hpp).
//   KindSchema kind_schema(const K&, const KindTypes&): its keys (see KindSchema).
//   KindSize kind_size(const K&, const ServiceRaw&, const KindResolver&): its instances, for the limits.
//   bool resolved_last(const K&): whether its names are resolved after every other kind's (a balancer checks
//     its weights against its backend's instance count).
//   void resolve_kind(K&, ServiceRaw&, KindResolver&): resolves the names it refers to into its spec.
//   void check_use(const K&, const ServiceRaw&, KindResolver&): warnings once the requests are resolved, on a
//     file without errors (a database no request uses).

// Helpers shared by the kinds.

// "in service \"db\"", for messages about a service's keys.
std::string service_where(const std::string& name);
// The `host` key of a kind (its default and help are the kind's own).
FieldBuilder<ServiceRaw, NameRef> host_field(const KindTypes& types);
// The `host` of a kind with one instance, resolved into host.
void resolve_single_host(std::string& host, const ServiceRaw& raw, KindResolver& resolver);
// Warns about a service that no request step names (the kinds that only steps reach).
void warn_unless_used_by_steps(const ServiceRaw& raw, KindResolver& resolver);
// For a key whose feature tells users apart (sticky balancing, local sessions): an error at that key when the
// workload's requests carry no users, or more than a run tells apart.
void require_users(const ServiceRaw& raw, const std::string& key, KindResolver& resolver);

} // namespace scalelab::models::schema
