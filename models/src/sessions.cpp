// Sticky routes and local sessions (sessions.hpp).
#include "scalelab/models/sessions.hpp"

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

LocalSessions::LocalSessions(std::int64_t users) : home_(static_cast<std::size_t>(users) + 1)
{
  if (users < 0)
    throw std::invalid_argument("negative user count");
}

LocalSessions::Check LocalSessions::check(std::uint32_t user, std::uint32_t instance, std::uint32_t incarnation)
{
  if (user == 0 || user >= home_.size())
    throw std::out_of_range("user " + std::to_string(user) + " outside the session table");
  Home& home = home_[user];
  const Home here{instance + 1, incarnation};
  if (home.instance == 0) {
    home = here;
    return Check::first_login;
  }
  if (home.instance == here.instance && home.incarnation == here.incarnation)
    return Check::valid;
  home = here;
  return Check::lost;
}

} // namespace scalelab::models
