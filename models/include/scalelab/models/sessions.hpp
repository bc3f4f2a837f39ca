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
  token, // carried by each request (a signed token): nothing stored, a CPU cost to verify
  store  // in a shared store (a cache service) that every instance reads: a lookup per request
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

// Sessions in a shared store (`sessions: store`): whether a user has logged in before, which the user's own
// cookie tells, so no server's crash forgets it. When the store has no session for a user (evicted, expired,
// or lost with the store's host), a user who had one logs in again (`session_lost`); one who never had one
// logs in for the first time. Either way the login writes a new session, and the cookie exists from then on
// (two first requests of a user in flight at once are both first logins). One bit a user, O(1) a request.
class SessionCookies
{
public:
  explicit SessionCookies(std::int64_t users) : had_(static_cast<std::size_t>(users) + 1, false) {}
  // Whether `user` (1..users) has logged in before: a session the store does not have was lost.
  bool had_session(std::uint32_t user) const { return had_[user]; }
  // A login of `user` wrote their session.
  void logged_in(std::uint32_t user) { had_[user] = true; }
  // The key of a user's session in the store: beside the workload's keys (which are below 2^63).
  static std::uint64_t key_of(std::uint32_t user) { return (std::uint64_t{1} << 63) | user; }

private:
  std::vector<bool> had_;
};

} // namespace scalelab::models
