// scalelab-api: serves one api_server instance of a topology on 127.0.0.1 (docs/real-mode-programs.md).
//   scalelab-api --topology FILE --service NAME --instance I --port P [--stack RUN/stack.json]
// GET /health answers 200; GET /r/TYPE?key=K&user=U runs request type TYPE's steps for key K (and user U);
// POST /promoted?database=D&shard=S&replica=R: that replica is the shard's primary now (a live failover).
// HTTP/1.1 with keep-alive, TCP_NODELAY on every connection; I/O on one thread, the steps on a fixed pool of
// the api_server's `workers` threads, cpu steps on the host's `cores`; more than queue_limit requests waiting
// for a worker are answered 503.
#include "scalelab/models/loader.hpp"
#include "scalelab/real/cpu_burn.hpp"
#include "scalelab/real/failover.hpp"
#include "scalelab/real/interpreter.hpp"
#include "scalelab/real/live_backends.hpp"
#include "scalelab/real/program_args.hpp"
#include "scalelab/real/stack.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <sys/prctl.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace
{

struct Server {
  const scalelab::models::TopologySpec* spec = nullptr;
  scalelab::real::Interpreter* interpreter = nullptr;
  asio::thread_pool* workers = nullptr;
  int queue_limit = 1000;
  int worker_count = 8;
  std::atomic<int> in_service{0}; // requests holding or waiting for a worker
  std::atomic<std::uint64_t> served{0}, failed{0}, refused{0};
};

// The request type's index, the key and the user of "/r/TYPE?key=K&user=U"; false when the target is not one.
bool parse_target(const scalelab::models::TopologySpec& spec, std::string_view target, std::uint32_t& type,
                  std::uint64_t& key, std::uint32_t& user, std::string& error)
{
  if (target.substr(0, 3) != "/r/") {
    error = "unknown path";
    return false;
  }
  target.remove_prefix(3);
  const auto q = target.find('?');
  const std::string name(target.substr(0, q));
  const auto* request = spec.find_request(name);
  if (!request) {
    error = "no request type '" + name + "'";
    return false;
  }
  type = static_cast<std::uint32_t>(spec.index_of_request(name));
  key = 0;
  user = 0;
  if (q == std::string_view::npos)
    return true;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      const std::string value(pair.substr(eq + 1));
      if (pair.substr(0, eq) == "key")
        key = std::strtoull(value.c_str(), nullptr, 10);
      else if (pair.substr(0, eq) == "user")
        user = static_cast<std::uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session>
{
public:
  Session(tcp::socket socket, Server& server) : stream_(std::move(socket)), server_(server)
  {
    stream_.socket().set_option(tcp::no_delay(true));
  }
  void start() { read(); }

private:
  void read()
  {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec)
  {
    if (ec)
      return close();
    const std::string target(request_.target());
    if (target == "/health")
      return respond(http::status::ok, "ok\n", "");
    if (request_.method() == http::verb::post && target.rfind("/promoted?", 0) == 0)
      return on_promoted(target.substr(10));
    std::uint32_t type = 0, user = 0;
    std::uint64_t key = 0;
    std::string error;
    if (request_.method() != http::verb::get || !parse_target(*server_.spec, target, type, key, user, error))
      return respond(http::status::not_found, error + "\n", "not_found");
    if (server_.in_service.load() >= server_.worker_count + server_.queue_limit) {
      ++server_.refused;
      return respond(http::status::service_unavailable, "queue full\n", "queue_full");
    }
    ++server_.in_service;
    asio::post(*server_.workers, [self = shared_from_this(), type, key, user] {
      const auto result = self->server_.interpreter->run(type, key, user);
      --self->server_.in_service;
      asio::post(self->stream_.get_executor(), [self, result] {
        if (result.outcome.ok()) {
          ++self->server_.served;
          self->respond(http::status::ok, "ok\n", "");
        } else {
          ++self->server_.failed;
          self->respond(http::status::internal_server_error, result.outcome.cause + "\n", result.outcome.cause);
        }
      });
    });
  }

  // "database=D&shard=S&replica=R": the supervisor promoted that replica (docs/real-mode.md#faults).
  void on_promoted(const std::string& query)
  {
    const auto p = scalelab::real::parse_promotion(query);
    if (!p)
      return respond(http::status::bad_request, "expected database=D&shard=S&replica=R\n", "bad_request");
    try {
      server_.interpreter->promoted(p->database, p->shard, p->replica);
    } catch (const std::exception& e) {
      return respond(http::status::bad_request, std::string(e.what()) + "\n", "bad_request");
    }
    std::cout << "scalelab-api: " << p->database << " shard " << p->shard << ": replica " << p->replica
              << " is the primary now" << std::endl;
    respond(http::status::ok, "ok\n", "");
  }

  void respond(http::status status, std::string body, const std::string& cause)
  {
    auto response = std::make_shared<http::response<http::string_body>>(status, request_.version());
    response->set(http::field::server, "scalelab-api");
    response->set(http::field::content_type, "text/plain");
    if (!cause.empty())
      response->set("X-Scalelab-Cause", cause);
    response->keep_alive(request_.keep_alive());
    response->body() = std::move(body);
    response->prepare_payload();
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec || !response->keep_alive())
        return self->close();
      self->read();
    });
  }

  void close()
  {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  Server& server_;
};

void accept(tcp::acceptor& acceptor, Server& server)
{
  acceptor.async_accept(asio::make_strand(acceptor.get_executor()),
                        [&acceptor, &server](beast::error_code ec, tcp::socket socket) {
                          if (!ec)
                            std::make_shared<Session>(std::move(socket), server)->start();
                          accept(acceptor, server);
                        });
}

int usage(const std::string& why)
{
  std::cerr << "scalelab-api: " << why
            << "\nusage: scalelab-api --topology FILE --service NAME --instance I --port P [--stack RUN/stack.json]"
               " [--io-threads N] [--nice N] [--realtime PRIORITY]\n";
  return 2;
}

struct Options : scalelab::real::InstanceOptions {
  int io_threads = 1;
};

// The options from the command line: empty, or why they are wrong.
std::string parse_options(int argc, char** argv, Options& o)
{
  const auto args = scalelab::real::read_program_args("scalelab-api", argc, argv);
  if (!args.error.empty())
    return args.error;
  for (const auto& [a, v] : args.options) {
    if (scalelab::real::read_instance_option(a, v, o))
      continue;
    if (a == "--io-threads")
      o.io_threads = std::max(1, std::atoi(v.c_str()));
    else
      return "unknown option " + a;
  }
  if (o.topology.empty() || o.service.empty() || o.port < 0)
    return "--topology, --service and --port are required";
  return {};
}

// Serves the api_server's requests on the port, with its workers, until SIGINT or SIGTERM.
void serve(const scalelab::models::TopologySpec& spec, const Options& o, scalelab::real::Interpreter& interpreter,
           const scalelab::real::CpuBurner& burner)
{
  const auto& api = std::get<scalelab::models::ApiServerSpec>(spec.find_service(o.service)->kind);
  Server server;
  server.spec = &spec;
  server.interpreter = &interpreter;
  server.queue_limit = api.queue_limit;
  server.worker_count = api.workers;
  asio::thread_pool workers(static_cast<std::size_t>(api.workers));
  server.workers = &workers;

  asio::io_context ioc(o.io_threads);
  tcp::acceptor acceptor(ioc);
  scalelab::real::listen_on_loopback(acceptor, o.port, 4096);
  accept(acceptor, server);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::cout << "scalelab-api " << o.service << "/" << o.instance << " on 127.0.0.1:" << acceptor.local_endpoint().port()
            << " (cpu loop " << burner.iterations_per_second() / 1e6 << " M iterations/s, host speed "
            << interpreter.host_speed() / 1e9 << " Gf, " << interpreter.host_cores() << " cores, " << api.workers
            << " workers)" << std::endl;
  std::vector<std::thread> io;
  for (int t = 1; t < o.io_threads; ++t)
    io.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : io)
    t.join();
  workers.stop();
  workers.join();
  std::cout << "scalelab-api: served " << server.served << ", failed " << server.failed << ", refused "
            << server.refused << std::endl;
}

} // namespace

int main(int argc, char** argv)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the process that started this one
  Options o;
  if (const std::string why = parse_options(argc, argv, o); !why.empty())
    return usage(why);

  const auto loaded = scalelab::real::load_topology_or_report(o.topology);
  if (!loaded)
    return 1;
  const auto& spec = *loaded;
  try {
    std::unique_ptr<scalelab::real::Backends> backends;
    scalelab::real::LiveOptions options;
    const auto* named = spec.find_service(o.service);
    const auto* pooled = named ? std::get_if<scalelab::models::ApiServerSpec>(&named->kind) : nullptr;
    if (pooled && pooled->connection_pool) // the most connections the simulated pool opens at once
      options.db_pool = pooled->connection_pool->size + pooled->connection_pool->max_overflow;
    // A file whose faults crash a replicated database's primary: the writes are kept in a ledger, which tells the
    // writes a failover lost (docs/real-mode.md#faults).
    if (!o.stack_file.empty() && !scalelab::real::primary_crashes(spec).empty()) {
      const std::string run_dir = std::filesystem::absolute(o.stack_file).parent_path().string();
      options.ledger_path = scalelab::real::ledger_path(run_dir, o.service, static_cast<std::size_t>(o.instance));
      options.ledger_prefix =
          scalelab::real::ledger_prefix(spec.index_of_service(o.service), static_cast<std::size_t>(o.instance));
    }
    if (!o.stack_file.empty())
      backends = scalelab::real::make_live_backends(spec, scalelab::real::load_stack(o.stack_file), options);
    const auto burner = scalelab::real::CpuBurner::calibrate();
    scalelab::real::Interpreter interpreter(spec, o.service, static_cast<std::size_t>(o.instance), burner,
                                            backends.get());
    for (const auto& why : interpreter.unsupported_steps())
      std::cerr << "scalelab-api: warning: " << why << "\n";
    serve(spec, o, interpreter, burner);
  } catch (const std::exception& e) {
    std::cerr << "scalelab-api: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
