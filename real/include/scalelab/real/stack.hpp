#pragma once
// The live services of a run, as `scalelab real up` writes them in RUN/stack.json:
// {"run_dir": ..., "services": {NAME: {"kind": ..., "instances": [{"host", "port", "pid", "role"}]}}}.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::real
{

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  int pid = 0;
  std::string role; // primary, replica, ... (free text from the supervisor)
};

struct StackService {
  std::string kind;
  std::vector<Endpoint> instances; // in the topology's instance order
};

struct Stack {
  std::string run_dir;
  std::map<std::string, StackService> services;
  const StackService* find(const std::string& name) const;
};

// Throws std::runtime_error with the file and what is wrong.
Stack load_stack(const std::string& path);
Stack parse_stack(const std::string& json_text, const std::string& label);

} // namespace scalelab::real
