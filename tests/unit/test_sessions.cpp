// The session policies (models/sessions.hpp) as plain decisions: where a user's session lives, and where
// sticky balancing sends a user.
#include "scalelab/models/sessions.hpp"

#include <gtest/gtest.h>

namespace scalelab::models
{
namespace
{

using Check = LocalSessions::Check;

TEST(LocalSessions, TheFirstRequestLogsInAndTheNextOnTheSameInstanceFindsTheSession)
{
  LocalSessions sessions(3);
  EXPECT_EQ(sessions.check(1, 0, 0), Check::first_login);
  EXPECT_EQ(sessions.check(1, 0, 0), Check::valid);
  EXPECT_EQ(sessions.check(2, 1, 0), Check::first_login);
  EXPECT_EQ(sessions.check(2, 1, 0), Check::valid);
}

TEST(LocalSessions, AnotherInstanceFindsNoneAndTheSessionMovesThere)
{
  LocalSessions sessions(1);
  sessions.check(1, 0, 0);
  EXPECT_EQ(sessions.check(1, 1, 0), Check::lost);
  EXPECT_EQ(sessions.check(1, 1, 0), Check::valid) << "the user logged in again on instance 1";
  EXPECT_EQ(sessions.check(1, 0, 0), Check::lost) << "instance 0 lost it when the user logged in elsewhere";
}

TEST(LocalSessions, ARestartedInstanceHasForgottenItsUsers)
{
  LocalSessions sessions(2);
  sessions.check(1, 0, 0);
  sessions.check(2, 1, 0);
  EXPECT_EQ(sessions.check(1, 0, 1), Check::lost) << "instance 0 restarted: incarnation 1";
  EXPECT_EQ(sessions.check(1, 0, 1), Check::valid);
  EXPECT_EQ(sessions.check(2, 1, 0), Check::valid) << "instance 1 did not restart";
}

TEST(LocalSessions, UsersOutsideTheTableAreRefused)
{
  LocalSessions sessions(2);
  EXPECT_THROW(sessions.check(0, 0, 0), std::out_of_range);
  EXPECT_THROW(sessions.check(3, 0, 0), std::out_of_range);
}

TEST(StickyRoutes, AUserKeepsTheBackendOfTheirFirstRequest)
{
  auto policy = make_balancer(BalancingPolicy::round_robin, 3);
  StickyRoutes sticky(5, 3);
  Rng rng(1);
  // First requests follow round robin: users 1, 2, 3, 4 go to 0, 1, 2, 0.
  EXPECT_EQ(sticky.route(1, *policy, rng), 0);
  EXPECT_EQ(sticky.route(2, *policy, rng), 1);
  EXPECT_EQ(sticky.route(3, *policy, rng), 2);
  EXPECT_EQ(sticky.route(4, *policy, rng), 0);
  // Later ones go back, without moving the cycle on.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(sticky.route(2, *policy, rng), 1);
    EXPECT_EQ(sticky.route(3, *policy, rng), 2);
  }
  EXPECT_EQ(sticky.route(5, *policy, rng), 1);
}

TEST(StickyRoutes, AUserWhoseBackendIsDownMovesAndStaysWithTheNewOne)
{
  auto policy = make_balancer(BalancingPolicy::round_robin, 2);
  StickyRoutes sticky(1, 2);
  Rng rng(1);
  EXPECT_EQ(sticky.route(1, *policy, rng), 0);
  policy->set_up(0, false);
  sticky.set_up(0, false);
  EXPECT_EQ(sticky.route(1, *policy, rng), 1);
  policy->set_up(0, true);
  sticky.set_up(0, true);
  EXPECT_EQ(sticky.route(1, *policy, rng), 1) << "back up, but the user's cookie now names backend 1";
}

TEST(StickyRoutes, RequestsWithoutAUserFollowThePolicyAlone)
{
  auto policy = make_balancer(BalancingPolicy::round_robin, 2);
  StickyRoutes sticky(1, 2);
  Rng rng(1);
  EXPECT_EQ(sticky.route(0, *policy, rng), 0);
  EXPECT_EQ(sticky.route(0, *policy, rng), 1);
  EXPECT_EQ(sticky.route(0, *policy, rng), 0);
}

} // namespace
} // namespace scalelab::models
