#pragma once
// What the real mode's programs (scalelab-api, scalelab-worker, scalelab-loadgen) share on starting: their
// command line of `--name value` pairs, and the topology file they all read.
#include "scalelab/models/spec.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::real
{

struct ProgramArgs {
  std::vector<std::pair<std::string, std::string>> options; // in order, but --realtime and --nice
  std::string error;                                        // "missing the value of --x", or empty
};

// Reads `--name value` pairs. --realtime P (SCHED_FIFO at priority P) and --nice N, which every program takes, are
// applied here, with a warning on stderr naming `program` when they are not permitted.
ProgramArgs read_program_args(const std::string& program, int argc, char** argv);

// What a program serving one instance of a service (scalelab-api, scalelab-worker) is told: --topology FILE
// --service NAME --instance I --port P --stack RUN/stack.json.
struct InstanceOptions {
  std::string topology, service, stack_file;
  int instance = 0, port = -1;
};

// Reads `--name value` into `options` if it is one of InstanceOptions'; false when it is none.
bool read_instance_option(const std::string& name, const std::string& value, InstanceOptions& options);

// Opens `acceptor` on 127.0.0.1:`port` (0: a free one), the address reused, with `backlog` connections pending.
void listen_on_loopback(boost::asio::ip::tcp::acceptor& acceptor, int port, int backlog);

// The topology, or nothing after its errors were written to stderr as `file:line:col: message`.
std::optional<models::TopologySpec> load_topology_or_report(const std::string& path);

} // namespace scalelab::real
