#include "scalelab/real/stack.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scalelab::real
{

const StackService* Stack::find(const std::string& name) const
{
  const auto it = services.find(name);
  return it == services.end() ? nullptr : &it->second;
}

Stack parse_stack(const std::string& json_text, const std::string& label)
{
  Stack stack;
  try {
    const auto j = nlohmann::json::parse(json_text);
    stack.run_dir = j.value("run_dir", "");
    for (const auto& [name, s] : j.at("services").items()) {
      StackService service;
      service.kind = s.value("kind", "");
      for (const auto& i : s.at("instances")) {
        Endpoint e;
        e.host = i.value("host", "127.0.0.1");
        e.port = i.at("port").get<int>();
        e.pid = i.value("pid", 0);
        e.role = i.value("role", "");
        service.instances.push_back(e);
      }
      stack.services.emplace(name, std::move(service));
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
