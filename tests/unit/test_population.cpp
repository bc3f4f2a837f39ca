// A closed population whose users follow a shape (models/population.hpp), against what it must be: k6's
// ramping-vus adds (or removes) one user each time the line crosses a whole number, so a ramp from 10 to 40 users
// over 30 s has 10 + k users from k seconds on; steps and spikes jump at their times; the count never strays a
// whole user from the curve; next_users_change() names every change and nothing else.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/population.hpp"
#include "scalelab/models/results.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace scalelab::models;

namespace
{

constexpr SimTime kSecond = kNanosPerSecond;

RateShape shape(RateShape::Kind kind, double base, double peak, double at_s, double length_s)
{
  RateShape r;
  r.kind = kind;
  r.base = base;
  r.peak = peak;
  r.at = from_seconds(at_s);
  r.length = from_seconds(length_s);
  return r;
}

RateShape by_points(RateShape::Kind kind, std::vector<RatePoint> points)
{
  RateShape r;
  r.kind = kind;
  r.points = std::move(points);
  return r;
}

struct Change {
  SimTime at;
  std::int64_t users;
};

// Every change from 0 to `until`, by next_users_change().
std::vector<Change> changes(const RateShape& s, SimTime until)
{
  std::vector<Change> out;
  for (SimTime t = next_users_change(s, 0); t != kNever && t <= until; t = next_users_change(s, t))
    out.push_back({t, users_at(s, t)});
  return out;
}

// next_users_change() names each change and only changes: the count is the same just before each change (and
// half-way between two) as after the previous one, and differs at the change; and it stays within a user of the
// curve, on the side the curve comes from (rounded down while rising, up while falling).
void expect_changes_are_exact(const RateShape& s, SimTime until)
{
  std::int64_t before = users_at(s, 0);
  SimTime last = 0;
  for (const Change& c : changes(s, until)) {
    ASSERT_GT(c.at, last);
    EXPECT_EQ(users_at(s, c.at - 1), before) << c.at;
    EXPECT_EQ(users_at(s, last + (c.at - last) / 2), before) << c.at;
    EXPECT_NE(c.users, before) << c.at;
    EXPECT_LT(std::abs(static_cast<double>(c.users) - s.rate_at(c.at)), 1.0 + 1e-9) << c.at;
    before = c.users;
    last = c.at;
  }
}

} // namespace

TEST(Population, ARampAddsAUserEachTimeTheLineCrossesAWholeNumberAsK6Does)
{
  // 10 to 40 users over 30 s from 5 s: one user more at each whole second of the ramp, 40 at its end.
  const RateShape r = shape(RateShape::Kind::ramp, 10, 40, 5, 30);
  EXPECT_EQ(users_at(r, 0), 10);
  EXPECT_EQ(users_at(r, 5 * kSecond), 10);
  for (int k = 0; k <= 30; ++k) {
    EXPECT_EQ(users_at(r, (5 + k) * kSecond), 10 + k) << k;
    EXPECT_EQ(users_at(r, (5 + k) * kSecond + kSecond / 2), 10 + std::min(k, 30)) << k;
  }
  EXPECT_EQ(users_at(r, 6 * kSecond - 1), 10);
  EXPECT_EQ(users_at(r, 100 * kSecond), 40);
  const auto all = changes(r, 1000 * kSecond);
  ASSERT_EQ(all.size(), 30U);
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].at, static_cast<SimTime>(6 + k) * kSecond);
    EXPECT_EQ(all[k].users, static_cast<std::int64_t>(11 + k));
  }
  expect_changes_are_exact(r, 100 * kSecond);
}

TEST(Population, ARampDownRemovesAUserEachTimeTheLineCrossesAWholeNumber)
{
  // k6's chart of 10 VUs down to 0 over 10 s: 10 until the first second has passed, 9 from 1 s, 0 at 10 s.
  const RateShape r = shape(RateShape::Kind::ramp, 10, 0, 0, 10);
  EXPECT_EQ(users_at(r, 0), 10);
  EXPECT_EQ(users_at(r, kSecond - 1), 10);
  EXPECT_EQ(users_at(r, kSecond), 9);
  EXPECT_EQ(users_at(r, 10 * kSecond - 1), 1);
  EXPECT_EQ(users_at(r, 10 * kSecond), 0);
  EXPECT_EQ(changes(r, 1000 * kSecond).size(), 10U);
  // Three users over 1 s (not a whole number of nanoseconds per user): changes at ceil(k / 3 s).
  const RateShape odd = shape(RateShape::Kind::ramp, 0, 3, 0, 1);
  const auto c = changes(odd, kSecond);
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c[0].at, 333333334);
  EXPECT_EQ(c[1].at, 666666667);
  EXPECT_EQ(c[2].at, kSecond);
  expect_changes_are_exact(odd, 2 * kSecond);
}

TEST(Population, StepsAndSpikesJumpAtTheirTimesExactly)
{
  const RateShape steps =
      by_points(RateShape::Kind::steps, {{0, 10}, {20 * kSecond, 40}, {30 * kSecond, 40}, {40 * kSecond, 5}});
  EXPECT_EQ(users_at(steps, 20 * kSecond - 1), 10);
  EXPECT_EQ(users_at(steps, 20 * kSecond), 40);
  EXPECT_EQ(users_at(steps, 40 * kSecond - 1), 40);
  EXPECT_EQ(users_at(steps, 40 * kSecond), 5);
  const auto c = changes(steps, 1000 * kSecond); // the point at 30 s changes nothing
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].at, 20 * kSecond);
  EXPECT_EQ(c[1].at, 40 * kSecond);
  EXPECT_EQ(max_users(steps), 40);

  const RateShape spike = shape(RateShape::Kind::spike, 5, 80, 10, 3);
  EXPECT_EQ(users_at(spike, 10 * kSecond - 1), 5);
  EXPECT_EQ(users_at(spike, 10 * kSecond), 80);
  EXPECT_EQ(users_at(spike, 13 * kSecond - 1), 80);
  EXPECT_EQ(users_at(spike, 13 * kSecond), 5);
  EXPECT_EQ(changes(spike, 1000 * kSecond).size(), 2U);
  EXPECT_EQ(max_users(spike), 80);
}

TEST(Population, APiecewiseListGoesDownAndUpAUserAtATime)
{
  const RateShape p = by_points(RateShape::Kind::piecewise,
                                {{2 * kSecond, 50}, {10 * kSecond, 3}, {12 * kSecond, 3}, {30 * kSecond, 70}});
  EXPECT_EQ(users_at(p, 0), 50);
  EXPECT_EQ(users_at(p, 10 * kSecond), 3);
  EXPECT_EQ(users_at(p, 11 * kSecond), 3);
  EXPECT_EQ(users_at(p, 30 * kSecond), 70);
  EXPECT_EQ(users_at(p, 99 * kSecond), 70);
  EXPECT_EQ(changes(p, 1000 * kSecond).size(), 47U + 67U);
  EXPECT_EQ(max_users(p), 70);
  expect_changes_are_exact(p, 40 * kSecond);
}

TEST(Population, ADailyCurveMovesAUserAtATimeBetweenItsTroughAndPeak)
{
  // 30 users on average, 50 at the peak (at 5 s), 10 in the trough, a period of 20 s.
  const RateShape d = shape(RateShape::Kind::daily, 30, 50, 5, 20);
  EXPECT_EQ(users_at(d, 5 * kSecond), 50);
  EXPECT_EQ(users_at(d, 15 * kSecond), 10);
  EXPECT_EQ(users_at(d, 25 * kSecond), 50);
  // Each period goes down 40 users and up 40: 80 changes, each by one user.
  const auto c = changes(d, 5 * kSecond + 20 * kSecond);
  std::int64_t before = users_at(d, 0);
  for (const Change& x : c) {
    EXPECT_EQ(std::abs(x.users - before), 1) << x.at;
    EXPECT_GE(x.users, 10);
    EXPECT_LE(x.users, 50);
    before = x.users;
  }
  const auto period = changes(d, 45 * kSecond).size() - changes(d, 25 * kSecond).size();
  EXPECT_EQ(period, 80U);
  expect_changes_are_exact(d, 60 * kSecond);
  EXPECT_EQ(max_users(d), 50);
  // A flat curve never changes.
  EXPECT_EQ(next_users_change(shape(RateShape::Kind::daily, 7, 7, 0, 20), 0), kNever);
}

TEST(Population, AShapedUsersMapLoadsAndShowsInTheConfiguration)
{
  const auto loaded = load_topology_text("name: t\nhardware:\n  hosts: [{name: web}]\nservices:\n"
                                         "  app: {kind: api_server, host: web}\nrequests:\n  get: [cpu: 1ms]\n"
                                         "workload:\n  entry: app\n  arrival: {process: closed, think_time: 1s,\n"
                                         "    users: {shape: ramp, from: 5, to: 70, over: 60s, at: 10s}}\n",
                                         "t.yaml");
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  const auto& closed = std::get<ClosedArrival>(loaded.spec->workload.arrival);
  EXPECT_EQ(closed.users, 70); // the largest count: the tables of users are sized by it
  ASSERT_TRUE(closed.shape);
  EXPECT_EQ(users_at(*closed.shape, 10 * kSecond), 5);
  EXPECT_EQ(users_at(*closed.shape, 70 * kSecond), 70);
  const auto arrival = to_json(*loaded.spec)["workload"]["arrival"];
  EXPECT_EQ(arrival["users"]["shape"], "ramp");
  EXPECT_EQ(arrival["users"]["from"], 5);
  EXPECT_EQ(arrival["users"]["to"], 70);
  EXPECT_EQ(arrival["max_users"], 70);
  // A plain count is as before: no shape, no max_users.
  const auto plain = load_topology_text("name: t\nhardware:\n  hosts: [{name: web}]\nservices:\n"
                                        "  app: {kind: api_server, host: web}\nrequests:\n  get: [cpu: 1ms]\n"
                                        "workload:\n  entry: app\n  arrival: {process: closed, users: 12}\n",
                                        "t.yaml");
  ASSERT_TRUE(plain.spec);
  EXPECT_FALSE(std::get<ClosedArrival>(plain.spec->workload.arrival).shape);
  EXPECT_FALSE(to_json(*plain.spec)["workload"]["arrival"].contains("max_users"));
}
