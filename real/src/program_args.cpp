#include "scalelab/real/program_args.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/real/cpu_burn.hpp"

#include <cstdlib>
#include <iostream>

namespace scalelab::real
{

ProgramArgs read_program_args(const std::string& program, int argc, char** argv)
{
  ProgramArgs out;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (i + 1 >= argc) {
      out.error = "missing the value of " + name;
      return out;
    }
    const std::string value = argv[++i];
    if (name == "--realtime") {
      if (!set_realtime(std::atoi(value.c_str())))
        std::cerr << program << ": warning: cannot run SCHED_FIFO " << value << " (not permitted)\n";
    } else if (name == "--nice") {
      if (!set_nice(std::atoi(value.c_str())))
        std::cerr << program << ": warning: cannot set nice " << value << " (not permitted)\n";
    } else {
      out.options.emplace_back(name, value);
    }
  }
  return out;
}

bool read_instance_option(const std::string& name, const std::string& value, InstanceOptions& options)
{
  if (name == "--topology")
    options.topology = value;
  else if (name == "--service")
    options.service = value;
  else if (name == "--instance")
    options.instance = std::atoi(value.c_str());
  else if (name == "--port")
    options.port = std::atoi(value.c_str());
  else if (name == "--stack")
    options.stack_file = value;
  else
    return false;
  return true;
}

void listen_on_loopback(boost::asio::ip::tcp::acceptor& acceptor, int port, int backlog)
{
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(backlog);
}

std::optional<models::TopologySpec> load_topology_or_report(const std::string& path)
{
  auto load = models::load_topology_file(path);
  if (!load.spec)
    for (const auto& e : load.errors)
      std::cerr << e.where.file << ":" << e.where.line << ":" << e.where.column << ": " << e.message << "\n";
  return std::move(load.spec);
}

} // namespace scalelab::real
