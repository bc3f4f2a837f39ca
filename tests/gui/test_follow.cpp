// follow.json read back, and what the diagram draws of a followed request: its steps along the edges, the
// label of each hop and the summary, without widgets.
#include "follow.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace scalelab::gui;

namespace
{

// A request of three-tier.yaml as scalelab run --follow writes it (times in seconds).
const char* const kFollow = R"json({"follow": "1000", "unit": "seconds", "requests": [
 {"index": 1000, "type": "get_user", "measured": false, "sent": 0.66, "answered": 0.6647, "response_time": 0.0047,
  "outcome": "ok", "hops": [
  {"service": "lb", "kind": "load_balancer", "instance": 0, "host": "lb", "message": "request", "left": 0.66,
   "arrived": 0.6601, "began": 0.6601, "finished": 0.6601, "travel": 0.0001, "wait": 0.0, "served": 0.0},
  {"service": "app", "kind": "api_server", "instance": 2, "host": "web-3", "message": "request", "left": 0.6601,
   "arrived": 0.6602, "began": 0.6606, "finished": 0.6646, "travel": 0.0001, "wait": 0.0004, "served": 0.004},
  {"service": "(users)", "kind": "users", "instance": 0, "host": "users", "message": "reply", "left": 0.6646,
   "arrived": 0.6647, "began": 0.6647, "finished": 0.6647, "travel": 0.0001, "wait": 0.0, "served": 0.0}]},
 {"index": 2000, "type": "update_user", "measured": true, "sent": 1.3, "answered": null, "response_time": null,
  "outcome": "in_flight", "hops": []}]})json";

} // namespace

TEST(FollowFile, ReadsTheFileAndDrawsThePathInOrder)
{
  std::string error;
  const auto paths = read_follow(kFollow, error);
  ASSERT_TRUE(paths) << error;
  ASSERT_EQ(paths->size(), 2u);
  const auto& p = paths->front();
  EXPECT_EQ(p.index, 1000u);
  EXPECT_EQ(p.type, "get_user");
  ASSERT_TRUE(p.response_time);
  EXPECT_DOUBLE_EQ(*p.response_time, 0.0047);
  ASSERT_EQ(p.hops.size(), 3u);
  EXPECT_EQ(p.hops[1].host, "web-3");
  EXPECT_EQ(p.hops[1].instance, 2);
  EXPECT_TRUE(p.hops[2].reply);

  const auto steps = follow_steps(p);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].from, "(users)");
  EXPECT_EQ(steps[0].to, "lb");
  EXPECT_EQ(steps[1].from, "lb");
  EXPECT_EQ(steps[1].to, "app");
  EXPECT_EQ(steps[2].from, "app"); // the app's reply goes straight back to the users in this file
  EXPECT_EQ(steps[2].to, "(users)");
  EXPECT_TRUE(steps[2].reply);

  EXPECT_EQ(hop_label(p.hops[1]), "net 0.10 ms \u00b7 wait 0.40 ms \u00b7 served 4.00 ms");
  EXPECT_EQ(hop_label(p.hops[0]), "net 0.10 ms \u00b7 wait 0 ms \u00b7 served 0 ms"); // a balancer: nothing to wait for
  EXPECT_EQ(hop_label(p.hops[2]), "net 0.10 ms"); // the users neither wait nor serve
  // The summary's parts add up to the response time: 0.3 + 0.4 + 4.0 = 4.7 ms.
  EXPECT_EQ(follow_summary(p), "request 1000 (get_user): ok in 4.70 ms = net 0.30 ms + wait 0.40 ms + served 4.00 ms");

  const auto& open = (*paths)[1];
  EXPECT_FALSE(open.response_time);
  EXPECT_TRUE(follow_steps(open).empty());
  EXPECT_EQ(follow_summary(open), "request 2000 (update_user): in_flight (not answered when the run ended)");
}

TEST(FollowFile, RefusesWhatIsNotAFollowFile)
{
  std::string error;
  EXPECT_FALSE(read_follow("not json", error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(read_follow(R"({"time": 1})", error)); // a stream line
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(read_follow(R"({"requests": [{"index": 1}]})", error)); // a request without its fields
  EXPECT_FALSE(error.empty());
  const auto none = read_follow(R"({"follow": "5", "requests": []})", error);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}
