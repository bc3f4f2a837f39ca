#include "scalelab/real/compose_export.hpp"

#include "scalelab/real/live_stack.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace scalelab::real
{

namespace
{

// Ports inside the containers: each service has its own network namespace.
int container_port(const std::string& software)
{
  if (software == "postgresql")
    return 5432;
  if (software == "redis")
    return 6379;
  if (software == "rabbitmq")
    return 5672;
  return 8080; // haproxy's frontend, scalelab-api, scalelab-worker
}

// A YAML double-quoted scalar; `$` doubled, as Compose interpolates it.
std::string q(const std::string& s)
{
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '$')
      out += '$';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string list(const std::vector<std::string>& items)
{
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + q(items[i]);
  return out + "]";
}

// One compose entry per kind of instance, written under its `  NAME:` line.

void compose_postgres_primary(std::ostream& y, const LiveService& s, const LiveInstance& i)
{
  std::vector<std::string> command{"postgres",
                                   "-c",
                                   "wal_level=replica",
                                   "-c",
                                   "max_wal_senders=16",
                                   "-c",
                                   "max_replication_slots=16",
                                   "-c",
                                   "hot_standby=on",
                                   "-c",
                                   "wal_log_hints=on",
                                   "-c",
                                   "wal_retrieve_retry_interval=100ms"};
  const std::string names = synchronous_standby_names(s, i);
  if (!names.empty())
    for (const std::string& c :
         {std::string("synchronous_standby_names=") + names, std::string("synchronous_commit=remote_apply")}) {
      command.push_back("-c");
      command.push_back(c);
    }
  y << "    image: postgres:15\n"
    << "    environment:\n"
    << "      POSTGRES_HOST_AUTH_METHOD: trust\n"
    << "    command: " << list(command) << "\n"
    << "    volumes:\n"
    << "      - ./postgres/replication.sh:/docker-entrypoint-initdb.d/replication.sh:ro\n"
    << "    healthcheck:\n"
    << "      test: [\"CMD\", \"pg_isready\", \"-U\", \"postgres\"]\n"
    << "      interval: 1s\n"
    << "      retries: 30\n";
}

void compose_postgres_replica(std::ostream& y, const LiveService& s, const LiveInstance& i)
{
  const auto& primary = s.instances[static_cast<std::size_t>(i.primary)];
  const std::string script =
      "set -e\n"
      "if [ ! -s \"$PGDATA/PG_VERSION\" ]; then\n"
      "  until pg_basebackup -d \"host=" +
      primary.name + " user=postgres application_name=" + i.name + "\" -D \"$PGDATA\" -R -X stream -C -S slot_" +
      i.name +
      " --checkpoint=fast; do\n"
      "    rm -rf \"$PGDATA\"; sleep 1\n"
      "  done\n"
      "  chmod 700 \"$PGDATA\"\n"
      "fi\n"
      "exec postgres -c hot_standby=on -c wal_retrieve_retry_interval=100ms -c synchronous_standby_names=''\n";
  y << "    image: postgres:15\n"
    << "    user: postgres\n"
    << "    environment:\n"
    << "      PGDATA: /var/lib/postgresql/data/pgdata\n"
    << "    entrypoint: [\"bash\", \"-c\"]\n"
    << "    command: [" << q(script) << "]\n"
    << "    depends_on:\n"
    << "      - " << primary.name << "\n";
}

void compose_redis(std::ostream& y, const LiveService& s, const LiveInstance& i)
{
  auto args = redis_arguments(s, i, "/data");
  std::vector<std::string> command{"redis-server"};
  // Inside a container: listen on its own interface, no protection mode needed behind Compose's network.
  for (std::size_t a = 0; a + 1 < args.size(); a += 2) {
    if (args[a] == "--bind" || args[a] == "--port" || args[a] == "--dir" || args[a] == "--protected-mode")
      continue;
    command.push_back(args[a]);
    command.push_back(args[a + 1]);
  }
  y << "    image: redis:7\n"
    << "    command: " << list(command) << "\n";
}

void compose_rabbitmq(std::ostream& y, const LiveInstance& i)
{
  // guest may only connect from loopback: the programs, in other containers, use a user of their own.
  y << "    image: rabbitmq:3.10\n"
    << "    hostname: " << i.name << "\n"
    << "    environment:\n"
    << "      RABBITMQ_DEFAULT_USER: scalelab\n"
    << "      RABBITMQ_DEFAULT_PASS: scalelab\n";
}

// A balancer, published on 127.0.0.1:`published`; its configuration goes to `files`.
void compose_haproxy(std::ostream& y, const LivePlan& plan, const LiveService& s, const LiveInstance& i, int published,
                     std::map<std::string, std::string>& files)
{
  const std::string cfg = "haproxy/" + i.name + ".cfg";
  files[cfg] = haproxy_config(plan, s, "", "*:8080",
                              [](const LiveInstance& backend) { return backend.name + ":" + std::to_string(8080); });
  y << "    image: haproxy:2.6\n"
    << "    volumes:\n"
    << "      - ./" << cfg << ":/usr/local/etc/haproxy/haproxy.cfg:ro\n"
    << "    ports:\n"
    << "      - " << q("127.0.0.1:" + std::to_string(published) + ":8080") << "\n";
  const auto& lb = std::get<models::LoadBalancerSpec>(s.spec->kind);
  if (const LiveService* backends = plan.find(lb.backends)) {
    y << "    depends_on:\n";
    for (const auto& b : backends->instances)
      y << "      - " << b.name << "\n";
  }
}

// scalelab-api, scalelab-worker: built from the sources, after the infrastructure they use.
void compose_program(std::ostream& y, const LiveService& s, const LiveInstance& i, const fs::path& source_dir,
                     const std::vector<std::string>& infrastructure)
{
  y << "    image: scalelab-real:latest\n"
    << "    build:\n"
    << "      context: " << q(fs::absolute(source_dir).lexically_normal().string()) << "\n"
    << "      dockerfile: docker/real.Dockerfile\n"
    << "    command: "
    << list(program_arguments(s.software, "/etc/scalelab/topology.yaml", s, i, 8080, "/etc/scalelab/stack.json"))
    << "\n"
    << "    volumes:\n"
    << "      - ./topology.yaml:/etc/scalelab/topology.yaml:ro\n"
    << "      - ./stack.json:/etc/scalelab/stack.json:ro\n";
  if (!infrastructure.empty()) {
    y << "    depends_on:\n";
    for (const auto& d : infrastructure)
      y << "      - " << d << "\n";
  }
}

// stack.json inside the Compose network: service names and container ports.
std::string compose_stack_json(LivePlan plan)
{
  for (auto& s : plan.services)
    for (auto& i : s.instances)
      i.port = container_port(s.software);
  auto stack = stack_of(plan, "/etc/scalelab", "/etc/scalelab/topology.yaml", {});
  for (auto& service : stack.services)
    for (auto& instance : service.instances) {
      instance.host = instance.name;
      if (service.software == "rabbitmq") {
        instance.user = "scalelab";
        instance.password = "scalelab";
      }
    }
  return stack_to_json(stack);
}

} // namespace

ComposeExport compose_export(const models::TopologySpec& spec, const fs::path& source_dir)
{
  // Ports do not matter in the plan: the containers use fixed ones.
  int n = 0;
  LivePlan plan = plan_stack(spec, [&n] { return 10000 + n++; });
  ComposeExport out;
  std::ostringstream y;
  y << "# The live stack of " << spec.name << ", written by scalelab real export (docs/real-mode.md).\n"
    << "# docker-compose -f docker-compose.yml up -d; the load balancers are published on 127.0.0.1 only.\n"
    << "version: \"3.8\"\n"
    << "services:\n";
  std::vector<std::string> infrastructure; // what the programs depend on
  for (const auto& s : plan.services)
    if (s.software == "postgresql" || s.software == "redis" || s.software == "rabbitmq")
      for (const auto& i : s.instances)
        infrastructure.push_back(i.name);
  int published = 8080;
  for (const auto& s : plan.services) {
    for (const auto& i : s.instances) {
      y << "  " << i.name << ":\n";
      if (s.software == "postgresql" && i.role == "primary")
        compose_postgres_primary(y, s, i);
      else if (s.software == "postgresql")
        compose_postgres_replica(y, s, i);
      else if (s.software == "redis")
        compose_redis(y, s, i);
      else if (s.software == "rabbitmq")
        compose_rabbitmq(y, i);
      else if (s.software == "haproxy")
        compose_haproxy(y, plan, s, i, published++, out.files);
      else // scalelab-api, scalelab-worker
        compose_program(y, s, i, source_dir, infrastructure);
    }
  }
  out.compose_yaml = y.str();
  out.files["postgres/replication.sh"] =
      "#!/bin/sh\n# Lets the replicas stream from this primary (scalelab real export).\n"
      "echo \"host replication all all trust\" >> \"$PGDATA/pg_hba.conf\"\n";
  out.stack_json = compose_stack_json(std::move(plan));
  return out;
}

void write_compose_export(const models::TopologySpec& spec, const fs::path& topology_file, const fs::path& source_dir,
                          const fs::path& dir)
{
  const auto exported = compose_export(spec, source_dir);
  fs::create_directories(dir);
  auto write = [&dir](const fs::path& relative, const std::string& text) {
    fs::create_directories((dir / relative).parent_path());
    std::ofstream out(dir / relative, std::ios::trunc);
    out << text;
    if (!out)
      throw std::runtime_error("cannot write " + (dir / relative).string());
  };
  write("docker-compose.yml", exported.compose_yaml);
  write("stack.json", exported.stack_json);
  for (const auto& [path, text] : exported.files)
    write(path, text);
  fs::permissions(dir / "postgres/replication.sh",
                  fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  std::ifstream in(topology_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  write("topology.yaml", text.str());
}

} // namespace scalelab::real
