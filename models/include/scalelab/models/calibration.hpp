#pragma once
// A calibration file (written by `scalelab real calibrate`, read by `scalelab run FILE --calibration CAL.yaml`):
// the step costs measured on the live stack of this machine, which replace the topology's own (docs/calibration.md).
//
//   calibration:
//     topology: topology.yaml        # informational: what was measured
//     network:
//       latency: 21us                # one way, host to host: half a loopback TCP round trip
//       bandwidth: 2100MBps          # loopback
//       users_latency: 40us          # the users' link: an HTTP round trip to the entry, less the host link
//     services:
//       users: {read: 95us, write: 610us}   # a database: a read's time (CPU) and a write's commit (disk)
//       orders: {apply: 400us}              # a replicated database: a replica's apply of one write (disk)
//       cache: {operation: 30us}            # a cache: each get, set or delete (CPU)
//       jobs:  {publish: 20us}              # a queue: each publish (CPU)
//       app:   {request_cpu: 150us}         # the entry api_server: CPU per request beyond its steps
//     measured: {...}                # informational: the raw figures, never read
//
// The costs are deterministic: their means, which is what a mean latency needs.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/spec.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

struct ServiceCalibration {
  std::optional<double> read, write, operation, publish; // seconds
  std::optional<double> apply;       // a replicated database: a replica's apply of one write, network left out
  std::optional<double> request_cpu; // an api_server: CPU per request beyond its steps' (HTTP, the clients' work)
  SourceLocation where;
};

// The keys of a service's calibration, in the file's order, and the member each one fills.
struct ServiceCalibrationKey {
  const char* key;
  std::optional<double> ServiceCalibration::*value;
};
inline constexpr ServiceCalibrationKey kServiceCalibrationKeys[] = {
    {"read", &ServiceCalibration::read},       {"write", &ServiceCalibration::write},
    {"apply", &ServiceCalibration::apply},     {"operation", &ServiceCalibration::operation},
    {"publish", &ServiceCalibration::publish}, {"request_cpu", &ServiceCalibration::request_cpu}};

struct Calibration {
  std::string file;
  std::optional<double> latency, bandwidth, users_latency; // seconds, bytes per second, seconds
  SourceLocation network_where;
  std::map<std::string, ServiceCalibration> services;
};

struct CalibrationLoad {
  std::optional<Calibration> calibration; // empty when errors is not empty
  std::vector<Diagnostic> errors;
};

CalibrationLoad load_calibration_text(const std::string& text, const std::string& file);
CalibrationLoad load_calibration_file(const std::string& path);

// Replaces the spec's costs by the calibration's: the LAN's latency and bandwidth and the users' link latency
// (a `lan` network only), each named database's read (CPU time) and write (disk time), a replicated database's
// apply at its replicas (disk time), each cache's operation
// (CPU time), each queue's publish (CPU time), and the entry api_server's request_cpu (a cpu step of that time
// before the steps of every request type of the workload's mix). Errors (file:line:col of the calibration) for a
// service the topology does not have, a key that does not fit the service's kind, or a network that is not a `lan`
// shape.
std::vector<Diagnostic> apply_calibration(const Calibration& calibration, TopologySpec& spec);

// The calibration file's text.
std::string calibration_yaml(const Calibration& calibration, const std::string& topology,
                             const std::string& measured_yaml);

} // namespace scalelab::models
