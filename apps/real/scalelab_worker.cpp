// scalelab-worker: serves one instance of a worker pool of a topology (docs/real-mode-programs.md).
//   scalelab-worker --topology FILE --service NAME --instance I --port P --stack RUN/stack.json
// Consumes the pool's queue on the stack's RabbitMQ with the pool's `workers` consumers, each with a prefetch of 1
// (at most one unacknowledged job, as the simulated broker delivers: docs/queues.md), runs each job's steps with
// the interpreter scalelab-api uses, then acknowledges the job (a failed job too: it is not retried).
// GET /health answers 200 once every consumer consumes (503 before); GET /stats the counts as JSON; POST
// /promoted?database=D&shard=S&replica=R after a live failover: the jobs' writes go to that replica from then on.
#include "scalelab/models/loader.hpp"
#include "scalelab/real/cpu_burn.hpp"
#include "scalelab/real/failover.hpp"
#include "scalelab/real/interpreter.hpp"
#include "scalelab/real/live_backends.hpp"
#include "scalelab/real/program_args.hpp"
#include "scalelab/real/stack.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/prctl.h>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace
{

struct Counters {
  std::atomic<int> consuming{0};               // consumers registered with the broker
  std::atomic<std::uint64_t> received{0};      // deliveries taken
  std::atomic<std::uint64_t> done{0};          // jobs whose steps all succeeded, acknowledged
  std::atomic<std::uint64_t> failed{0};        // jobs whose steps failed (or that name no request type), acknowledged
  std::atomic<std::uint64_t> reconnections{0}; // connections to the broker lost and opened again
  std::mutex m;
  std::map<std::string, std::uint64_t> causes; // failed jobs by cause
};

// One job as scalelab-api publishes it: {"job": TYPE, "key": K}. False when the body is not one.
bool parse_job(const std::string& body, std::string& job, std::uint64_t& key)
{
  try {
    const auto j = nlohmann::json::parse(body);
    job = j.at("job").get<std::string>();
    key = j.value("key", std::uint64_t{0});
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

struct Broker {
  std::string host;
  int port = 0;
  std::string user = "guest", password = "guest";
  std::string queue;
  bool durable = false;
};

// One consumer: its own connection and channel (librabbitmq's are not shared between threads), prefetch 1,
// explicit acknowledgements.
class Consumer
{
public:
  Consumer(const Broker& broker, scalelab::real::Interpreter& interpreter, const scalelab::models::TopologySpec& spec,
           Counters& counters, const std::atomic<bool>& stop)
      : broker_(broker), interpreter_(interpreter), spec_(spec), counters_(counters), stop_(stop)
  {
  }

  void run()
  {
    while (!stop_) {
      if (!connect()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      ++counters_.consuming;
      consume();
      --counters_.consuming;
      disconnect();
      if (!stop_)
        ++counters_.reconnections;
    }
  }

private:
  bool connect()
  {
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    timeval timeout{2, 0};
    if (!socket || amqp_socket_open_noblock(socket, broker_.host.c_str(), broker_.port, &timeout) != AMQP_STATUS_OK ||
        amqp_login(conn_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, broker_.user.c_str(), broker_.password.c_str())
                .reply_type != AMQP_RESPONSE_NORMAL) {
      amqp_destroy_connection(conn_);
      conn_ = nullptr;
      return false;
    }
    amqp_channel_open(conn_, 1);
    bool ok = amqp_get_rpc_reply(conn_).reply_type == AMQP_RESPONSE_NORMAL;
    if (ok) { // declared as scalelab-api declares it on its first publish
      amqp_queue_declare(conn_, 1, amqp_cstring_bytes(broker_.queue.c_str()), 0, broker_.durable ? 1 : 0, 0, 0,
                         amqp_empty_table);
      ok = amqp_get_rpc_reply(conn_).reply_type == AMQP_RESPONSE_NORMAL;
    }
    if (ok) { // prefetch 1: at most one unacknowledged job per consumer
      ok = amqp_basic_qos(conn_, 1, 0, 1, 0) != nullptr;
    }
    if (ok) {
      amqp_basic_consume(conn_, 1, amqp_cstring_bytes(broker_.queue.c_str()), amqp_empty_bytes, 0, 0 /* acks */, 0,
                         amqp_empty_table);
      ok = amqp_get_rpc_reply(conn_).reply_type == AMQP_RESPONSE_NORMAL;
    }
    if (!ok)
      disconnect();
    return ok;
  }

  void disconnect()
  {
    if (!conn_)
      return;
    // Closing the channel gives any job delivered and not acknowledged back to the queue (RabbitMQ requeues it).
    amqp_channel_close(conn_, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
    conn_ = nullptr;
  }

  // Until stopped or the connection breaks.
  void consume()
  {
    while (!stop_) {
      amqp_maybe_release_buffers(conn_);
      amqp_envelope_t envelope;
      timeval timeout{0, 200000}; // look at the stop flag five times a second
      const amqp_rpc_reply_t reply = amqp_consume_message(conn_, &envelope, &timeout, 0);
      if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        continue;
      if (reply.reply_type != AMQP_RESPONSE_NORMAL)
        return; // the connection or the channel is gone: reconnect
      ++counters_.received;
      const std::string body(static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len);
      std::string job, cause;
      std::uint64_t key = 0;
      if (!parse_job(body, job, key))
        cause = "bad_job";
      else if (!spec_.find_request(job))
        cause = "unknown_job";
      else {
        const auto result =
            interpreter_.run(static_cast<std::uint32_t>(spec_.index_of_request(job)), key, 0 /* jobs carry no user */);
        cause = result.outcome.cause;
      }
      // Acknowledged after the work, failed or not (a failed job is not retried, as in the simulation).
      const int acked = amqp_basic_ack(conn_, 1, envelope.delivery_tag, 0);
      amqp_destroy_envelope(&envelope);
      if (acked != AMQP_STATUS_OK)
        return; // not acknowledged: the broker delivers the job again
      if (cause.empty()) {
        ++counters_.done;
      } else {
        ++counters_.failed;
        std::lock_guard lock(counters_.m);
        ++counters_.causes[cause];
      }
    }
  }

  const Broker& broker_;
  scalelab::real::Interpreter& interpreter_;
  const scalelab::models::TopologySpec& spec_;
  Counters& counters_;
  const std::atomic<bool>& stop_;
  amqp_connection_state_t conn_ = nullptr;
};

std::string stats_json(Counters& c, int consumers)
{
  nlohmann::ordered_json j{{"consumers", consumers},        {"consuming", c.consuming.load()},
                           {"received", c.received.load()}, {"done", c.done.load()},
                           {"failed", c.failed.load()},     {"reconnections", c.reconnections.load()}};
  std::lock_guard lock(c.m);
  j["causes"] = c.causes;
  return j.dump() + "\n";
}

// GET /health and GET /stats, HTTP/1.1 with keep-alive.
class Session : public std::enable_shared_from_this<Session>
{
public:
  Session(tcp::socket socket, Counters& counters, int consumers, scalelab::real::Interpreter& interpreter)
      : stream_(std::move(socket)), counters_(counters), consumers_(consumers), interpreter_(interpreter)
  {
    stream_.socket().set_option(tcp::no_delay(true));
  }
  void start() { read(); }

private:
  void read()
  {
    request_ = {};
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec)
        self->answer();
    });
  }

  void answer()
  {
    auto response = std::make_shared<http::response<http::string_body>>(http::status::ok, request_.version());
    const std::string target(request_.target());
    if (target == "/health") {
      const bool ready = counters_.consuming.load() == consumers_;
      response->result(ready ? http::status::ok : http::status::service_unavailable);
      response->body() = ready ? "ok\n" : "connecting to the broker\n";
    } else if (target == "/stats") {
      response->set(http::field::content_type, "application/json");
      response->body() = stats_json(counters_, consumers_);
    } else if (request_.method() == http::verb::post && target.rfind("/promoted?", 0) == 0) {
      promoted(target.substr(10), *response);
    } else {
      response->result(http::status::not_found);
      response->body() = "unknown path\n";
    }
    response->set(http::field::server, "scalelab-worker");
    response->keep_alive(request_.keep_alive());
    response->prepare_payload();
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec || !response->keep_alive()) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      self->read();
    });
  }

  // A live failover (docs/real-mode.md#faults): the jobs' writes go to the promoted replica from now on.
  void promoted(const std::string& query, http::response<http::string_body>& response)
  {
    const auto p = scalelab::real::parse_promotion(query);
    try {
      if (!p)
        throw std::invalid_argument("expected database=D&shard=S&replica=R");
      interpreter_.promoted(p->database, p->shard, p->replica);
      response.body() = "ok\n";
      std::cout << "scalelab-worker: " << p->database << " shard " << p->shard << ": replica " << p->replica
                << " is the primary now" << std::endl;
    } catch (const std::exception& e) {
      response.result(http::status::bad_request);
      response.body() = std::string(e.what()) + "\n";
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  Counters& counters_;
  int consumers_;
  scalelab::real::Interpreter& interpreter_;
};

void accept(tcp::acceptor& acceptor, Counters& counters, int consumers, scalelab::real::Interpreter& interpreter)
{
  acceptor.async_accept([&acceptor, &counters, consumers, &interpreter](beast::error_code ec, tcp::socket socket) {
    if (!ec)
      std::make_shared<Session>(std::move(socket), counters, consumers, interpreter)->start();
    accept(acceptor, counters, consumers, interpreter);
  });
}

int usage(const std::string& why)
{
  std::cerr << "scalelab-worker: " << why
            << "\nusage: scalelab-worker --topology FILE --service NAME --instance I --port P --stack RUN/stack.json"
               " [--nice N] [--realtime PRIORITY]\n";
  return 2;
}

using Options = scalelab::real::InstanceOptions;

// The options from the command line: empty, or why they are wrong.
std::string parse_options(int argc, char** argv, Options& o)
{
  const auto args = scalelab::real::read_program_args("scalelab-worker", argc, argv);
  if (!args.error.empty())
    return args.error;
  for (const auto& [a, v] : args.options) {
    if (!scalelab::real::read_instance_option(a, v, o))
      return "unknown option " + a;
  }
  if (o.topology.empty() || o.service.empty() || o.port < 0 || o.stack_file.empty())
    return "--topology, --service, --port and --stack are required (the queue is in the stack)";
  return {};
}

// The stack's broker of the queue `pool` consumes.
Broker broker_of(const scalelab::models::TopologySpec& spec, const scalelab::real::Stack& stack,
                 const scalelab::models::WorkerSpec& pool, const Options& o)
{
  const auto* queue = stack.find(pool.consumes);
  if (!queue || queue->instances.empty())
    throw std::runtime_error(o.stack_file + ": no queue '" + pool.consumes + "', which " + o.service + " consumes");
  Broker broker;
  broker.host = queue->instances.front().host;
  broker.port = queue->instances.front().port;
  if (!queue->instances.front().user.empty())
    broker.user = queue->instances.front().user;
  if (!queue->instances.front().password.empty())
    broker.password = queue->instances.front().password;
  broker.queue = pool.consumes;
  const auto* queue_spec = spec.find_service(pool.consumes);
  broker.durable = std::get<scalelab::models::QueueSpec>(queue_spec->kind).durable;
  return broker;
}

// Serves /health and /stats on the port while the pool's consumers run its jobs, until SIGINT or SIGTERM.
void serve(const scalelab::models::TopologySpec& spec, const Options& o, const scalelab::models::WorkerSpec& pool,
           const Broker& broker, scalelab::real::Interpreter& interpreter, const scalelab::real::CpuBurner& burner)
{
  Counters counters;
  std::atomic<bool> stop{false};
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  scalelab::real::listen_on_loopback(acceptor, o.port, 256);
  accept(acceptor, counters, pool.workers, interpreter);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    stop = true;
    ioc.stop();
  });

  std::vector<std::unique_ptr<Consumer>> consumers;
  std::vector<std::thread> threads;
  for (int w = 0; w < pool.workers; ++w) {
    consumers.push_back(std::make_unique<Consumer>(broker, interpreter, spec, counters, stop));
    threads.emplace_back([c = consumers.back().get()] { c->run(); });
  }
  std::cout << "scalelab-worker " << o.service << "/" << o.instance
            << " on 127.0.0.1:" << acceptor.local_endpoint().port() << ", consuming " << broker.queue << " at "
            << broker.host << ":" << broker.port << " (" << pool.workers << " consumers, prefetch 1; cpu loop "
            << burner.iterations_per_second() / 1e6 << " M iterations/s, host speed " << interpreter.host_speed() / 1e9
            << " Gf, " << interpreter.host_cores() << " cores)" << std::endl;
  ioc.run();
  stop = true;
  for (auto& t : threads)
    t.join();
  std::cout << "scalelab-worker: " << stats_json(counters, pool.workers) << std::flush;
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
    return 2;
  const auto& spec = *loaded;
  const auto* named = spec.find_service(o.service);
  const auto* pool = named ? std::get_if<scalelab::models::WorkerSpec>(&named->kind) : nullptr;
  if (!pool)
    return usage("service '" + o.service + "' is not a worker pool of " + o.topology);
  try {
    const auto stack = scalelab::real::load_stack(o.stack_file);
    const Broker broker = broker_of(spec, stack, *pool, o);
    auto backends = scalelab::real::make_live_backends(spec, stack, {});
    const auto burner = scalelab::real::CpuBurner::calibrate();
    scalelab::real::Interpreter interpreter(spec, o.service, static_cast<std::size_t>(o.instance), burner,
                                            backends.get());
    for (const auto& why : interpreter.unsupported_steps())
      std::cerr << "scalelab-worker: warning: " << why << "\n";
    serve(spec, o, *pool, broker, interpreter, burner);
  } catch (const std::exception& e) {
    std::cerr << "scalelab-worker: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
