#pragma once
// Where a user's session lives, as plain decisions over plain values: the simulated balancer and API servers
// and the real mode's adapters call the same code. Users are numbered from 1 (0: a request without a user);
// the tables hold a few bytes per user, so the loader bounds the users they serve (limits::kUsersTracked).
#include "scalelab/models/balancing.hpp"

#include <cstdint>
#include <vector>

namespace scalelab::models
{

struct TopologySpec;

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

// A user's session cookie: which login the user holds, 0 before the first. The user's requests carry it and
// the answers bring it back (a login sets it), so no server keeps it: two instances on different hosts never
// share a table, which is what keeps every engine's results the same. One value a user, O(1) a request.
//
// `sessions: local`: the session lives in the memory of the instance where the user last logged in, and is gone
// when that instance's host restarts. The cookie names that instance and its host's incarnation then; a request
// that reaches another instance, or the same one restarted since, finds no session: the user logs in again,
// there (`session_lost`), and the cookie names that instance from then on.
//
// `sessions: store`: the session lives in a shared store; the cookie says the user had one. When the store has
// none (evicted, expired, lost with the store's host), a user who had one logs in again (`session_lost`); one
// who never had one logs in for the first time. The cookie is set when the login's write is done, so two first
// requests of a user in flight at once are both first logins.
namespace session_cookie
{
inline constexpr std::uint32_t kNone = 0;
inline constexpr std::uint32_t kStored = 1; // sessions store: the user has logged in
// The instance bits and the incarnation bits of a local session's cookie: instances up to 2^20 - 1 (more than
// limits::kInstances), and a host's incarnations told apart modulo 4096 (a host would have to restart 4,096
// times between two requests of a user for a lost session to pass for a valid one).
inline constexpr int kIncarnationBits = 12;
inline constexpr std::uint32_t kMaxInstances = (1u << (32 - kIncarnationBits)) - 1;
inline std::uint32_t local(std::uint32_t instance, std::uint32_t incarnation)
{
  return ((instance + 1) << kIncarnationBits) | (incarnation & ((1u << kIncarnationBits) - 1));
}
} // namespace session_cookie

enum class LocalCheck {
  first_login, // the user's first request: they log in here
  valid,       // their session is here
  lost         // it is on another instance, or was lost in a crash: they log in again here
};
// A request carrying `cookie` at `instance` (in its host's incarnation `incarnation`). Unless valid, the answer
// carries session_cookie::local(instance, incarnation).
LocalCheck check_local_session(std::uint32_t cookie, std::uint32_t instance, std::uint32_t incarnation);

// The key of a user's session in a store (`sessions: store`): beside the workload's keys (which are below 2^63).
inline std::uint64_t session_key(std::uint32_t user)
{
  return (std::uint64_t{1} << 63) | user;
}

// Whether sessions of this mode are kept by user, named by the user's cookie (local and store).
inline bool uses_session_cookies(SessionMode mode)
{
  return mode == SessionMode::local || mode == SessionMode::store;
}
// Whether some api_server keeps sessions that users' cookies name (local or store).
bool uses_session_cookies(const TopologySpec& spec);

} // namespace scalelab::models
