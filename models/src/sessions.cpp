// Sticky routes and session cookies (sessions.hpp).
#include "scalelab/models/sessions.hpp"
#include "scalelab/models/limits.hpp"
#include "scalelab/models/spec.hpp"

#include <stdexcept>
#include <string>

namespace scalelab::models
{

const char* to_string(SessionMode mode)
{
  switch (mode) {
  case SessionMode::none:
    return "none";
  case SessionMode::local:
    return "local";
  case SessionMode::token:
    return "token";
  case SessionMode::store:
    return "store";
  }
  return "?";
}

StickyRoutes::StickyRoutes(std::int64_t users, int backends)
    : backend_of_(static_cast<std::size_t>(users) + 1, -1), up_(static_cast<std::size_t>(backends), true)
{
  if (users < 0 || backends < 0)
    throw std::invalid_argument("negative user or backend count");
}

int StickyRoutes::route(std::uint32_t user, Balancer& policy, Rng& rng)
{
  if (user >= backend_of_.size())
    throw std::out_of_range("user " + std::to_string(user) + " beyond the sticky table");
  std::int32_t& remembered = backend_of_[user];
  if (user != 0 && remembered >= 0 && up_[static_cast<std::size_t>(remembered)])
    return remembered;
  const int chosen = policy.pick(rng);
  if (user != 0 && chosen >= 0)
    remembered = chosen;
  return chosen;
}

LocalCheck check_local_session(std::uint32_t cookie, std::uint32_t instance, std::uint32_t incarnation)
{
  if (cookie == session_cookie::kNone)
    return LocalCheck::first_login;
  return cookie == session_cookie::local(instance, incarnation) ? LocalCheck::valid : LocalCheck::lost;
}

static_assert(limits::kInstances <= session_cookie::kMaxInstances, "a local session's cookie names any instance");

bool uses_session_cookies(const TopologySpec& spec)
{
  for (const auto& s : spec.services)
    if (const auto* api = std::get_if<ApiServerSpec>(&s.kind))
      if (uses_session_cookies(api->sessions))
        return true;
  return false;
}

} // namespace scalelab::models
