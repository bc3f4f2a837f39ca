#pragma once
// A large topology for the canvas's figures: 1000 hosts written one by one, a balancer in front of an API server
// on 800 of them with a database, and 100 services nothing sends to (caches, databases and API servers on the
// other hosts), which the automatic layout puts in a grid.
#include <cstdio>
#include <string>

namespace scalelab::test
{

inline std::string large_topology(int hosts = 1000, int unconnected = 100)
{
  std::string text = "name: large\nduration: 10s\n\nhardware:\n  hosts:\n";
  char line[160];
  for (int h = 1; h <= hosts; ++h) {
    std::snprintf(line, sizeof line, "    - {name: h%04d, cores: 4, speed: 2Gf}\n", h);
    text += line;
  }
  text += "  network: {bandwidth: 1Gbps, latency: 100us}\n\nservices:\n";
  text += "  lb: {kind: load_balancer, host: h0001, backends: app}\n";
  text += "  app: {kind: api_server, hosts: [";
  const int app_hosts = hosts * 8 / 10;
  for (int h = 2; h <= app_hosts; ++h) {
    std::snprintf(line, sizeof line, "%sh%04d", h == 2 ? "" : ", ", h);
    text += line;
  }
  text += "], workers: 8}\n";
  std::snprintf(line, sizeof line, "  db: {kind: database, host: h%04d, connections: 64}\n", app_hosts + 1);
  text += line;
  const char* kinds[] = {"cache", "database", "api_server"};
  for (int s = 1; s <= unconnected; ++s) {
    const int host = app_hosts + 2 + (s % (hosts - app_hosts - 2));
    std::snprintf(line, sizeof line, "  s%03d: {kind: %s, host: h%04d}\n", s, kinds[s % 3], host);
    text += line;
  }
  text += "\nrequests:\n  get: [cpu: 2Mf, db_read: db]\n\n";
  text += "workload:\n  entry: lb\n  arrival: {process: poisson, rate: 1000/s}\n  mix: {get: 1}\n";
  return text;
}

} // namespace scalelab::test
