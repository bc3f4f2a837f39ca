#pragma once
// An API server's pool of connections to one database, as plain decisions over plain counts: the simulated API
// server and the real mode's server call the same code. The semantics are those of SQLAlchemy's QueuePool
// (`pool_size`, `max_overflow`, `pool_timeout`), the pool of the leader/replica system scalelab models:
// connections are opened on demand, up to `max_overflow` more than `size` while every open one is in use; one
// given back is kept idle if fewer than `size` are, else closed; and a checkout beyond `size + max_overflow`
// waits, in arrival order, at most `timeout`. docs/connection-pools.md has the model.
#include <cstdint>

namespace scalelab::models
{

class ConnectionPool
{
public:
  ConnectionPool(int size, int max_overflow) : size_(size), limit_(size + max_overflow) {}

  enum class Checkout {
    reused, // an idle open connection: at once
    opened, // a new connection: after the time it takes to open one
    wait    // every connection the pool may open is in use: wait for one to be given back
  };
  Checkout checkout()
  {
    if (idle_ > 0) {
      --idle_;
      return Checkout::reused;
    }
    if (open_ < limit_) {
      ++open_;
      return Checkout::opened;
    }
    return Checkout::wait;
  }

  enum class Checkin {
    handed, // to the first waiter, still open
    kept,   // idle in the pool
    closed  // `size` are idle already: closed
  };
  // A connection is given back; `waiters`: whether a checkout is waiting.
  Checkin checkin(bool waiters)
  {
    if (waiters)
      return Checkin::handed;
    if (idle_ < size_) {
      ++idle_;
      return Checkin::kept;
    }
    --open_;
    return Checkin::closed;
  }

  // The process restarted: every connection is gone.
  void reset() { open_ = idle_ = 0; }

  int open() const { return open_; }
  int idle() const { return idle_; }
  int in_use() const { return open_ - idle_; }
  int limit() const { return limit_; }

private:
  int size_, limit_;
  int open_ = 0, idle_ = 0;
};

} // namespace scalelab::models
