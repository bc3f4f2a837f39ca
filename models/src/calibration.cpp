#include "scalelab/models/calibration.hpp"

#include "scalelab/models/units.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <sstream>

namespace scalelab::models
{

namespace
{

SourceLocation at(const std::string& file, const YAML::Mark& mark)
{
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

std::string one_of(const std::vector<std::string>& names)
{
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

struct Reader {
  std::string file;
  std::vector<Diagnostic> errors;

  void error(const YAML::Node& node, const std::string& message) { errors.push_back({at(file, node.Mark()), message}); }

  bool map(const YAML::Node& node, const std::string& what)
  {
    if (node.IsMap())
      return true;
    error(node, what + " must be a map");
    return false;
  }

  // Checks every key is known; returns false when one is not.
  void keys(const YAML::Node& node, const std::string& what, const std::vector<std::string>& known)
  {
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      bool ok = false;
      for (const auto& k : known)
        ok = ok || k == key;
      if (!ok)
        error(kv.first, "unknown key '" + key + "' in " + what + ": expected " + one_of(known));
    }
  }

  std::optional<double> duration(const YAML::Node& node, const std::string& key)
  {
    if (!node.IsScalar()) {
      error(node, key + " must be a duration such as 120us");
      return std::nullopt;
    }
    const auto q = parse_duration(node.Scalar());
    if (!q.value || *q.value < 0) {
      error(node, key + ": " + (q.value ? std::string("must not be negative") : q.error));
      return std::nullopt;
    }
    return q.value;
  }

  std::optional<double> bandwidth(const YAML::Node& node)
  {
    const auto q = node.IsScalar() ? parse_bandwidth(node.Scalar()) : Quantity{};
    if (!q.value || *q.value <= 0) {
      error(node, "bandwidth must be a positive bandwidth such as 2GBps" + (q.error.empty() ? "" : ": " + q.error));
      return std::nullopt;
    }
    return q.value;
  }
};

} // namespace

CalibrationLoad load_calibration_text(const std::string& text, const std::string& file)
{
  CalibrationLoad out;
  Reader r{file, {}};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    out.errors.push_back({at(file, e.mark), "not YAML: " + e.msg});
    return out;
  }
  if (!root.IsMap() || !root["calibration"]) {
    out.errors.push_back({SourceLocation{file, 1, 1}, "a calibration file has one top-level key, calibration"});
    return out;
  }
  r.keys(root, "a calibration file", {"calibration"});
  const YAML::Node c = root["calibration"];
  Calibration cal;
  cal.file = file;
  if (r.map(c, "calibration")) {
    r.keys(c, "calibration", {"topology", "network", "services", "measured"});
    if (const auto net = c["network"]; net && r.map(net, "network")) {
      cal.network_where = at(file, net.Mark());
      r.keys(net, "network", {"latency", "bandwidth", "users_latency"});
      if (net["latency"])
        cal.latency = r.duration(net["latency"], "latency");
      if (net["users_latency"])
        cal.users_latency = r.duration(net["users_latency"], "users_latency");
      if (net["bandwidth"])
        cal.bandwidth = r.bandwidth(net["bandwidth"]);
    }
    if (const auto services = c["services"]; services && r.map(services, "services")) {
      for (const auto& kv : services) {
        const auto name = kv.first.as<std::string>();
        ServiceCalibration s;
        s.where = at(file, kv.first.Mark());
        if (r.map(kv.second, "service " + name)) {
          std::vector<std::string> keys;
          for (const auto& k : kServiceCalibrationKeys)
            keys.emplace_back(k.key);
          r.keys(kv.second, "service " + name, keys);
          for (const auto& k : kServiceCalibrationKeys)
            if (kv.second[k.key])
              s.*k.value = r.duration(kv.second[k.key], k.key);
        }
        cal.services[name] = s;
      }
    }
  }
  out.errors = std::move(r.errors);
  if (out.errors.empty())
    out.calibration = std::move(cal);
  return out;
}

CalibrationLoad load_calibration_file(const std::string& path)
{
  return load_file<CalibrationLoad>(
      path, [](const std::string& text, const std::string& file) { return load_calibration_text(text, file); });
}

namespace
{

DistributionSpec deterministic(double seconds)
{
  DistributionSpec d;
  d.kind = DistributionSpec::Kind::deterministic;
  d.mean = seconds;
  return d;
}

// The link's latency and bandwidth, and the users' latency: on a lan topology only.
void apply_network_calibration(const Calibration& cal, TopologySpec& spec, std::vector<Diagnostic>& errors)
{
  if (!cal.latency && !cal.bandwidth && !cal.users_latency)
    return;
  auto& net = spec.hardware.network;
  if (spec.hardware.explicit_graph() || !spec.hardware.simgrid_platform.empty() ||
      net.shape != NetworkSpec::Shape::lan) {
    errors.push_back({cal.network_where, "network: a calibration applies to a topology whose network is the lan "
                                         "shape (one switch), and " +
                                             spec.file + "'s is not"});
    return;
  }
  if (cal.latency)
    net.latency = *cal.latency;
  if (cal.bandwidth)
    net.bandwidth = *cal.bandwidth;
  if (cal.users_latency)
    spec.hardware.users.latency = std::max(1e-9, *cal.users_latency); // 0 would mean "a host link's"
}

// The service called `name`, or nothing with the names there are.
ServiceSpec* find_calibrated_service(TopologySpec& spec, const std::string& name, const SourceLocation& where,
                                     std::vector<Diagnostic>& errors)
{
  std::vector<std::string> names;
  for (auto& candidate : spec.services) {
    if (candidate.name == name)
      return &candidate;
    names.push_back(candidate.name);
  }
  errors.push_back({where, "services: the topology " + spec.file + " has no service '" + name + "': expected one of " +
                               one_of(names)});
  return nullptr;
}

// The CPU a request costs at the entry api_server, as a first step of each request type the users send.
void apply_request_cpu(const std::string& name, const ServiceCalibration& s, const ServiceSpec& service,
                       TopologySpec& spec, std::vector<Diagnostic>& errors)
{
  if (!std::holds_alternative<ApiServerSpec>(service.kind) || spec.workload.entry != name) {
    errors.push_back({s.where, "services: " + name +
                                   ": 'request_cpu' calibrates the workload's entry api_server, and " + name +
                                   " is not it"});
    return;
  }
  for (const auto& [type, weight] : spec.workload.mix)
    for (auto& request : spec.requests)
      if (request.name == type)
        request.steps.insert(request.steps.begin(),
                             StepSpec{CpuStep{std::nullopt, deterministic(*s.request_cpu)}, request.where});
}

// Each measured cost of one service in place of the topology's, where the service is of the kind it calibrates.
void apply_service_calibration(const std::string& name, const ServiceCalibration& s, ServiceSpec& service,
                               TopologySpec& spec, std::vector<Diagnostic>& errors)
{
  auto wrong = [&](const char* key, const char* kind) {
    errors.push_back(
        {s.where, "services: " + name + ": '" + key + "' calibrates a " + kind + ", and " + name + " is not one"});
  };
  auto* db = std::get_if<DatabaseSpec>(&service.kind);
  auto* cache = std::get_if<CacheSpec>(&service.kind);
  auto* queue = std::get_if<QueueSpec>(&service.kind);
  if (s.read)
    db ? void(db->read = DbOperationCost{std::nullopt, deterministic(*s.read), std::nullopt})
       : wrong("read", "database");
  if (s.write)
    db ? void(db->write = DbOperationCost{std::nullopt, std::nullopt, deterministic(*s.write)})
       : wrong("write", "database");
  if (s.apply && !(db && !db->replication.replicas.empty()))
    wrong("apply", "replicated database");
  else if (s.apply)
    db->replication.apply = DbOperationCost{std::nullopt, std::nullopt, deterministic(*s.apply)};
  if (s.operation && !cache)
    wrong("operation", "cache");
  else if (s.operation) {
    cache->cpu_flops.reset();
    cache->cpu_time = deterministic(*s.operation);
  }
  if (s.request_cpu)
    apply_request_cpu(name, s, service, spec, errors);
  if (s.publish && !queue)
    wrong("publish", "queue");
  else if (s.publish) {
    queue->cpu_flops.reset();
    queue->cpu_time = deterministic(*s.publish);
  }
}

} // namespace

std::vector<Diagnostic> apply_calibration(const Calibration& cal, TopologySpec& spec)
{
  std::vector<Diagnostic> errors;
  apply_network_calibration(cal, spec, errors);
  for (const auto& [name, service_calibration] : cal.services)
    if (ServiceSpec* service = find_calibrated_service(spec, name, service_calibration.where, errors))
      apply_service_calibration(name, service_calibration, *service, spec, errors);
  return errors;
}

std::string calibration_yaml(const Calibration& cal, const std::string& topology, const std::string& measured_yaml)
{
  auto us = [](double s) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1fus", s * 1e6);
    return std::string(text);
  };
  std::ostringstream out;
  out << "# Step costs measured on the live stack of " << topology << " by scalelab real calibrate.\n"
      << "# Read by: scalelab run " << topology << " --calibration THIS_FILE (docs/calibration.md).\n"
      << "calibration:\n"
      << "  topology: \"" << topology << "\"\n";
  if (cal.latency || cal.bandwidth || cal.users_latency) {
    out << "  network:\n";
    if (cal.latency)
      out << "    latency: " << us(*cal.latency) << "        # one way, host to host: half a loopback TCP round trip\n";
    if (cal.bandwidth) {
      char text[64];
      std::snprintf(text, sizeof text, "%.0fMBps", *cal.bandwidth / 1e6);
      out << "    bandwidth: " << text << "      # loopback, one TCP stream\n";
    }
    if (cal.users_latency)
      out << "    users_latency: " << us(*cal.users_latency)
          << "  # half an HTTP round trip to the entry, less the host link\n";
  }
  if (!cal.services.empty()) {
    out << "  services:\n";
    for (const auto& [name, s] : cal.services) {
      out << "    " << name << ":";
      std::string sep = " {";
      for (const auto& k : kServiceCalibrationKeys)
        if (const auto& v = s.*k.value) {
          out << sep << k.key << ": " << us(*v);
          sep = ", ";
        }
      out << (sep == " {" ? " {}" : "}") << "\n";
    }
  }
  if (!measured_yaml.empty())
    out << "  measured:\n" << measured_yaml;
  return out.str();
}

} // namespace scalelab::models
