// The session policies (models/sessions.hpp) as plain decisions: where a user's session lives, and where
// sticky balancing sends a user.
#include "scalelab/models/sessions.hpp"

#include "scalelab/models/protection.hpp"
#include "scalelab/models/spec.hpp"

#include <gtest/gtest.h>

namespace scalelab::models
{
namespace
{

// A user's cookie after a request at (instance, incarnation), as the server answers it.
std::uint32_t after(std::uint32_t cookie, std::uint32_t instance, std::uint32_t incarnation)
{
  return check_local_session(cookie, instance, incarnation) == LocalCheck::valid
             ? cookie
             : session_cookie::local(instance, incarnation);
}

TEST(LocalSessions, TheFirstRequestLogsInAndTheNextOnTheSameInstanceFindsTheSession)
{
  EXPECT_EQ(check_local_session(session_cookie::kNone, 0, 0), LocalCheck::first_login);
  const std::uint32_t cookie = after(session_cookie::kNone, 0, 0);
  EXPECT_EQ(check_local_session(cookie, 0, 0), LocalCheck::valid);
  EXPECT_EQ(check_local_session(after(session_cookie::kNone, 1, 0), 1, 0), LocalCheck::valid);
}

TEST(LocalSessions, AnotherInstanceFindsNoneAndTheSessionMovesThere)
{
  const std::uint32_t on_0 = after(session_cookie::kNone, 0, 0);
  EXPECT_EQ(check_local_session(on_0, 1, 0), LocalCheck::lost);
  const std::uint32_t on_1 = after(on_0, 1, 0);
  EXPECT_EQ(check_local_session(on_1, 1, 0), LocalCheck::valid) << "the user logged in again on instance 1";
  EXPECT_EQ(check_local_session(on_1, 0, 0), LocalCheck::lost)
      << "instance 0 lost it when the user logged in elsewhere";
}

TEST(LocalSessions, ARestartedInstanceHasForgottenItsUsers)
{
  const std::uint32_t user_1 = after(session_cookie::kNone, 0, 0), user_2 = after(session_cookie::kNone, 1, 0);
  EXPECT_EQ(check_local_session(user_1, 0, 1), LocalCheck::lost) << "instance 0 restarted: incarnation 1";
  EXPECT_EQ(check_local_session(after(user_1, 0, 1), 0, 1), LocalCheck::valid);
  EXPECT_EQ(check_local_session(user_2, 1, 0), LocalCheck::valid) << "instance 1 did not restart";
}

TEST(LocalSessions, CookiesTellEveryInstanceAndIncarnationWithinTheirBoundsApart)
{
  const std::uint32_t last = session_cookie::kMaxInstances - 1;
  EXPECT_NE(session_cookie::local(last, 4095), session_cookie::kNone);
  EXPECT_NE(session_cookie::local(last, 4095), session_cookie::local(last - 1, 4095));
  EXPECT_NE(session_cookie::local(0, 0), session_cookie::local(0, 1));
  EXPECT_NE(session_cookie::local(0, 0), session_cookie::kStored);
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

// Which services ask who sent a request: those that keep something by user. The others leave closed users unnamed.
TEST(ReadsUsers, OnlyServicesThatKeepSomethingByUserAsk)
{
  LoadBalancerSpec lb;
  EXPECT_FALSE(reads_users(lb));
  lb.rate_limit = RateLimitSpec{};
  EXPECT_FALSE(reads_users(lb)); // one limiter for all
  lb.rate_limit->per_user = true;
  EXPECT_TRUE(reads_users(lb));
  LoadBalancerSpec sticky;
  sticky.sticky = true;
  EXPECT_TRUE(reads_users(sticky));

  ApiServerSpec api;
  EXPECT_FALSE(reads_users(api));
  for (const auto& [mode, asks] : {std::pair{SessionMode::token, false}, std::pair{SessionMode::local, true},
                                   std::pair{SessionMode::store, true}}) {
    api.sessions = mode;
    EXPECT_EQ(reads_users(api), asks) << to_string(mode);
  }

  DatabaseSpec db;
  EXPECT_FALSE(reads_users(db));
  db.replication.replicas = {"replica-1"}; // its session guarantees are counted per user
  EXPECT_TRUE(reads_users(db));
  EXPECT_FALSE(reads_users(CacheSpec{}));
  EXPECT_FALSE(reads_users(QueueSpec{}));
  EXPECT_FALSE(reads_users(WorkerSpec{}));
  EXPECT_FALSE(reads_users(CdnSpec{}));
}

} // namespace
} // namespace scalelab::models
