#include "scalelab/real/stack.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scalelab::real
{

const StackService* Stack::find(const std::string& name) const
{
  for (const auto& s : services)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string stack_to_json(const Stack& stack)
{
  nlohmann::ordered_json services = nlohmann::ordered_json::object();
  for (const auto& s : stack.services) {
    nlohmann::ordered_json instances = nlohmann::ordered_json::array();
    for (const auto& i : s.instances) {
      nlohmann::ordered_json j{{"host", i.host}, {"port", i.port}, {"pid", i.pid}, {"role", i.role}, {"name", i.name}};
      if (i.shard >= 0)
        j["shard"] = i.shard;
      if (!i.primary.empty())
        j["primary"] = i.primary;
      if (!i.user.empty())
        j["user"] = i.user;
      if (!i.password.empty())
        j["password"] = i.password;
      if (i.dist_port > 0)
        j["dist_port"] = i.dist_port;
      if (i.epmd_port > 0)
        j["epmd_port"] = i.epmd_port;
      instances.push_back(std::move(j));
    }
    services[s.name] = {{"kind", s.kind}, {"software", s.software}, {"instances", std::move(instances)}};
  }
  const nlohmann::ordered_json j{
      {"run_dir", stack.run_dir}, {"topology", stack.topology}, {"services", std::move(services)}};
  return j.dump(2) + "\n";
}

void write_stack(const std::string& path, const Stack& stack)
{
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << stack_to_json(stack);
    if (!out)
      throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

Stack parse_stack(const std::string& json_text, const std::string& label)
{
  Stack stack;
  try {
    const auto j = nlohmann::ordered_json::parse(json_text);
    stack.run_dir = j.value("run_dir", "");
    stack.topology = j.value("topology", "");
    for (const auto& [name, s] : j.at("services").items()) {
      StackService service;
      service.name = name;
      service.kind = s.value("kind", "");
      service.software = s.value("software", "");
      for (const auto& i : s.at("instances")) {
        Endpoint e;
        e.host = i.value("host", "127.0.0.1");
        e.port = i.at("port").get<int>();
        e.pid = i.value("pid", 0);
        e.role = i.value("role", "");
        e.name = i.value("name", "");
        e.shard = i.value("shard", -1);
        e.primary = i.value("primary", "");
        e.user = i.value("user", "");
        e.password = i.value("password", "");
        e.dist_port = i.value("dist_port", 0);
        e.epmd_port = i.value("epmd_port", 0);
        service.instances.push_back(std::move(e));
      }
      stack.services.push_back(std::move(service));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(label + ": not a stack file: " + e.what());
  }
  return stack;
}

Stack load_stack(const std::string& path)
{
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open the stack file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_stack(text.str(), path);
}

} // namespace scalelab::real
