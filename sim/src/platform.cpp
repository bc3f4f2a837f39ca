#include "platform.hpp"

#include "sparse_zone.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace sg4 = simgrid::s4u;

namespace scalelab::sim
{

using models::NetElement;

Platform::Platform(const models::TopologySpec& spec, const models::HardwareGraph& graph) : graph_(graph)
{
  const auto& hw = spec.hardware;
  if (!hw.simgrid_platform.empty()) {
    from_file_ = true;
    auto* engine = sg4::Engine::get_instance();
    engine->load_platform(hw.simgrid_platform);
    for (const auto& h : hw.hosts) {
      sg4::Host* host = engine->host_by_name_or_null(h.name);
      if (!host)
        throw std::runtime_error(hw.simgrid_platform + " has no host " + h.name);
      hosts_.push_back(host);
    }
    users_ = static_cast<std::uint32_t>(spec.index_of_host(hw.users.attach));
    return;
  }

  const auto zone_names = graph.zones();
  root_ = create_sparse_zone("scalelab");
  if (zone_names.size() > 1)
    for (const auto& z : zone_names) {
      Zone zone;
      zone.zone = create_sparse_zone(z.empty() ? "backbone" : z);
      zone.zone->set_parent(root_);
      zones_[z] = zone;
    }

  const auto& elements = graph.elements();
  element_hosts_.assign(elements.size(), nullptr);
  routers_.assign(elements.size(), nullptr);
  for (std::size_t e = 0; e < elements.size(); ++e) {
    const auto& el = elements[e];
    auto* zone = zone_of(static_cast<int>(e));
    if (el.kind == NetElement::Kind::switch_) {
      routers_[e] = zone->create_router(el.name);
    } else if (el.kind == NetElement::Kind::host) {
      const auto& h = hw.hosts[static_cast<std::size_t>(el.host)];
      element_hosts_[e] = zone->create_host(h.name, h.speed);
      element_hosts_[e]->set_core_count(h.cores);
    } else {
      element_hosts_[e] = zone->create_host(el.name, 1e9);
    }
  }
  for (std::size_t h = 0; h < hw.hosts.size(); ++h)
    hosts_.push_back(element_hosts_[static_cast<std::size_t>(graph.element_of_host(h))]);
  users_ = static_cast<std::uint32_t>(hosts_.size());
  hosts_.push_back(element_hosts_[static_cast<std::size_t>(graph.users_element())]);
  for (const int e : graph.zone_users_elements()) {
    zone_users_.push_back(static_cast<std::uint32_t>(hosts_.size()));
    zone_users_elements_.push_back(e);
    hosts_.push_back(element_hosts_[static_cast<std::size_t>(e)]);
  }

  for (const auto& l : graph.links()) {
    auto* zone = zone_of(l.a);
    sg4::Link* link = nullptr;
    const auto& a = elements[static_cast<std::size_t>(l.a)].name;
    const auto& b = elements[static_cast<std::size_t>(l.b)].name;
    if (l.params.sharing == models::LinkSharing::full_duplex) {
      link = zone->create_split_duplex_link(l.name, l.params.bandwidth)->set_latency(l.params.latency);
      labels_[l.name + "_UP"] = {l.name, a, b};
      labels_[l.name + "_DOWN"] = {l.name, b, a};
    } else {
      link = zone->create_link(l.name, l.params.bandwidth)->set_latency(l.params.latency);
      if (l.params.sharing == models::LinkSharing::fatpipe)
        link->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE);
      labels_[l.name] = {l.name, "", ""};
    }
    links_.push_back(link);
  }
  for (auto& [name, zone] : zones_)
    zone.gateway = netpoint(graph.gateway(name).value_or(-1));
}

simgrid::s4u::NetZone* Platform::zone_of(int element) const
{
  return zones_.empty() ? root_ : zones_.at(graph_.elements()[static_cast<std::size_t>(element)].zone).zone;
}

simgrid::kernel::routing::NetPoint* Platform::netpoint(int element) const
{
  if (element < 0)
    return nullptr;
  const auto e = static_cast<std::size_t>(element);
  return element_hosts_[e] ? element_hosts_[e]->get_netpoint() : routers_[e];
}

std::vector<sg4::LinkInRoute> Platform::links_of(const std::vector<models::Hop>& hops) const
{
  std::vector<sg4::LinkInRoute> out;
  for (const auto& hop : hops) {
    sg4::Link* link = links_[static_cast<std::size_t>(hop.link)];
    if (graph_.links()[static_cast<std::size_t>(hop.link)].params.sharing == models::LinkSharing::full_duplex)
      out.emplace_back(link, hop.forward ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
    else
      out.emplace_back(link);
  }
  return out;
}

void Platform::add_local_route(int from, int to)
{
  if (from == to || !declared_.insert({from, to}).second)
    return;
  auto* zone = zone_of(from);
  zone->add_route(netpoint(from), netpoint(to), nullptr, nullptr, links_of(graph_.route(from, to).value()), false);
}

void Platform::add_routes(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs)
{
  if (from_file_)
    return;
  auto element = [&](std::uint32_t host) {
    if (host > users_)
      return zone_users_elements_[host - users_ - 1];
    return host == users_ ? graph_.users_element() : graph_.element_of_host(host);
  };
  std::set<std::pair<std::string, std::string>> zone_routes;
  for (const auto& [from_host, to_host] : pairs) {
    const int from = element(from_host), to = element(to_host);
    const auto& zone_a = graph_.elements()[static_cast<std::size_t>(from)].zone;
    const auto& zone_b = graph_.elements()[static_cast<std::size_t>(to)].zone;
    if (zones_.empty() || zone_a == zone_b) {
      add_local_route(from, to);
      continue;
    }
    // Across zones, SimGrid joins three routes: to this zone's gateway, gateway to gateway, and on.
    const Zone& a = zones_.at(zone_a);
    const Zone& b = zones_.at(zone_b);
    const int gateway_a = *graph_.gateway(zone_a), gateway_b = *graph_.gateway(zone_b);
    add_local_route(from, gateway_a);
    add_local_route(gateway_b, to);
    if (zone_routes.insert({zone_a, zone_b}).second)
      root_->add_route(a.zone->get_netpoint(), b.zone->get_netpoint(), a.gateway, b.gateway,
                       links_of(graph_.route(gateway_a, gateway_b).value()), false);
  }
  for (auto& [name, zone] : zones_)
    zone.zone->seal();
  root_->seal();
}

void Platform::describe(LinkResource& r, const sg4::Link& link) const
{
  const auto it = labels_.find(link.get_name());
  if (it == labels_.end())
    return;
  r.name = it->second.name;
  r.from = it->second.from;
  r.to = it->second.to;
  if (!r.from.empty())
    r.sharing = models::sharing_name(
        models::LinkSharing::full_duplex); // SimGrid reports each direction of a split-duplex link as a shared link
}

std::unique_ptr<sg4::Engine> create_engine(const std::vector<std::string>& extra_args)
{
  // Each actor (an executor: one per host under the plain engine) runs an event loop whose deepest stack is under
  // 16 KiB (every test passes at 16): 256 KiB leaves room sixteen times over. SimGrid's default, 8 MiB, costs
  // nothing in RAM but a 10,000-host run spends a fifth of its set-up mapping the stacks, and under
  // AddressSanitizer six times its whole run writing their shadow memory (85 s against 15 s here).
  std::vector<std::string> args{"scalelab", "--log=root.thres:critical", "--cfg=contexts/stack-size:256"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  return std::make_unique<sg4::Engine>(&argc, argv.data());
}

// --- reading a platform file for the loader ----------------------------------------------------------------

namespace
{

// In the child: load the file and write what the loader needs as JSON.
[[noreturn]] void describe_platform_file(const std::string& path, int out_fd)
{
  int status = 1;
  try {
    auto engine_owner = create_engine();
    sg4::Engine& engine = *engine_owner;
    engine.load_platform(path);
    nlohmann::ordered_json out;
    out["hosts"] = nlohmann::ordered_json::array();
    auto hosts = engine.get_all_hosts();
    for (const auto* h : hosts)
      out["hosts"].push_back({{"name", h->get_name()}, {"cores", h->get_core_count()}, {"speed", h->get_speed()}});
    out["links"] = nlohmann::ordered_json::array();
    for (const auto* l : engine.get_all_links()) {
      out["links"].push_back({{"name", l->get_name()},
                              {"bandwidth", l->get_bandwidth()},
                              {"latency", l->get_latency()},
                              {"sharing", static_cast<int>(sharing_of(*l))}});
    }
    out["routes"] = nlohmann::ordered_json::array();
    for (auto* from : hosts)
      for (auto* to : hosts) {
        if (from == to)
          continue;
        std::vector<sg4::Link*> links;
        double latency = 0;
        try {
          from->route_to(to, links, &latency);
        } catch (const std::exception&) {
          continue; // no route: the loader reports it if these two talk
        }
        if (links.empty())
          continue;
        nlohmann::ordered_json names = nlohmann::ordered_json::array();
        for (const auto* l : links)
          names.push_back(l->get_name());
        out["routes"].push_back({{"from", from->get_name()}, {"to", to->get_name()}, {"links", names}});
      }
    const std::string text = out.dump();
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(out_fd, text.data() + written, text.size() - written);
      if (n <= 0)
        break;
      written += static_cast<std::size_t>(n);
    }
    status = written == text.size() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
  std::fflush(stderr);
  ::_exit(status);
}

} // namespace

models::ExternalPlatform read_platform_file(const std::string& path)
{
  if (!std::ifstream(path))
    throw std::runtime_error("cannot open SimGrid platform " + path + ": " + std::strerror(errno));
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0)
    throw std::runtime_error(std::string("cannot read the platform: pipe: ") + std::strerror(errno));
  char error_path[] = "/tmp/scalelab-platform-XXXXXX";
  const int error_fd = ::mkstemp(error_path);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (error_fd >= 0) {
      ::dup2(error_fd, 2);
      ::dup2(error_fd, 1);
    }
    describe_platform_file(path, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0)
      break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::string errors;
  if (error_fd >= 0) {
    std::ifstream in(error_path);
    std::stringstream ss;
    ss << in.rdbuf();
    errors = ss.str();
    ::close(error_fd);
    ::unlink(error_path);
  }
  if (child < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' '))
      errors.pop_back();
    const auto last_line = errors.rfind('\n');
    throw std::runtime_error(
        "SimGrid cannot read the platform " + path +
        (errors.empty() ? std::string() : ": " + errors.substr(last_line == std::string::npos ? 0 : last_line + 1)));
  }
  const auto json = nlohmann::json::parse(text);
  models::ExternalPlatform p;
  for (const auto& h : json["hosts"]) {
    models::HostSpec host;
    host.name = h["name"].get<std::string>();
    host.group = host.name;
    host.cores = h["cores"].get<int>();
    host.speed = h["speed"].get<double>();
    p.hosts.push_back(std::move(host));
  }
  for (const auto& l : json["links"]) {
    models::LinkSpec link;
    link.name = l["name"].get<std::string>();
    link.params.bandwidth = l["bandwidth"].get<double>();
    link.params.latency = l["latency"].get<double>();
    link.params.sharing = static_cast<models::LinkSharing>(l["sharing"].get<int>());
    p.links.push_back(std::move(link));
  }
  for (const auto& r : json["routes"]) {
    models::RouteSpec route;
    route.from = r["from"].get<std::string>();
    route.to = r["to"].get<std::string>();
    route.links = r["links"].get<std::vector<std::string>>();
    route.symmetric = false;
    p.routes.push_back(std::move(route));
  }
  return p;
}

} // namespace scalelab::sim
