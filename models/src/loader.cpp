// Loading a topology file: yaml-cpp parses, schema_topology.cpp reads each section by its declaration, and
// the Resolver below checks what no single section can: names that refer to other sections, host names
// after count expansion, call cycles. Everything is reported; the spec is returned only when nothing was.
#include "scalelab/models/loader.hpp"

#include "schema_topology.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

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

const char* kind_name(ServiceKindTag kind)
{
  switch (kind) {
  case ServiceKindTag::load_balancer:
    return "a load_balancer";
  case ServiceKindTag::api_server:
    return "an api_server";
  case ServiceKindTag::database:
    return "a database";
  }
  return "";
}

int line_of(const YAML::Mark& mark)
{
  return mark.line + 1;
}

class Resolver
{
public:
  Resolver(Context& ctx, TopologyRaw& raw) : ctx_(ctx), raw_(raw) {}

  // The spec, when the whole file is free of errors (those found while reading included).
  std::optional<TopologySpec> run()
  {
    expand_hosts();
    index_services();
    resolve_services();
    resolve_requests();
    check_call_cycles();
    resolve_workload();
    warn_unused();
    if (ctx_.error_count() > 0)
      return std::nullopt;
    return assemble();
  }

private:
  struct HostOrigin {
    int line = 0;
    std::string group; // set when the name comes from a group with count > 1
    int count = 1;
  };

  // --- hosts -------------------------------------------------------------------------------------------

  static YAML::Mark name_mark(const HostRaw& h)
  {
    const Entry* e = h.entries.find("name");
    return e ? e->value.Mark() : h.entries.map().Mark();
  }

  static std::string origin_text(const HostOrigin& o)
  {
    std::string text = "at line " + std::to_string(o.line);
    if (!o.group.empty())
      text += " (by " + quote(o.group) + " with count " + std::to_string(o.count) + ")";
    return text;
  }

  void expand_hosts()
  {
    if (!raw_.hardware)
      return;
    hosts_complete_ = raw_.hardware->hosts_ok;
    std::map<std::string, HostOrigin> declared;
    for (const HostRaw& h : raw_.hardware->hosts) {
      const YAML::Mark mark = name_mark(h);
      const int line = line_of(mark);
      std::vector<std::pair<std::string, HostOrigin>> names;
      if (h.count > 1) {
        names.emplace_back(h.spec.name, HostOrigin{line, "", 1});
        for (int i = 1; i <= h.count; ++i)
          names.emplace_back(h.spec.name + "-" + std::to_string(i), HostOrigin{line, h.spec.name, h.count});
      } else {
        names.emplace_back(h.spec.name, HostOrigin{line, "", 1});
      }
      // One message per entry: a repeated group would otherwise clash once per instance.
      bool clash = false;
      for (const auto& [name, origin] : names) {
        const auto it = declared.find(name);
        if (it == declared.end())
          continue;
        ctx_.error(mark, "host " + quote(name) + " is declared twice: " + origin_text(it->second) + " and " +
                             origin_text(origin));
        clash = true;
        break;
      }
      if (clash) {
        hosts_complete_ = false;
        continue;
      }
      for (const auto& [name, origin] : names)
        declared.emplace(name, origin);

      std::vector<std::size_t> members;
      for (std::size_t i = h.count > 1 ? 1 : 0; i < names.size(); ++i) {
        HostSpec spec = h.spec;
        spec.name = names[i].first;
        spec.where = ctx_.location(h.entries.map().Mark());
        members.push_back(hosts_.size());
        host_index_.emplace(spec.name, hosts_.size());
        host_names_.push_back(spec.name);
        hosts_.push_back(spec);
        host_marks_.push_back(h.entries.map().Mark());
      }
      if (h.count > 1) {
        groups_.emplace(h.spec.name, members);
        group_names_.push_back(h.spec.name);
      }
      listing_.push_back(h.count == 1   ? h.spec.name
                         : h.count <= 4 ? join(std::vector<std::string>(host_names_.end() - h.count, host_names_.end()))
                                        : h.spec.name + "-1 to " + h.spec.name + "-" + std::to_string(h.count));
    }
    host_used_.assign(hosts_.size(), false);
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
      std::vector<std::string> members;
      for (std::size_t i : group->second)
        members.push_back(hosts_[i].name);
      message += "; " + quote(group->first) + " has " + std::to_string(members.size()) +
                 " hosts: " + (members.size() <= 4 ? join(members) : members.front() + " to " + members.back());
    } else {
      std::vector<std::string> candidates = host_names_;
      if (groups_allowed)
        candidates.insert(candidates.end(), group_names_.begin(), group_names_.end());
      const auto close = close_names(ref.name, candidates);
      message +=
          close.empty() ? "; hosts are: " + join(listing_) : "; did you mean " + quoted_alternatives(close) + "?";
    }
    ctx_.error(ref.mark, message);
  }

  // A host that runs a single instance: an instance name, never a group.
  std::optional<std::size_t> resolve_host(const NameRef& ref)
  {
    if (const auto it = host_index_.find(ref.name); it != host_index_.end()) {
      host_used_[it->second] = true;
      return it->second;
    }
    if (const auto group = groups_.find(ref.name); group != groups_.end()) {
      std::vector<std::string> members;
      for (std::size_t i : group->second)
        members.push_back(hosts_[i].name);
      ctx_.error(ref.mark, "host " + quote(ref.name) + " is a group of " + std::to_string(members.size()) +
                               " hosts; name one of them: " +
                               (members.size() <= 4 ? join(members) : members.front() + " to " + members.back()));
      return std::nullopt;
    }
    report_unknown_host(ref, false);
    return std::nullopt;
  }

  // The hosts of an api_server: groups expand to their members in order.
  std::optional<std::vector<std::string>> resolve_host_list(const std::vector<NameRef>& refs,
                                                            const std::string& service)
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
  ServiceRaw* find_service(const NameRef& ref)
  {
    if (const auto it = services_.find(ref.name); it != services_.end())
      return it->second;
    if (raw_.services)
      ctx_.error(ref.mark, "unknown service " + quote(ref.name) + suggestion(ref.name, service_names_, "services are"));
    return nullptr;
  }

  // Checks that a referenced service has one of the wanted kinds; a service whose kind did not read passes.
  bool has_kind(const ServiceRaw& target, const NameRef& ref, const std::string& label,
                std::initializer_list<ServiceKindTag> wanted)
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

  void resolve_services()
  {
    if (!raw_.services)
      return;
    // api_servers first: a load balancer's weights are checked against its backend's instance count.
    for (ServiceRaw& s : *raw_.services) {
      if (s.kind == ServiceKindTag::api_server) {
        std::optional<std::vector<std::string>> hosts;
        if (s.hosts)
          hosts = resolve_host_list(*s.hosts, s.name);
        else if (s.host && s.entries.find("hosts") == nullptr)
          hosts = resolve_host_list({*s.host}, s.name);
        if (hosts) {
          s.api_server.hosts = *hosts;
          instances_.emplace(s.name, hosts->size());
        }
      } else if (s.kind == ServiceKindTag::database && s.host) {
        if (const auto h = resolve_host(*s.host))
          s.database.host = hosts_[*h].name;
      }
    }
    for (ServiceRaw& s : *raw_.services) {
      if (s.kind != ServiceKindTag::load_balancer)
        continue;
      if (s.host)
        if (const auto h = resolve_host(*s.host))
          s.load_balancer.host = hosts_[*h].name;
      if (!s.backends)
        continue;
      s.load_balancer.backends = s.backends->name;
      if (s.backends->name == s.name) {
        ctx_.error(s.backends->mark,
                   "backends: service " + quote(s.name) + " is this load_balancer itself; expected an api_server");
        continue;
      }
      ServiceRaw* backend = find_service(*s.backends);
      if (!backend || !has_kind(*backend, *s.backends, "backends", {ServiceKindTag::api_server}))
        continue;
      const auto count = instances_.find(backend->name);
      const Entry* weights = s.entries.find("weights");
      if (s.load_balancer.policy == BalancingPolicy::weighted && weights && count != instances_.end() &&
          !s.load_balancer.weights.empty() && s.load_balancer.weights.size() != count->second)
        ctx_.error(weights->value.Mark(), "weights has " + std::to_string(s.load_balancer.weights.size()) +
                                              " entries but backend " + quote(backend->name) + " has " +
                                              std::to_string(count->second) +
                                              (count->second == 1 ? " instance" : " instances"));
    }
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
      for (StepRaw& step : (*raw_.requests)[r].steps) {
        if (!step.service)
          continue;
        ServiceRaw* target = find_service(*step.service);
        if (step.kind == "db_read" || step.kind == "db_write") {
          if (target && has_kind(*target, *step.service, step.kind, {ServiceKindTag::database}))
            database_used_.insert(target->name);
        } else if (step.kind == "forward") {
          if (target)
            has_kind(*target, *step.service, "forward", {ServiceKindTag::api_server});
        } else if (step.kind == "call") {
          if (target)
            has_kind(*target, *step.service, "call", {ServiceKindTag::api_server, ServiceKindTag::load_balancer});
          if (const auto it = request_index_.find(step.request->name); it != request_index_.end())
            calls_[r].emplace_back(it->second, step.mark);
          else
            report_unknown_request(*step.request);
        }
      }
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
        has_kind(*entry, *w.entry, "entry", {ServiceKindTag::load_balancer, ServiceKindTag::api_server});
    if (w.mix) {
      for (const MixItem& item : *w.mix)
        if (raw_.requests && request_index_.find(item.request.name) == request_index_.end())
          report_unknown_request(item.request);
    } else if (raw_.requests && request_names_.size() > 1 && !w.entries.find("mix")) {
      ctx_.error(w.entries.map().Mark(), "missing key \"mix\" in the workload: there are " +
                                             std::to_string(request_names_.size()) +
                                             " request types: " + join(request_names_));
    }
  }

  // Only for a file without errors: a service that failed to read would make its hosts look unused.
  void warn_unused()
  {
    if (ctx_.error_count() > 0)
      return;
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      if (!host_used_[i])
        ctx_.warning(host_marks_[i], "host " + quote(hosts_[i].name) + " is not used by any service");
    if (raw_.services && raw_.requests)
      for (const ServiceRaw& s : *raw_.services)
        if (s.kind == ServiceKindTag::database && database_used_.count(s.name) == 0)
          ctx_.warning(s.mark, "database " + quote(s.name) + " is not used by any request");
  }

  // --- the spec ----------------------------------------------------------------------------------------

  TopologySpec assemble()
  {
    TopologySpec spec = raw_.spec;
    spec.file = ctx_.file();
    spec.hardware.hosts = hosts_;
    spec.hardware.network = raw_.hardware->network;
    for (const ServiceRaw& s : *raw_.services) {
      ServiceSpec service;
      service.name = s.name;
      service.where = ctx_.location(s.mark);
      switch (*s.kind) {
      case ServiceKindTag::load_balancer:
        service.kind = s.load_balancer;
        break;
      case ServiceKindTag::api_server:
        service.kind = s.api_server;
        break;
      case ServiceKindTag::database:
        service.kind = s.database;
        break;
      }
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
    spec.workload.entry = w.entry->name;
    if (w.arrival->process == ArrivalProcess::closed)
      spec.workload.arrival = w.arrival->closed;
    else
      spec.workload.arrival = w.arrival->open;
    if (w.mix)
      for (const MixItem& item : *w.mix)
        spec.workload.mix.emplace_back(item.request.name, item.weight);
    else
      spec.workload.mix.emplace_back(spec.requests.front().name, 1.0);
    return spec;
  }

  Context& ctx_;
  TopologyRaw& raw_;

  std::vector<HostSpec> hosts_; // expanded, in file order
  std::vector<YAML::Mark> host_marks_;
  std::vector<std::string> host_names_;
  std::vector<std::string> group_names_; // groups with count > 1
  std::vector<std::string> listing_;     // for "hosts are: ...", one item per entry
  std::map<std::string, std::size_t> host_index_;
  std::map<std::string, std::vector<std::size_t>> groups_;
  std::vector<bool> host_used_;
  bool hosts_complete_ = false;

  std::map<std::string, ServiceRaw*> services_;
  std::vector<std::string> service_names_;
  std::map<std::string, std::size_t> instances_; // api_server -> instance count, when its hosts resolved
  std::set<std::string> database_used_;

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
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml_text);
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "syntax error: " + e.msg);
    return finish(ctx, std::nullopt);
  }
  if (documents.empty() || documents.front().IsNull()) {
    YAML::Mark start;
    start.line = 0;
    start.column = 0;
    ctx.error(start, "the file is empty; expected " + describe_top_level());
    return finish(ctx, std::nullopt);
  }
  if (documents.size() > 1)
    ctx.error(documents[1].Mark(), "a topology file holds one YAML document; this is a second one");
  if (!documents.front().IsMap()) {
    ctx.error(documents.front().Mark(), "expected " + describe_top_level() + ", got " + describe(documents.front()));
    return finish(ctx, std::nullopt);
  }
  TopologyRaw raw = read_topology(ctx, documents.front());
  Resolver resolver(ctx, raw);
  return finish(ctx, resolver.run());
}

LoadResult load_topology_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string reason = std::strerror(errno);
    LoadResult result;
    result.errors.push_back(Diagnostic{SourceLocation{path, 0, 0}, "cannot open the file: " + reason});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_topology_text(text.str(), path);
}

std::string schema_reference_markdown()
{
  return topology_reference_markdown();
}

} // namespace scalelab::models
