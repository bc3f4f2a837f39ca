#pragma once
// Load-balancing policies as plain decisions over plain values: the simulated balancer and the real-mode
// adapter call the same code. A Balancer is told of every dispatch and completion and answers pick() in
// O(1) or O(log n), never by scanning the fleet.
#include "scalelab/models/random.hpp"
#include "scalelab/models/spec.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace scalelab::models
{

class Balancer
{
public:
  virtual ~Balancer() = default;
  // The backend for the next request, in [0, backend_count()). Backends marked down are never returned;
  // returns -1 when every backend is down.
  virtual int pick(Rng& rng) = 0;
  // Bookkeeping the simulator (or the real adapter) reports: a request was sent to / finished at backend.
  virtual void on_dispatch(int backend) = 0;
  virtual void on_complete(int backend) = 0;
  virtual void set_up(int backend, bool up) = 0;
  // Whether pick() depends on completions. When false the caller may skip reporting them in time order.
  virtual bool observes_completions() const = 0;
  virtual int backend_count() const = 0;
  virtual std::int64_t active(int backend) const = 0; // dispatched minus completed
};

// weights: used by BalancingPolicy::weighted only (one per backend, > 0).
std::unique_ptr<Balancer> make_balancer(BalancingPolicy policy, int backend_count,
                                        const std::vector<double>& weights = {});

const char* to_string(BalancingPolicy policy);

} // namespace scalelab::models
