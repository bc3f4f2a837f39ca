#include "scalelab/real/live_backends.hpp"
#include "scalelab/real/failover.hpp"
#include "scalelab/real/postgres.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

namespace scalelab::real
{

namespace
{

// A bounded pool of connections of one kind to one endpoint: at most `size` open; a checkout waits for one.
template <class Conn> class Pool
{
public:
  using Open = std::function<Conn*()>;
  using Close = std::function<void(Conn*)>;
  Pool(int size, Open open, Close close) : size_(size), open_(std::move(open)), close_(std::move(close)) {}
  ~Pool()
  {
    for (Conn* c : idle_)
      close_(c);
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // nullptr when a connection cannot be opened.
  Conn* take()
  {
    std::unique_lock lock(m_);
    cv_.wait(lock, [this] { return !idle_.empty() || open_count_ < size_; });
    if (!idle_.empty()) {
      Conn* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_count_;
    lock.unlock();
    Conn* c = open_();
    if (!c) {
      lock.lock();
      --open_count_;
      cv_.notify_one();
    }
    return c;
  }
  // healthy false: the connection is closed (a broken socket), and a later take() opens another.
  void give(Conn* c, bool healthy)
  {
    std::unique_lock lock(m_);
    if (healthy) {
      idle_.push_back(c);
    } else {
      --open_count_;
      lock.unlock();
      close_(c);
      lock.lock();
    }
    cv_.notify_one();
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  int size_;
  int open_count_ = 0;
  std::vector<Conn*> idle_;
  Open open_;
  Close close_;
};

std::string cache_key(const std::string& cache, std::uint64_t key)
{
  return "scalelab:" + cache + ":" + std::to_string(key);
}

struct Amqp {
  amqp_connection_state_t conn = nullptr;
  std::map<std::string, bool> declared;
};

class LiveBackends final : public Backends
{
public:
  LiveBackends(const models::TopologySpec& spec, const Stack& stack, const LiveOptions& options)
      : spec_(spec), options_(options)
  {
    if (!options.ledger_path.empty())
      ledger_ = std::make_unique<WriteLedger>(options.ledger_path, options.ledger_prefix);
    for (const auto& service : spec.services) {
      const StackService* live = stack.find(service.name);
      if (!live)
        continue;
      auto& pools = pools_[service.name];
      for (std::size_t i = 0; i < live->instances.size(); ++i) {
        const Endpoint e = live->instances[i];
        if (std::holds_alternative<models::CacheSpec>(service.kind)) {
          pools.redis.push_back(std::make_unique<Pool<redisContext>>(
              options.cache_pool, [e] { return open_redis(e); }, [](redisContext* c) { redisFree(c); }));
        } else if (std::holds_alternative<models::DatabaseSpec>(service.kind)) {
          const std::string conninfo = pg_conninfo(e, options.pg_database, options.pg_user);
          pools.pg.push_back(std::make_unique<Pool<PGconn>>(
              options.db_pool, [conninfo] { return open_pg(conninfo); }, [](PGconn* c) { PQfinish(c); }));
        } else if (std::holds_alternative<models::QueueSpec>(service.kind)) {
          const LiveOptions o = options;
          pools.amqp.push_back(std::make_unique<Pool<Amqp>>(
              options.queue_pool, [e, o] { return open_amqp(e, o); }, [](Amqp* a) { close_amqp(a); }));
        }
      }
    }
  }

  Outcome cache_get(const std::string& cache, std::uint64_t key, bool& hit, std::uint64_t& version) override
  {
    return with_redis(cache, key, [&](redisContext* c) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "GET %s", cache_key(cache, key).c_str()));
      if (!reply)
        return false;
      hit = reply->type == REDIS_REPLY_STRING;
      if (hit)
        version = std::strtoull(reply->str, nullptr, 10);
      freeReplyObject(reply);
      return true;
    });
  }

  Outcome cache_set(const std::string& cache, std::uint64_t key, std::uint64_t version) override
  {
    const auto* spec = std::get_if<models::CacheSpec>(&spec_.find_service(cache)->kind);
    const long long ttl_ms = spec ? spec->ttl / 1000000 : 0;
    return with_redis(cache, key, [&](redisContext* c) {
      const std::string k = cache_key(cache, key), v = std::to_string(version);
      auto* reply =
          static_cast<redisReply*>(ttl_ms > 0 ? redisCommand(c, "SET %s %s PX %lld", k.c_str(), v.c_str(), ttl_ms)
                                              : redisCommand(c, "SET %s %s", k.c_str(), v.c_str()));
      if (!reply)
        return false;
      freeReplyObject(reply);
      return true;
    });
  }

  Outcome cache_erase(const std::string& cache, std::uint64_t key) override
  {
    return with_redis(cache, key, [&](redisContext* c) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "DEL %s", cache_key(cache, key).c_str()));
      if (!reply)
        return false;
      freeReplyObject(reply);
      return true;
    });
  }

  Outcome db_read(const std::string& db, std::size_t instance, std::uint64_t key, std::uint64_t& version) override
  {
    return with_pg(db, instance, "SELECT version FROM scalelab_kv WHERE key = $1", key, version);
  }

  Outcome db_write(const std::string& db, std::size_t instance, std::uint64_t key, std::uint64_t& version) override
  {
    static const char* const upsert =
        "INSERT INTO scalelab_kv (key, version) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE "
        "SET version = scalelab_kv.version + 1 RETURNING version";
    if (!ledger_)
      return with_pg(db, instance, upsert, key, version);
    const std::uint64_t id = ledger_->next_id();
    const std::string sql =
        "WITH w AS (INSERT INTO scalelab_writes (id) VALUES (" + std::to_string(id) + ")) " + upsert;
    bool sent = false;
    const Outcome o = with_pg(db, instance, sql.c_str(), key, version, &sent);
    if (sent) // a write that never reached a connection is no write
      ledger_->record(o.ok(), id, db, instance);
    return o;
  }

  Outcome publish(const std::string& queue, const std::string& job, std::uint64_t key) override
  {
    auto* pool = instance_pool(pools_, queue, &Pools::amqp, 0);
    if (!pool)
      return {"not_in_stack"};
    Amqp* a = pool->take();
    if (!a)
      return {"queue_down"};
    const auto& q = std::get<models::QueueSpec>(spec_.find_service(queue)->kind);
    bool ok = true;
    if (!a->declared[queue]) {
      amqp_queue_declare(a->conn, 1, amqp_cstring_bytes(queue.c_str()), 0, q.durable ? 1 : 0, 0, 0, amqp_empty_table);
      ok = amqp_get_rpc_reply(a->conn).reply_type == AMQP_RESPONSE_NORMAL;
      a->declared[queue] = ok;
    }
    if (ok) {
      const std::string body = "{\"job\":\"" + job + "\",\"key\":" + std::to_string(key) + "}";
      amqp_basic_properties_t props;
      props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
      props.delivery_mode = q.durable ? 2 : 1;
      ok = amqp_basic_publish(a->conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0, &props,
                              amqp_cstring_bytes(body.c_str())) == AMQP_STATUS_OK;
    }
    pool->give(a, ok);
    return ok ? Outcome{} : Outcome{"queue_down"};
  }

  // The primaries get the table (replicas receive it by replication).
  void prepare_tables()
  {
    for (const auto& service : spec_.services) {
      const auto* db = std::get_if<models::DatabaseSpec>(&service.kind);
      if (!db || !pools_.count(service.name))
        continue;
      const std::size_t group = db->replicas_per_shard() + 1;
      for (std::size_t i = 0; i < pools_[service.name].pg.size(); i += group) {
        PGconn* c = pools_[service.name].pg[i]->take();
        if (!c)
          continue;
        PGresult* r =
            PQexec(c, "CREATE TABLE IF NOT EXISTS scalelab_kv (key bigint PRIMARY KEY, version bigint NOT NULL)");
        PQclear(r);
        if (ledger_)
          PQclear(PQexec(c, "CREATE TABLE IF NOT EXISTS scalelab_writes (id bigint PRIMARY KEY)"));
        pools_[service.name].pg[i]->give(c, PQstatus(c) == CONNECTION_OK);
      }
    }
  }

private:
  struct Pools {
    std::vector<std::unique_ptr<Pool<redisContext>>> redis;
    std::vector<std::unique_ptr<Pool<PGconn>>> pg;
    std::vector<std::unique_ptr<Pool<Amqp>>> amqp;
  };

  template <class P>
  static P* instance_pool(std::map<std::string, Pools>& pools, const std::string& service,
                          std::vector<std::unique_ptr<P>> Pools::*member, std::size_t instance)
  {
    const auto it = pools.find(service);
    if (it == pools.end() || instance >= (it->second.*member).size())
      return nullptr;
    return (it->second.*member)[instance].get();
  }

  static redisContext* open_redis(const Endpoint& e)
  {
    timeval timeout{2, 0};
    redisContext* c = redisConnectWithTimeout(e.host.c_str(), e.port, timeout);
    if (!c || c->err) {
      if (c)
        redisFree(c);
      return nullptr;
    }
    return c;
  }

  static PGconn* open_pg(const std::string& conninfo)
  {
    PGconn* c = PQconnectdb(conninfo.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      PQfinish(c);
      return nullptr;
    }
    return c;
  }

  static Amqp* open_amqp(const Endpoint& e, const LiveOptions& o)
  {
    auto* a = new Amqp;
    a->conn = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(a->conn);
    timeval timeout{2, 0};
    if (!socket || amqp_socket_open_noblock(socket, e.host.c_str(), e.port, &timeout) != AMQP_STATUS_OK ||
        amqp_login(a->conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, (e.user.empty() ? o.amqp_user : e.user).c_str(),
                   (e.password.empty() ? o.amqp_password : e.password).c_str())
                .reply_type != AMQP_RESPONSE_NORMAL) {
      amqp_destroy_connection(a->conn);
      delete a;
      return nullptr;
    }
    amqp_channel_open(a->conn, 1);
    if (amqp_get_rpc_reply(a->conn).reply_type != AMQP_RESPONSE_NORMAL) {
      close_amqp(a);
      return nullptr;
    }
    return a;
  }

  static void close_amqp(Amqp* a)
  {
    amqp_channel_close(a->conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(a->conn);
    delete a;
  }

  // The cache's instance for a key: one instance, or the key's by hash.
  template <class F> Outcome with_redis(const std::string& cache, std::uint64_t key, F&& f)
  {
    const auto it = pools_.find(cache);
    if (it == pools_.end() || it->second.redis.empty())
      return {"not_in_stack"};
    auto& pool = *it->second.redis[models::key_hash(key) % it->second.redis.size()];
    redisContext* c = pool.take();
    if (!c)
      return {"cache_down"};
    const bool ok = f(c) && c->err == 0;
    pool.give(c, ok);
    return ok ? Outcome{} : Outcome{"cache_down"};
  }

  // sent: set when the statement was sent on a connection.
  Outcome with_pg(const std::string& db, std::size_t instance, const char* sql, std::uint64_t key,
                  std::uint64_t& version, bool* sent = nullptr)
  {
    auto* pool = instance_pool(pools_, db, &Pools::pg, instance);
    if (!pool)
      return {"not_in_stack"};
    PGconn* c = pool->take();
    if (!c)
      return {"db_down"};
    const std::string k = std::to_string(key);
    const char* params[1] = {k.c_str()};
    if (sent)
      *sent = true;
    PGresult* r = PQexecParams(c, sql, 1, nullptr, params, nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    const bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
    if (ok)
      version = PQntuples(r) > 0 ? std::strtoull(PQgetvalue(r, 0, 0), nullptr, 10) : 0;
    PQclear(r);
    pool->give(c, PQstatus(c) == CONNECTION_OK);
    return ok ? Outcome{} : Outcome{"db_error"};
  }

  const models::TopologySpec& spec_;
  LiveOptions options_;
  std::unique_ptr<WriteLedger> ledger_;
  std::map<std::string, Pools> pools_;
};

} // namespace

std::unique_ptr<Backends> make_live_backends(const models::TopologySpec& spec, const Stack& stack,
                                             const LiveOptions& options)
{
  auto b = std::make_unique<LiveBackends>(spec, stack, options);
  b->prepare_tables();
  return b;
}

} // namespace scalelab::real
