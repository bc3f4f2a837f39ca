#pragma once
// The live services behind the interpreter: Redis through hiredis, PostgreSQL through libpq, RabbitMQ through
// librabbitmq, each with a bounded pool of connections per service instance (opened on first use, kept open).
// Endpoints come from the stack file; a step whose service is not in it fails with not_in_stack.
#include "scalelab/models/spec.hpp"
#include "scalelab/real/interpreter.hpp"
#include "scalelab/real/stack.hpp"

#include <memory>

namespace scalelab::real
{

struct LiveOptions {
  int db_pool = 10;    // connections per database instance (the api_server's connection_pool, when it has one)
  int cache_pool = 16; // connections per cache instance
  int queue_pool = 4;  // connections per broker
  std::string pg_user = "postgres", pg_database = "postgres";
  std::string amqp_user = "guest", amqp_password = "guest";
  // The write ledger (failover.hpp) when not empty: each db_write also inserts a unique ID into scalelab_writes, in
  // the same statement, and the ledger gets a line when the database answers (acknowledged or failed).
  std::string ledger_path;
  std::uint64_t ledger_prefix = 0;
};

// Databases get the table `scalelab_kv (key bigint primary key, version bigint)` (and, with a ledger,
// `scalelab_writes (id bigint primary key)`) on their primaries when it is missing: a read returns a key's version (0
// when absent), a write adds one to it.
std::unique_ptr<Backends> make_live_backends(const models::TopologySpec& spec, const Stack& stack,
                                             const LiveOptions& options);

} // namespace scalelab::real
