#pragma once
// Where a user's session lives, as plain decisions over plain values: the simulated balancer and API servers
// and the real mode's adapters call the same code. Users are numbered from 1 (0: a request without a user);
// both tables hold a few bytes per user, so the loader bounds the users they serve (limits::kUsersTracked).
#include "scalelab/models/balancing.hpp"

#include <cstdint>
#include <vector>

namespace scalelab::models
{

// What an API server does with the login state of its users (`sessions` of an api_server).
enum class SessionMode {
  none,  // nothing to check
  local, // kept in the memory of the instance where the user logged in (a PHP session file, a servlet session)
  token  // carried by each request (a signed token): nothing stored, a CPU cost to verify
};
const char* to_string(SessionMode mode); // as written in files

// Sticky balancing (a cookie naming the backend): a user's first request goes where the policy says, and later
// ones to the same backend while it is up; a user whose backend is down is routed by the policy again and stays
// with the new one. The affinity is the client's (a cookie), so a restarted balancer keeps it. O(1) a request.
class StickyRoutes
{
public:
  StickyRoutes(std::int64_t users, int backends);
  // The backend for a request of `user` (1..users; 0 routes by the policy alone), or -1 when all are down.
  int route(std::uint32_t user, Balancer& policy, Rng& rng);
  void set_up(int backend, bool up) { up_[static_cast<std::size_t>(backend)] = up; }

private:
  std::vector<std::int32_t> backend_of_; // per user: the backend, -1 before the first request
  std::vector<bool> up_;
};

// The local sessions of a service with several instances: a user's session lives on the instance where they
// last logged in, and is gone when that instance crashes (a new incarnation starts with empty memory). A
// request landing on another instance, or on a restarted one, finds no session: the user is sent to log in
// again, there (`session_lost`), and that instance holds their session from then on. O(1) a request.
class LocalSessions
{
public:
  enum class Check {
    first_login, // the user's first request: they log in here
    valid,       // their session is here
    lost         // it is on another instance, or was lost in a crash: they log in again here
  };
  explicit LocalSessions(std::int64_t users);
  // A request of `user` (1..users) at instance `instance` (in its incarnation `incarnation`).
  Check check(std::uint32_t user, std::uint32_t instance, std::uint32_t incarnation);

private:
  struct Home {
    std::uint32_t instance = 0; // + 1; 0: never logged in
    std::uint32_t incarnation = 0;
  };
  std::vector<Home> home_;
};

} // namespace scalelab::models
