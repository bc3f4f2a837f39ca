// Loading a topology file: yaml-cpp parses, schema_topology.cpp reads each section by its declaration, and
// the Resolver below checks what no single section can: names that refer to other sections, host, switch
// and link names after count expansion, zones against the network shape, call cycles. A SimGrid platform
// file is read here for its hosts. Last, the hardware graph (hardware.hpp) checks the network as a whole.
// Everything is reported; the spec is returned only when nothing was.
#include "scalelab/models/loader.hpp"

#include "scalelab/models/faults.hpp"
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/limits.hpp"
#include "schema_topology.hpp"
#include "service_kinds.hpp"
#include "yaml_document.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace scalelab::models
{

std::string Diagnostic::format() const
{
  if (where.line > 0)
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + message;
  return where.file + ": " + message;
}

namespace
{

using namespace schema;

// "a database", "an api_server": the kind's name as written, with its article.
std::string kind_name(ServiceKindTag kind)
{
  const std::string name = models::kind_name(default_spec(kind));
  return (std::string("aeiou").find(name[0]) != std::string::npos ? "an " : "a ") + name;
}

int line_of(const YAML::Mark& mark)
{
  return mark.line + 1;
}

class Resolver final : private KindResolver
{
public:
  Resolver(Context& ctx, TopologyRaw& raw) : ctx_(ctx), raw_(raw) {}

  // The spec, when the whole file is free of errors (those found while reading included).
  std::optional<TopologySpec> run()
  {
    resolve_hardware();
    index_services();
    resolve_services();
    resolve_requests();
    check_call_cycles();
    resolve_workload();
    resolve_faults();
    warn_unused();
    if (ctx_.error_count() > 0)
      return std::nullopt;
    TopologySpec spec = assemble();
    // The last check: the network as a graph (every host reachable, routes that hold together, ...).
    std::vector<HardwareIssue> issues;
    const HardwareGraph graph = HardwareGraph::build(spec, issues);
    for (HardwareIssue& issue : issues)
      ctx_.error(std::move(issue.where), std::move(issue.message));
    if (!issues.empty())
      return std::nullopt;
    resolve_link_faults(spec, graph);
    check_service_crashes(spec);
    if (ctx_.error_count() > 0)
      return std::nullopt;
    return spec;
  }

private:
  struct Origin {
    int line = 0;
    std::string group; // set when the name comes from a group with count > 1
    int count = 1;
    bool is_group = false; // the name of a group with count > 1 itself
    std::string noun;      // host or switch
  };

  // --- hosts and switches ------------------------------------------------------------------------------

  static YAML::Mark name_mark(const Entries& entries)
  {
    const Entry* e = entries.find("name");
    return e ? e->value.Mark() : entries.map().Mark();
  }

  static std::string origin_text(const Origin& o)
  {
    std::string text = "at line " + std::to_string(o.line);
    if (!o.group.empty())
      text += " (by " + quote(o.group) + " with count " + std::to_string(o.count) + ")";
    return text;
  }

  static std::string members_text(const std::vector<std::string>& members)
  {
    return members.size() <= 4 ? join(members) : members.front() + " to " + members.back();
  }

  // members_text of a group of hosts, without copying a million names for it.
  std::string group_text(const std::vector<std::size_t>& members) const
  {
    if (members.size() > 4)
      return hosts_[members.front()].name + " to " + hosts_[members.back()].name;
    std::vector<std::string> names;
    for (std::size_t i : members)
      names.push_back(hosts_[i].name);
    return join(names);
  }

  // The names an entry with a count declares: its own, then NAME-1 ... NAME-count when count > 1. Returns
  // nothing (reported) when one of them is taken; the names are then left undeclared. noun: host or switch.
  std::optional<std::vector<std::pair<std::string, Origin>>> declare(const std::string& name, int count,
                                                                     const YAML::Mark& mark, const std::string& noun)
  {
    const int line = line_of(mark);
    std::vector<std::pair<std::string, Origin>> names;
    names.emplace_back(name, Origin{line, "", 1, count > 1, noun});
    if (count > 1)
      for (int i = 1; i <= count; ++i)
        names.emplace_back(name + "-" + std::to_string(i), Origin{line, name, count, false, noun});
    // One message per entry: a repeated group would otherwise clash once per instance.
    for (const auto& [n, origin] : names) {
      const auto it = declared_.find(n);
      if (it == declared_.end())
        continue;
      const Origin& first = it->second;
      if (first.noun == noun)
        ctx_.error(mark,
                   noun + " " + quote(n) + " is declared twice: " + origin_text(first) + " and " + origin_text(origin));
      else
        ctx_.error(mark, noun + " " + quote(n) + " has the name of " +
                             (first.is_group ? "a group of " + first.noun + "s" : "a " + first.noun) + " declared " +
                             origin_text(first) + "; hosts and switches share one set of names");
      return std::nullopt;
    }
    for (const auto& [n, origin] : names)
      declared_.emplace(n, origin);
    return names;
  }

  void add_host(HostSpec spec, const YAML::Mark& mark)
  {
    host_index_.emplace(spec.name, hosts_.size());
    host_names_.push_back(spec.name);
    hosts_.push_back(std::move(spec));
    host_marks_.push_back(mark);
  }

  // The value of key in entries, or the entries' map when the key is absent: where a limit is reported.
  static YAML::Mark value_mark(const Entries& entries, const std::string& key)
  {
    const Entry* e = entries.find(key);
    return e ? e->value.Mark() : entries.map().Mark();
  }

  // The limits on hosts and cores, summed over the entries before any is expanded.
  bool hosts_within_limits()
  {
    std::int64_t hosts = 0;
    std::int64_t cores = 0;
    for (const HostRaw& h : raw_.hardware->hosts.items) {
      hosts += h.count;
      cores += std::int64_t{h.count} * h.spec.cores; // each at most 2^31: no overflow before the limit is passed
      if (hosts > limits::kHosts) {
        ctx_.error(value_mark(h.entries, "count"), "with this entry there are " + std::to_string(hosts) +
                                                       " hosts once counts are expanded; a topology may have at most " +
                                                       std::to_string(limits::kHosts));
        return false;
      }
      if (cores > limits::kCores) {
        ctx_.error(value_mark(h.entries, "cores"), "with this entry the hosts have " + std::to_string(cores) +
                                                       " cores in all; a topology may have at most " +
                                                       std::to_string(limits::kCores));
        return false;
      }
    }
    return true;
  }

  void expand_hosts()
  {
    const HardwareRaw& hw = *raw_.hardware;
    hosts_complete_ = hw.hosts.ok;
    if (!hosts_within_limits()) {
      hosts_complete_ = false;
      return;
    }
    for (const HostRaw& h : hw.hosts.items) {
      const auto names = declare(h.spec.name, h.count, name_mark(h.entries), "host");
      if (!names) {
        hosts_complete_ = false;
        continue;
      }
      std::vector<std::size_t> members;
      for (std::size_t i = h.count > 1 ? 1 : 0; i < names->size(); ++i) {
        HostSpec spec = h.spec;
        spec.name = (*names)[i].first;
        spec.where = ctx_.location(h.entries.map().Mark());
        members.push_back(hosts_.size());
        add_host(std::move(spec), h.entries.map().Mark());
      }
      if (h.count > 1) {
        groups_.emplace(h.spec.name, members);
        group_names_.push_back(h.spec.name);
      }
      listing_.push_back(h.count == 1   ? h.spec.name
                         : h.count <= 4 ? join(std::vector<std::string>(host_names_.end() - h.count, host_names_.end()))
                                        : h.spec.name + "-1 to " + h.spec.name + "-" + std::to_string(h.count));
    }
  }

  // The hosts, links and routes of a SimGrid platform file, read by the reader the program registered.
  void read_platform()
  {
    const HardwareRaw& hw = *raw_.hardware;
    const YAML::Mark mark = hw.entries.key_mark("simgrid_platform");
    const PlatformReader& reader = platform_reader();
    if (!reader) {
      ctx_.error(mark, "reading a SimGrid platform needs the scalelab program");
      return;
    }
    std::filesystem::path path(*hw.simgrid_platform);
    if (path.is_relative())
      path = std::filesystem::path(ctx_.file()).parent_path() / path;
    platform_path_ = path.string();
    ExternalPlatform platform;
    try {
      platform = reader(platform_path_);
    } catch (const std::exception& e) {
      ctx_.error(mark, e.what());
      return;
    }
    for (HostSpec h : platform.hosts) {
      h.group = h.name;
      if (h.where.file.empty())
        h.where = ctx_.location(mark);
      if (host_index_.count(h.name) == 0) {
        listing_.push_back(h.name);
        add_host(std::move(h), mark);
      }
    }
    links_ = std::move(platform.links);
    routes_ = std::move(platform.routes);
    hosts_complete_ = true;
    hosts_from_platform_ = true;
  }

  void expand_switches()
  {
    const HardwareRaw& hw = *raw_.hardware;
    switches_complete_ = !hw.entries.find("switches") || hw.switches.ok;
    std::int64_t total = 0;
    for (const SwitchRaw& s : hw.switches.items)
      if ((total += s.count) > limits::kSwitches) {
        ctx_.error(value_mark(s.entries, "count"), "with this entry there are " + std::to_string(total) +
                                                       " switches once counts are expanded; a topology may have at "
                                                       "most " +
                                                       std::to_string(limits::kSwitches));
        switches_complete_ = false;
        return;
      }
    for (const SwitchRaw& s : hw.switches.items) {
      const auto names = declare(s.spec.name, s.count, name_mark(s.entries), "switch");
      if (!names) {
        switches_complete_ = false;
        continue;
      }
      std::vector<std::string> members;
      for (std::size_t i = s.count > 1 ? 1 : 0; i < names->size(); ++i) {
        SwitchSpec spec = s.spec;
        spec.name = (*names)[i].first;
        spec.where = ctx_.location(s.entries.map().Mark());
        switch_index_.emplace(spec.name, switches_.size());
        switch_names_.push_back(spec.name);
        members.push_back(spec.name);
        switches_.push_back(std::move(spec));
      }
      if (s.count > 1) {
        switch_groups_.emplace(s.spec.name, members);
        switch_group_names_.push_back(s.spec.name);
      }
      switch_listing_.push_back(s.count == 1 ? s.spec.name : s.spec.name + "-1 to " + members.back());
    }
  }

  void report_unknown_host(const NameRef& ref, bool groups_allowed)
  {
    if (!hosts_complete_)
      return; // a host entry has an error of its own; the name may be the one it failed to declare
    std::string message = "host " + quote(ref.name) + " does not exist";
    // "web-4" when "web" has count 3: say how many there are rather than guess.
    const auto dash = ref.name.rfind('-');
    const auto group = dash == std::string::npos ? groups_.end() : groups_.find(ref.name.substr(0, dash));
    if (group != groups_.end()) {
      message += "; " + quote(group->first) + " has " + std::to_string(group->second.size()) +
                 " hosts: " + group_text(group->second);
    } else {
      std::vector<const std::vector<std::string>*> candidates{&host_names_};
      if (groups_allowed)
        candidates.push_back(&group_names_);
      const auto close = close_names(ref.name, candidates);
      if (!close.empty())
        message += "; did you mean " + quoted_alternatives(close) + "?";
      else if (!listing_.empty())
        message += "; hosts are: " + join_listing(listing_);
    }
    ctx_.error(ref.mark, message);
  }

  // Like report_unknown_host, for a name that may be a host or a switch.
  void report_unknown_element(const NameRef& ref, bool groups_allowed)
  {
    if (!hosts_complete_ || !switches_complete_)
      return;
    std::string message = "host or switch " + quote(ref.name) + " does not exist";
    const auto dash = ref.name.rfind('-');
    const std::string prefix = dash == std::string::npos ? "" : ref.name.substr(0, dash);
    if (const auto group = groups_.find(prefix); group != groups_.end()) {
      message += "; " + quote(group->first) + " has " + std::to_string(group->second.size()) +
                 " hosts: " + group_text(group->second);
    } else if (const auto sgroup = switch_groups_.find(prefix); sgroup != switch_groups_.end()) {
      message += "; " + quote(sgroup->first) + " has " + std::to_string(sgroup->second.size()) +
                 " switches: " + members_text(sgroup->second);
    } else {
      std::vector<const std::vector<std::string>*> candidates{&host_names_, &switch_names_};
      if (groups_allowed) {
        candidates.push_back(&group_names_);
        candidates.push_back(&switch_group_names_);
      }
      std::vector<std::string> listing = listing_;
      listing.insert(listing.end(), switch_listing_.begin(), switch_listing_.end());
      const auto close = close_names(ref.name, candidates);
      if (!close.empty())
        message += "; did you mean " + quoted_alternatives(close) + "?";
      else if (!listing.empty())
        message += "; hosts and switches are: " + join_listing(listing);
    }
    ctx_.error(ref.mark, message);
  }

  // A host that runs a single instance: an instance name, never a group. Reports what else it is.
  std::optional<std::size_t> find_host(const NameRef& ref)
  {
    if (const auto it = host_index_.find(ref.name); it != host_index_.end())
      return it->second;
    if (const auto group = groups_.find(ref.name); group != groups_.end()) {
      ctx_.error(ref.mark, "host " + quote(ref.name) + " is a group of " + std::to_string(group->second.size()) +
                               " hosts; name one of them: " + group_text(group->second));
      return std::nullopt;
    }
    report_unknown_host(ref, false);
    return std::nullopt;
  }

  // --- what the service kinds' checks ask (KindResolver) -------------------------------------------------

  Context& ctx() override { return ctx_; }

  std::optional<std::string> resolve_host(const NameRef& ref) override
  {
    const auto found = find_host(ref);
    if (!found)
      return std::nullopt;
    host_used_[*found] = true;
    return hosts_[*found].name;
  }

  std::int64_t host_count(const NameRef& ref) const override
  {
    if (host_index_.count(ref.name))
      return 1;
    const auto group = groups_.find(ref.name);
    return group != groups_.end() ? static_cast<std::int64_t>(group->second.size()) : 0;
  }

  void set_instances(const std::string& service, std::size_t count) override { instances_.emplace(service, count); }

  std::optional<std::size_t> instances(const std::string& service) const override
  {
    const auto it = instances_.find(service);
    return it != instances_.end() ? std::optional<std::size_t>(it->second) : std::nullopt;
  }

  bool used_by_steps(const std::string& service) const override { return used_by_steps_.count(service) > 0; }

  std::int64_t key_count() const override { return raw_.workload ? raw_.workload->spec.keys.count : 0; }

  std::optional<std::string> claim_once(const std::string& feature, const std::string& service) override
  {
    const auto [it, first] = claimed_.try_emplace(feature, service);
    return first || it->second == service ? std::nullopt : std::optional<std::string>(it->second);
  }

  bool find_request(const NameRef& ref) override
  {
    if (!raw_.requests)
      return false;
    for (const RequestRaw& r : *raw_.requests)
      if (r.spec.name == ref.name)
        return true;
    std::vector<std::string> names;
    for (const RequestRaw& r : *raw_.requests)
      names.push_back(r.spec.name);
    ctx_.error(ref.mark, "unknown request type " + quote(ref.name) + suggestion(ref.name, names, "request types are"));
    return false;
  }

  std::int64_t workload_users() const override
  {
    if (!raw_.workload || !raw_.workload->arrival)
      return 0;
    const ArrivalRaw& a = *raw_.workload->arrival;
    return a.process == ArrivalProcess::closed ? a.closed.users : raw_.workload->spec.users;
  }

  std::optional<std::vector<std::string>> resolve_host_list(const std::vector<NameRef>& refs,
                                                            const std::string& service) override
  {
    std::vector<std::string> out;
    std::set<std::string> seen;
    bool ok = true;
    for (const NameRef& ref : refs) {
      std::vector<std::size_t> members;
      if (const auto it = host_index_.find(ref.name); it != host_index_.end())
        members.push_back(it->second);
      else if (const auto group = groups_.find(ref.name); group != groups_.end())
        members = group->second;
      else {
        report_unknown_host(ref, true);
        ok = false;
        continue;
      }
      for (std::size_t i : members) {
        host_used_[i] = true;
        if (!seen.insert(hosts_[i].name).second) {
          ctx_.error(ref.mark, "host " + quote(hosts_[i].name) + " is listed twice in service " + quote(service) +
                                   (ref.name == hosts_[i].name ? "" : " (group " + quote(ref.name) + " includes it)"));
          ok = false;
          break;
        }
        out.push_back(hosts_[i].name);
      }
    }
    if (!ok)
      return std::nullopt;
    return out;
  }

  // --- links, routes, zones, users ---------------------------------------------------------------------

  // A link's end: the host or switch it names, or every member of the group it names.
  struct End {
    std::vector<std::string> names;
    std::string noun; // "hosts" or "switches", for a group
  };

  // How many elements resolve_end gives (0 for an unknown name), without copying their names.
  std::int64_t end_size(const NameRef& ref) const
  {
    if (host_index_.count(ref.name) || switch_index_.count(ref.name))
      return 1;
    if (const auto group = groups_.find(ref.name); group != groups_.end())
      return static_cast<std::int64_t>(group->second.size());
    if (const auto group = switch_groups_.find(ref.name); group != switch_groups_.end())
      return static_cast<std::int64_t>(group->second.size());
    return 0;
  }

  std::optional<End> resolve_end(const NameRef& ref)
  {
    if (host_index_.count(ref.name) || switch_index_.count(ref.name))
      return End{{ref.name}, ""};
    if (const auto group = groups_.find(ref.name); group != groups_.end()) {
      End end{{}, "hosts"};
      for (std::size_t i : group->second)
        end.names.push_back(hosts_[i].name);
      return end;
    }
    if (const auto group = switch_groups_.find(ref.name); group != switch_groups_.end())
      return End{group->second, "switches"};
    report_unknown_element(ref, true);
    return std::nullopt;
  }

  void expand_links()
  {
    const HardwareRaw& hw = *raw_.hardware;
    links_complete_ = hw.entries.find("links") && hw.links.ok; // without links, routes have their own error
    std::map<std::string, int> declared;                       // link name -> line
    for (const LinkRaw& l : hw.links.items) {
      // Checked before the ends are expanded: a group at one end gives a link per member.
      if (static_cast<std::int64_t>(links_.size()) + end_size(l.between[0]) * end_size(l.between[1]) > limits::kLinks) {
        ctx_.error(l.entries.find("between")->value.Mark(),
                   "with this entry there are more than " + std::to_string(limits::kLinks) +
                       " links once groups are expanded, the most a topology may have");
        links_complete_ = false;
        return;
      }
      const auto a = resolve_end(l.between[0]);
      const auto b = resolve_end(l.between[1]);
      if (!a || !b) {
        links_complete_ = false;
        continue;
      }
      const YAML::Mark between = l.entries.find("between")->value.Mark();
      if (a->names.size() > 1 && b->names.size() > 1) {
        ctx_.error(between, "between: at most one end may be a group of several; " + quote(l.between[0].name) +
                                " has " + std::to_string(a->names.size()) + " " + a->noun + " and " +
                                quote(l.between[1].name) + " has " + std::to_string(b->names.size()) + " " + b->noun);
        links_complete_ = false;
        continue;
      }
      std::vector<std::pair<std::string, std::string>> pairs;
      for (const auto& x : a->names)
        for (const auto& y : b->names)
          pairs.emplace_back(x, y);
      const auto same = std::find_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.first == p.second; });
      if (same != pairs.end()) {
        ctx_.error(between,
                   "a link joins two different hosts or switches; both ends of this one are " + quote(same->first));
        links_complete_ = false;
        continue;
      }
      const bool named = !l.spec.name.empty();
      const YAML::Mark mark = named ? l.entries.find("name")->value.Mark() : between;
      std::vector<LinkSpec> expanded;
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        LinkSpec spec = l.spec;
        spec.a = pairs[i].first;
        spec.b = pairs[i].second;
        spec.name = !named             ? spec.a + "--" + spec.b
                    : pairs.size() > 1 ? l.spec.name + "-" + std::to_string(i + 1)
                                       : l.spec.name;
        spec.where = ctx_.location(l.entries.map().Mark());
        expanded.push_back(std::move(spec));
      }
      const auto clash = std::find_if(expanded.begin(), expanded.end(),
                                      [&declared](const LinkSpec& s) { return declared.count(s.name) > 0; });
      if (clash != expanded.end()) {
        ctx_.error(mark, "link " + quote(clash->name) + " is declared twice: at line " +
                             std::to_string(declared.at(clash->name)) + " and at line " +
                             std::to_string(line_of(l.entries.map().Mark())) +
                             (named ? "" : "; name the links to tell them apart"));
        links_complete_ = false;
        continue;
      }
      for (LinkSpec& spec : expanded) {
        declared.emplace(spec.name, line_of(l.entries.map().Mark()));
        link_index_.emplace(spec.name, links_.size());
        link_names_.push_back(spec.name);
        links_.push_back(std::move(spec));
      }
    }
  }

  // A route's end: a host, not a switch.
  std::optional<std::size_t> route_end(const NameRef& ref)
  {
    if (switch_index_.count(ref.name) || switch_groups_.count(ref.name)) {
      ctx_.error(ref.mark, quote(ref.name) + " is a switch; a route goes from a host to a host");
      return std::nullopt;
    }
    return find_host(ref);
  }

  void resolve_routes()
  {
    const HardwareRaw& hw = *raw_.hardware;
    for (const RouteRaw& r : hw.routes.items) {
      RouteSpec spec = r.spec;
      spec.where = ctx_.location(r.entries.map().Mark());
      const auto from = route_end(*r.from);
      const auto to = route_end(*r.to);
      if (from && to && *from == *to)
        ctx_.error(r.to->mark, "a route joins two different hosts; both ends of this one are " + quote(r.to->name));
      if (from)
        spec.from = hosts_[*from].name;
      if (to)
        spec.to = hosts_[*to].name;
      for (const NameRef& link : r.links) {
        if (link_index_.count(link.name))
          spec.links.push_back(link.name);
        else if (links_complete_)
          ctx_.error(link.mark, "unknown link " + quote(link.name) + suggestion(link.name, link_names_, "links are"));
      }
      routes_.push_back(std::move(spec));
    }
  }

  void report_unknown_datacenter(const NameRef& ref)
  {
    const NetworkRaw& network = raw_.hardware->network;
    if (!network.datacenters_ok)
      return;
    ctx_.error(ref.mark, "unknown data centre " + quote(ref.name) +
                             suggestion(ref.name, network.spec.datacenters, "data centres are"));
  }

  // With a network shape, zones are data centres (shape datacenters) or nothing; with links they are free.
  void check_zones()
  {
    const HardwareRaw& hw = *raw_.hardware;
    if (hw.entries.find("links"))
      return;
    const NetworkRaw& network = hw.network;
    if (!network.shape_ok)
      return; // the shape has an error of its own
    for (const HostRaw& h : hw.hosts.items) {
      const Entry* zone = h.entries.find("zone");
      switch (network.spec.shape) {
      case NetworkSpec::Shape::lan:
        if (zone)
          ctx_.error(zone->key.Mark(), "zone is not used with network shape lan: a lan has no zones (they are "
                                       "for shape datacenters and for links)");
        break;
      case NetworkSpec::Shape::racks:
        if (zone)
          ctx_.error(zone->key.Mark(), "zone is not used with network shape racks: zones come from the shape "
                                       "(racks are named rack-1, rack-2, ...)");
        break;
      case NetworkSpec::Shape::datacenters:
        if (!zone)
          ctx_.error(h.entries.map().Mark(), "host " + quote(h.spec.name) +
                                                 " has no zone; with network shape datacenters every host is in " +
                                                 (network.datacenters_ok ? "one of: " + join(network.spec.datacenters)
                                                                         : std::string("a data centre")));
        else if (!h.spec.zone.empty() && std::find(network.spec.datacenters.begin(), network.spec.datacenters.end(),
                                                   h.spec.zone) == network.spec.datacenters.end())
          report_unknown_datacenter(NameRef{h.spec.zone, zone->value.Mark()});
        break;
      }
    }
  }

  void resolve_users()
  {
    const HardwareRaw& hw = *raw_.hardware;
    const std::string needs_attach =
        "with simgrid_platform, say which host the users' traffic comes from: users: {attach: HOST}";
    if (!hw.users) {
      if (hw.simgrid_platform)
        ctx_.error(hw.entries.key_mark("simgrid_platform"), needs_attach);
      return;
    }
    const UsersRaw& u = *hw.users;
    users_ = u.spec;
    users_.where = ctx_.location(u.entries.map().Mark());
    if (u.attach) {
      if (hw.simgrid_platform) {
        if (const auto h = find_host(*u.attach))
          users_.attach = hosts_[*h].name;
      } else if (host_index_.count(u.attach->name) || switch_index_.count(u.attach->name)) {
        users_.attach = u.attach->name;
      } else if (groups_.count(u.attach->name) || switch_groups_.count(u.attach->name)) {
        const auto end = resolve_end(*u.attach);
        ctx_.error(u.attach->mark, quote(u.attach->name) + " is a group of " + std::to_string(end->names.size()) + " " +
                                       end->noun + "; the users' link joins one of them: " + members_text(end->names));
      } else {
        report_unknown_element(*u.attach, false);
      }
    } else if (hw.simgrid_platform) {
      ctx_.error(u.entries.map().Mark(), needs_attach);
    }
    if (u.zone && hw.network.shape_ok) { // a shape with an error has a message of its own
      const bool datacenters =
          !hw.simgrid_platform && !hw.entries.find("links") && hw.network.spec.shape == NetworkSpec::Shape::datacenters;
      const auto& names = hw.network.spec.datacenters;
      if (!datacenters)
        ctx_.error(u.entries.key_mark("zone"), "users.zone is only used with network shape datacenters");
      else if (std::find(names.begin(), names.end(), u.zone->name) == names.end())
        report_unknown_datacenter(*u.zone);
      else
        users_.zone = u.zone->name;
    }
  }

  void resolve_hardware()
  {
    if (!raw_.hardware)
      return;
    const HardwareRaw& hw = *raw_.hardware;
    if (hw.simgrid_platform) {
      // With keys that the platform replaces, it is not read: which hosts would the services mean?
      if (!hw.conflict)
        read_platform();
    } else {
      expand_hosts();
      expand_switches();
      expand_links();
      resolve_routes();
      check_zones();
    }
    host_used_.assign(hosts_.size(), false);
    resolve_users();
  }

  // --- services ----------------------------------------------------------------------------------------

  void index_services()
  {
    if (!raw_.services)
      return;
    for (ServiceRaw& s : *raw_.services) {
      services_.emplace(s.name, &s);
      service_names_.push_back(s.name);
    }
  }

  // The service a name refers to; nullptr (reported) when there is none. Unknown names are not reported when
  // the services section itself could not be read.
  ServiceRaw* find_service(const NameRef& ref) override
  {
    if (const auto it = services_.find(ref.name); it != services_.end())
      return it->second;
    if (raw_.services)
      ctx_.error(ref.mark, "unknown service " + quote(ref.name) + suggestion(ref.name, service_names_, "services are"));
    return nullptr;
  }

  // Checks that a referenced service has one of the wanted kinds; a service whose kind did not read passes.
  bool has_kind(const ServiceRaw& target, const NameRef& ref, const std::string& label,
                const std::vector<ServiceKindTag>& wanted) override
  {
    if (!target.kind)
      return false;
    std::string expected;
    std::size_t i = 0;
    for (ServiceKindTag k : wanted) {
      if (*target.kind == k)
        return true;
      expected += (i++ == 0 ? "" : " or ") + std::string(kind_name(k));
    }
    ctx_.error(ref.mark,
               label + ": service " + quote(ref.name) + " is " + kind_name(*target.kind) + "; expected " + expected);
    return false;
  }

  // The limits on instances, workers and connections, summed before any host list is expanded.
  bool services_within_limits()
  {
    std::int64_t instances = 0;
    std::int64_t slots = 0;
    for (const ServiceRaw& s : *raw_.services) {
      KindSize size; // a service whose kind did not read: one instance
      if (s.kind)
        size = std::visit([&](const auto& spec) { return kind_size(spec, s, *this); }, s.spec);
      instances += size.instances;
      slots += size.instances * size.per_instance; // instances at most 10^6 (hosts), per instance 2^31: no overflow
      if (instances > limits::kInstances) {
        ctx_.error(value_mark(s.entries, s.hosts ? "hosts" : "host"),
                   "with service " + quote(s.name) + " there are " + std::to_string(instances) +
                       " service instances in all; a topology may have at most " + std::to_string(limits::kInstances));
        return false;
      }
      if (slots > limits::kWorkersAndConnections) {
        ctx_.error(value_mark(s.entries, size.per_instance_key),
                   "with service " + quote(s.name) + " the instances have " + std::to_string(slots) +
                       " workers and connections in all; a topology may have at most " +
                       std::to_string(limits::kWorkersAndConnections));
        return false;
      }
    }
    return true;
  }

  // Each kind resolves the names its services refer to; the kinds resolved last see the others' instances.
  void resolve_services()
  {
    if (!raw_.services || !services_within_limits())
      return;
    for (const bool last : {false, true})
      for (ServiceRaw& s : *raw_.services)
        if (s.kind)
          std::visit(
              [&](auto& spec) {
                if (resolved_last(spec) == last)
                  resolve_kind(spec, s, *this);
              },
              s.spec);
  }

  // --- requests ----------------------------------------------------------------------------------------

  void report_unknown_request(const NameRef& ref)
  {
    ctx_.error(ref.mark,
               "unknown request type " + quote(ref.name) + suggestion(ref.name, request_names_, "request types are"));
  }

  void resolve_requests()
  {
    if (!raw_.requests)
      return;
    for (std::size_t i = 0; i < raw_.requests->size(); ++i) {
      request_index_.emplace((*raw_.requests)[i].spec.name, i);
      request_names_.push_back((*raw_.requests)[i].spec.name);
    }
    calls_.assign(raw_.requests->size(), {});
    for (std::size_t r = 0; r < raw_.requests->size(); ++r) {
      const std::vector<StepRaw>& steps = (*raw_.requests)[r].steps;
      for (std::size_t i = 0; i < steps.size(); ++i)
        resolve_step(r, steps, i);
    }
  }

  // A step, by its kind's rules: the kinds of service it may name, whether it needs keys, whether it may be
  // inside on_miss; and the request type it calls.
  void resolve_step(std::size_t request, const std::vector<StepRaw>& steps, std::size_t at)
  {
    const StepRaw& step = steps[at];
    const StepRules& rules = step.rules;
    if (!rules.returns && step.inside_miss > 0)
      ctx_.error(step.mark, step.kind + " cannot be inside on_miss: the request must come back to its cache_get");
    if (step.service)
      if (ServiceRaw* target = find_service(*step.service))
        if (has_kind(*target, *step.service, step.kind, rules.targets)) {
          used_by_steps_.insert(target->name);
          if (rules.check)
            rules.check(ctx_, steps, at);
        }
    if (rules.needs_keys && raw_.workload && raw_.workload->spec.keys.count == 0 && !reported_keyless_) {
      reported_keyless_ = true;
      ctx_.error(step.mark, step.kind + ": the requests carry no key; give workload.keys a count");
    }
    if (step.request) {
      if (const auto it = request_index_.find(step.request->name); it != request_index_.end()) {
        if (rules.waits_for_request)
          calls_[request].emplace_back(it->second, step.mark);
      } else
        report_unknown_request(*step.request);
    }
  }

  // Depth-first search over "request type calls request type", iterative so that a long chain cannot
  // exhaust the stack. Each back edge closes a cycle, reported at the call that closes it.
  void check_call_cycles()
  {
    enum class State { unseen, open, done };
    std::vector<State> state(calls_.size(), State::unseen);
    for (std::size_t root = 0; root < calls_.size(); ++root) {
      if (state[root] != State::unseen)
        continue;
      std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}}; // node, next edge
      state[root] = State::open;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == calls_[node].size()) {
          state[node] = State::done;
          stack.pop_back();
          continue;
        }
        const auto [target, mark] = calls_[node][next++];
        if (state[target] == State::unseen) {
          state[target] = State::open;
          stack.emplace_back(target, 0);
        } else if (state[target] == State::open) {
          std::string path;
          bool in_cycle = false;
          for (const auto& frame : stack) {
            in_cycle = in_cycle || frame.first == target;
            if (in_cycle)
              path += (*raw_.requests)[frame.first].spec.name + " -> ";
          }
          ctx_.error(mark, "call cycle: " + path + (*raw_.requests)[target].spec.name);
        }
      }
    }
  }

  // --- workload ----------------------------------------------------------------------------------------

  void resolve_workload()
  {
    if (!raw_.workload)
      return;
    WorkloadRaw& w = *raw_.workload;
    if (w.entry)
      if (ServiceRaw* entry = find_service(*w.entry))
        has_kind(*entry, *w.entry, "entry", kind_tags<LoadBalancerSpec, ApiServerSpec, CdnSpec>());
    resolve_zones_and_geodns(w);
    if (w.mix) {
      for (const MixItem& item : *w.mix)
        if (raw_.requests && request_index_.find(item.request.name) == request_index_.end())
          report_unknown_request(item.request);
    } else if (raw_.requests && request_names_.size() > 1 && !w.entries.find("mix")) {
      ctx_.error(w.entries.map().Mark(), "missing key \"mix\" in the workload: there are " +
                                             std::to_string(request_names_.size()) +
                                             " request types: " + join(request_names_));
    }
    if (w.arrival && w.arrival->process == ArrivalProcess::trace && raw_.requests)
      read_trace(w);
  }

  // workload.zones name zones of the hardware; workload.geodns's entries name entry services.
  void resolve_zones_and_geodns(WorkloadRaw& w)
  {
    if (w.zones)
      for (const ZoneShareRaw& z : *w.zones)
        if (is_empty_datacenter(z.zone.name) || find_zone(z.zone))
          w.spec.zones.push_back({z.zone.name, z.share});
    if (w.geodns && w.geodns->entries) {
      GeoDnsSpec g = w.geodns->spec;
      g.where = ctx_.location(w.geodns->map.map().Mark());
      for (const NameRef& e : *w.geodns->entries)
        if (ServiceRaw* entry = find_service(e)) {
          has_kind(*entry, e, "geodns entry", kind_tags<LoadBalancerSpec, ApiServerSpec, CdnSpec>());
          g.entries.push_back(e.name);
        }
      w.spec.geodns = std::move(g);
    }
  }

  // The arrivals of a trace file, each problem at its own file:line:col.
  void read_trace(WorkloadRaw& w)
  {
    ArrivalRaw& a = *w.arrival;
    std::filesystem::path path(a.open.trace_file);
    if (path.is_relative())
      path = std::filesystem::path(ctx_.file()).parent_path() / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      ctx_.error(a.trace_mark, "file: cannot read the trace " + quote(path.string()) + ": " + std::strerror(errno));
      return;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<TraceProblem> problems;
    a.open.trace = parse_trace(text, request_names_, problems);
    for (const TraceProblem& p : problems)
      ctx_.error(SourceLocation{path.string(), p.line, p.column}, p.message);
    if (problems.empty() && a.open.trace.empty())
      ctx_.error(a.trace_mark, "file: the trace " + quote(path.string()) + " has no arrivals");
    const std::int64_t keys = w.spec.keys.count;
    for (const TraceArrival& t : a.open.trace)
      if (t.key > keys) {
        ctx_.error(a.trace_mark, "file: the trace gives key " + std::to_string(t.key) +
                                     (keys == 0 ? ", but requests carry no key; give workload.keys a count"
                                                : ", beyond workload.keys.count (" + std::to_string(keys) + ")"));
        break;
      }
  }

  // --- faults ------------------------------------------------------------------------------------------

  static std::string time_text(SimTime t) { return format_duration(to_seconds(t)); }

  // Whether a fault's time read and comes before the end (reported otherwise): only those are compared.
  bool timed(const FaultRaw& f) const
  {
    return f.at_read && (f.spec.down_for || !f.entries.find("for")) && f.spec.at < raw_.spec.duration;
  }

  std::string fault_text(const FaultRaw& f) const
  {
    return "the fault at line " + std::to_string(line_of(f.entries.map().Mark())) + " (" +
           fault_kind_name(f.spec.kind) + " at " + time_text(f.spec.at) +
           (f.spec.down_for ? " for " + time_text(*f.spec.down_for)
                            : std::string(" for the rest of the run: it has no \"for\"")) +
           ")";
  }

  void report_overlap(const FaultRaw& later_one, const FaultRaw& earlier, const std::string& what)
  {
    const Entry* at = later_one.entries.find("at");
    ctx_.error(site_of(at->key, at->value, "at").mark,
               what + " at " + time_text(later_one.spec.at) + ": " + fault_text(earlier) + " holds then");
  }

  // A data centre of network shape datacenters, which has its gateway even with no host in it: users can be
  // there (workload.zones, as hardware.users.zone), far from every server.
  bool is_empty_datacenter(const std::string& name) const
  {
    if (!raw_.hardware || raw_.hardware->simgrid_platform || raw_.hardware->entries.find("links"))
      return false;
    const NetworkRaw& network = raw_.hardware->network;
    const auto& names = network.spec.datacenters;
    return network.shape_ok && network.datacenters_ok && network.spec.shape == NetworkSpec::Shape::datacenters &&
           std::find(names.begin(), names.end(), name) != names.end();
  }

  // A zone some host or switch is in; reports an unknown one with the zones there are.
  bool find_zone(const NameRef& ref)
  {
    std::set<std::string> zones;
    for (const HostSpec& h : hosts_)
      if (!h.zone.empty())
        zones.insert(h.zone);
    for (const SwitchSpec& sw : switches_)
      if (!sw.zone.empty())
        zones.insert(sw.zone);
    if (zones.count(ref.name))
      return true;
    if (!hosts_complete_ || !switches_complete_)
      return false;
    const std::vector<std::string> names(zones.begin(), zones.end());
    ctx_.error(ref.mark, "unknown zone " + quote(ref.name) +
                             (names.empty() ? std::string("; no host is in a zone (hosts' `zone`)")
                                            : suggestion(ref.name, names, "zones are")));
    return false;
  }

  // Each crash names one host, each zone fault a zone; a host's down periods do not overlap (one without
  // `for` lasts to the end, a zone's crash is a crash of each of its hosts), nor do its slow periods, of its
  // cores or of its disk. Links are resolved with the network's graph (resolve_link_faults), and the crashes
  // of service instances once the file is otherwise right (check_service_crashes).
  void resolve_faults()
  {
    // By host, the windows of the faults whose time read, by index in raw_.faults.items.
    std::map<std::string, std::vector<FaultWindow>> crashes, slow, disk;
    for (std::size_t i = 0; i < raw_.faults.items.size(); ++i) {
      FaultRaw& f = raw_.faults.items[i];
      const auto& target = f.target();
      if (!target)
        continue;
      const FaultWindow window{f.spec.at, f.spec.until(), i};
      switch (f.spec.kind) {
      case FaultSpec::Kind::crash:
        if (const auto h = find_host(*target)) {
          f.spec.host = hosts_[*h].name;
          if (timed(f))
            crashes[f.spec.host].push_back(window);
        }
        break;
      case FaultSpec::Kind::crash_zone:
        if (find_zone(*target)) {
          f.spec.zone = target->name;
          if (timed(f))
            for (const HostSpec& h : hosts_)
              if (h.zone == f.spec.zone)
                crashes[h.name].push_back(window);
        }
        break;
      case FaultSpec::Kind::partition_zone:
        if (find_zone(*target))
          f.spec.zone = target->name;
        break;
      case FaultSpec::Kind::delay_link:
      case FaultSpec::Kind::cut_link:
        f.spec.link = target->name;
        break;
      case FaultSpec::Kind::slow:
      case FaultSpec::Kind::fill_disk:
        if (const auto h = find_host(*target)) {
          f.spec.host = hosts_[*h].name;
          if (timed(f))
            (f.spec.kind == FaultSpec::Kind::slow ? slow : disk)[f.spec.host].push_back(window);
        }
        break;
      case FaultSpec::Kind::crash_service:
        resolve_service_crash(f);
        break;
      }
    }
    for (const auto& [host, windows] : crashes)
      report_clashes(windows, "host " + quote(host) + " is already down");
    for (const auto& [host, windows] : slow)
      report_clashes(windows, "host " + quote(host) + " is already slowed");
    for (const auto& [host, windows] : disk)
      report_clashes(windows, "the disk of host " + quote(host) + " is already full");
  }

  // Each fault of one timeline that starts while an earlier one holds: `what` (such as "host "db" is already
  // down") at its `at`.
  void report_clashes(const std::vector<FaultWindow>& windows, const std::string& what)
  {
    for (const FaultClash& c : clashes(windows))
      report_overlap(raw_.faults.items[c.later], raw_.faults.items[c.earlier], what);
  }

  // A crash_service names a service and, with `instance`, one of its instances.
  void resolve_service_crash(FaultRaw& f)
  {
    const ServiceRaw* s = find_service(*f.crash_service);
    if (!s)
      return;
    f.spec.service = s->name;
    if (!s->kind || f.spec.instance == 0)
      return;
    const std::vector<std::string> hosts = instance_hosts(s->spec);
    if (hosts.empty() || f.spec.instance <= static_cast<int>(hosts.size()))
      return;
    const Entry* instance = f.entries.find("instance");
    ctx_.error(site_of(instance->key, instance->value, "instance").mark,
               "service " + quote(s->name) + " has no instance " + std::to_string(f.spec.instance) + ": it has " +
                   std::to_string(hosts.size()) + (hosts.size() == 1 ? " instance" : " instances") + " (on " +
                   members_text(hosts) + "), numbered from 1");
  }

  // Once the file is free of other errors: an instance's crashes overlap neither each other nor a crash of its
  // host (a zone's crash counting as a crash of each of its hosts).
  void check_service_crashes(const TopologySpec& spec)
  {
    const auto hosts = host_crashes(spec);
    for (auto [instance, windows] : service_crashes(spec)) {
      const std::size_t host = spec.index_of_host(instance_hosts(spec.services[instance.first].kind)[instance.second]);
      if (const auto it = hosts.find(host); it != hosts.end())
        windows.insert(windows.end(), it->second.begin(), it->second.end());
      const std::string down = "instance " + std::to_string(instance.second + 1) + " of service " +
                               quote(spec.services[instance.first].name) + " (on " + spec.hardware.hosts[host].name +
                               ") is already down";
      for (const FaultClash& c : clashes(windows))
        report_overlap(raw_.faults.items[c.later], raw_.faults.items[c.earlier],
                       spec.faults[c.earlier].kind == FaultSpec::Kind::crash_service ? down : down + " with its host");
    }
  }

  // With the network's graph: every delay_link and cut_link names a link of it, and no link is cut twice at
  // once (a partition cuts each link between its zone and the others).
  void resolve_link_faults(const TopologySpec& spec, const HardwareGraph& graph)
  {
    std::vector<std::string> names;
    for (const NetLink& l : graph.links())
      names.push_back(l.name);
    bool all_found = true;
    for (const FaultRaw& f : raw_.faults.items) {
      if ((f.spec.kind != FaultSpec::Kind::delay_link && f.spec.kind != FaultSpec::Kind::cut_link) || !f.target())
        continue;
      if (!spec.hardware.simgrid_platform.empty()) {
        all_found = false;
        ctx_.error(f.target()->mark, std::string(fault_kind_name(f.spec.kind)) +
                                         " is not available with simgrid_platform yet: give the network as a shape "
                                         "or as links");
      } else if (!graph.find_link(f.spec.link)) {
        all_found = false;
        ctx_.error(f.target()->mark,
                   "unknown link " + quote(f.spec.link) +
                       (names.size() <= 12 || !close_names(f.spec.link, {&names}).empty()
                            ? suggestion(f.spec.link, names, "links are")
                            : "; " + std::to_string(names.size()) + " links, named as in results.json's links[]"));
      }
    }
    if (!all_found)
      return;
    for (const auto& [link, faults] : link_faults(spec, graph))
      report_clashes(faults.cuts,
                     "link " + quote(graph.links()[static_cast<std::size_t>(link)].name) + " is already cut");
  }

  // Only for a file without errors: a service that failed to read would make its hosts look unused.
  void warn_unused()
  {
    if (ctx_.error_count() > 0)
      return;
    // A platform file describes a whole site, of which a topology may use a few hosts.
    for (std::size_t i = 0; i < hosts_.size() && !hosts_from_platform_; ++i)
      if (!host_used_[i])
        ctx_.warning(host_marks_[i], "host " + quote(hosts_[i].name) + " is not used by any service");
    if (!raw_.services || !raw_.requests)
      return;
    // A service another one calls outside the steps (a session store) is used too.
    for (const ServiceRaw& s : *raw_.services)
      if (s.kind)
        for (const std::string& called : services_called(s.spec, s.name))
          used_by_steps_.insert(called);
    for (const ServiceRaw& s : *raw_.services)
      if (s.kind)
        std::visit([&](const auto& spec) { check_use(spec, s, *this); }, s.spec);
  }

  // --- the spec ----------------------------------------------------------------------------------------

  TopologySpec assemble()
  {
    TopologySpec spec = raw_.spec;
    spec.file = ctx_.file();
    const HardwareRaw& hw = *raw_.hardware;
    spec.hardware.hosts = hosts_;
    spec.hardware.network = hw.network.spec;
    const Entry* network = hw.entries.find("network");
    spec.hardware.network.where = ctx_.location(network ? network->value.Mark() : hw.entries.map().Mark());
    spec.hardware.switches = switches_;
    spec.hardware.links = links_;
    spec.hardware.routes = routes_;
    spec.hardware.simgrid_platform = platform_path_;
    spec.hardware.users = users_;
    if (!hw.users)
      spec.hardware.users.where = ctx_.location(hw.entries.map().Mark());
    for (const ServiceRaw& s : *raw_.services) {
      ServiceSpec service;
      service.name = s.name;
      service.where = ctx_.location(s.mark);
      service.kind = s.spec;
      spec.services.push_back(std::move(service));
    }
    for (const RequestRaw& r : *raw_.requests) {
      RequestTypeSpec request = r.spec;
      request.where = ctx_.location(r.mark);
      for (const StepRaw& step : r.steps)
        request.steps.push_back(StepSpec{step.step, ctx_.location(step.mark)});
      spec.requests.push_back(std::move(request));
    }
    const WorkloadRaw& w = *raw_.workload;
    spec.workload = w.spec;
    spec.workload.entry = w.entry ? w.entry->name : spec.workload.geodns->entries.front();
    if (w.arrival->process == ArrivalProcess::closed)
      spec.workload.arrival = w.arrival->closed;
    else
      spec.workload.arrival = w.arrival->open;
    if (w.mix)
      for (const MixItem& item : *w.mix)
        spec.workload.mix.emplace_back(item.request.name, item.weight);
    else
      spec.workload.mix.emplace_back(spec.requests.front().name, 1.0);
    for (const FaultRaw& f : raw_.faults.items)
      spec.faults.push_back(f.spec);
    return spec;
  }

  Context& ctx_;
  TopologyRaw& raw_;

  // A name's first declaration, as a host or a switch (they share one set of names).
  std::map<std::string, Origin> declared_;

  std::vector<HostSpec> hosts_; // expanded, in file order
  std::vector<YAML::Mark> host_marks_;
  std::vector<std::string> host_names_;
  std::vector<std::string> group_names_; // groups with count > 1
  std::vector<std::string> listing_;     // for "hosts are: ...", one item per entry
  std::map<std::string, std::size_t> host_index_;
  std::map<std::string, std::vector<std::size_t>> groups_;
  std::vector<bool> host_used_;
  bool hosts_complete_ = false;
  bool hosts_from_platform_ = false;
  std::string platform_path_;

  std::vector<SwitchSpec> switches_; // expanded
  std::map<std::string, std::size_t> switch_index_;
  std::map<std::string, std::vector<std::string>> switch_groups_;
  std::vector<std::string> switch_names_;
  std::vector<std::string> switch_group_names_;
  std::vector<std::string> switch_listing_;
  bool switches_complete_ = true;

  std::vector<LinkSpec> links_; // expanded
  std::map<std::string, std::size_t> link_index_;
  std::vector<std::string> link_names_;
  bool links_complete_ = true;
  std::vector<RouteSpec> routes_;
  UsersSpec users_;

  std::map<std::string, ServiceRaw*> services_;
  std::vector<std::string> service_names_;
  std::map<std::string, std::size_t> instances_; // api_server -> instance count, when its hosts resolved
  std::set<std::string> used_by_steps_;          // services some step names, with the right kind
  std::map<std::string, std::string> claimed_;   // claim_once(): feature -> the service that has it
  bool reported_keyless_ = false;                // once per file: every step that needs keys would say the same

  std::map<std::string, std::size_t> request_index_;
  std::vector<std::string> request_names_;
  std::vector<std::vector<std::pair<std::size_t, YAML::Mark>>> calls_; // request -> (called request, step)
};

LoadResult finish(Context& ctx, std::optional<TopologySpec> spec)
{
  LoadResult result;
  result.errors = ctx.take_errors();
  result.warnings = ctx.take_warnings();
  if (result.errors.empty())
    result.spec = std::move(spec);
  return result;
}

} // namespace

LoadResult load_topology_text(const std::string& yaml_text, const std::string& file_label)
{
  Context ctx(file_label);
  const auto document = read_single_document(
      ctx, yaml_text, YamlBounds{limits::kFileBytes, limits::kYamlDepth, limits::kYamlValues}, "a topology file");
  if (!document)
    return finish(ctx, std::nullopt);
  if (document->IsNull()) {
    YAML::Mark start;
    start.line = 0;
    start.column = 0;
    ctx.error(start, "the file is empty; expected " + describe_top_level());
    return finish(ctx, std::nullopt);
  }
  if (!document->IsMap()) {
    ctx.error(document->Mark(), "expected " + describe_top_level() + ", got " + describe(*document));
    return finish(ctx, std::nullopt);
  }
  try {
    TopologyRaw raw = read_topology(ctx, *document);
    Resolver resolver(ctx, raw);
    return finish(ctx, resolver.run());
  } catch (const TooManyErrors&) {
    return finish(ctx, std::nullopt);
  }
}

std::optional<std::string> read_text_file(const std::string& path, std::string& error)
{
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    error = in ? "it is a directory" : std::strerror(errno);
    return std::nullopt;
  }
  // One byte more than a file may hold is enough to refuse it.
  std::string text;
  std::vector<char> buffer(1 << 16);
  while (text.size() <= limits::kFileBytes) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (!in)
      break;
  }
  return text;
}

LoadResult load_topology_file(const std::string& path)
{
  return load_file<LoadResult>(
      path, [](const std::string& text, const std::string& file) { return load_topology_text(text, file); });
}

std::string schema_reference_markdown()
{
  return topology_reference_markdown();
}

std::vector<std::string> schema_words()
{
  return topology_words();
}

} // namespace scalelab::models
