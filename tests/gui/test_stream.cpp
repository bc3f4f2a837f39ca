// The GUI's side of `scalelab run --stream`: its lines parse into samples, and results.json into the summary the
// canvas shows at the end of a run. (tests/sim/test_stream.cpp runs the binary.)
#include "stream.hpp"

#include <gtest/gtest.h>

namespace
{

TEST(StreamLine, ParsesTheSeriesOfAnInterval)
{
  std::string error;
  const auto s = scalelab::gui::parse_stream_line(
      R"j({"time":3.0,"end":4.0,"series":{"(users)":{"completed":1480,"errors":2,"throughput":1480.0,)j"
      R"j("latency_mean":0.007,"in_service":10.5,"queue":0.0},"mq":{"completed":5,"errors":0,"throughput":5.0,)j"
      R"j("latency_mean":0.3,"in_service":1.0,"queue":0.0,"backlog":12.5}}})j",
      error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->time, 3.0);
  EXPECT_EQ(s->end, 4.0);
  ASSERT_EQ(s->series.size(), 2u);
  EXPECT_EQ(s->series.at("(users)").completed, 1480);
  EXPECT_EQ(s->series.at("(users)").errors, 2);
  EXPECT_EQ(s->series.at("(users)").in_service, 10.5);
  EXPECT_EQ(s->series.at("mq").backlog, 12.5);
}

TEST(StreamLine, ParsesTheEdgesAndTheReplicasLag)
{
  std::string error;
  const auto s = scalelab::gui::parse_stream_line(
      R"j({"time":0.0,"end":1.0,"series":{"users":{"completed":9,"errors":0,"throughput":9.0,"latency_mean":0.001,)j"
      R"j("in_service":0.1,"queue":0.0,"replica_lag":{"users/db-2":0.0018}}},)j"
      R"j("edges":[["(users)","lb",1503],["lb","app",1504],["bad"]]})j",
      error);
  ASSERT_TRUE(s) << error;
  ASSERT_EQ(s->edges.size(), 2u) << "the malformed edge is left out";
  EXPECT_EQ(s->edges[0].from, "(users)");
  EXPECT_EQ(s->edges[0].to, "lb");
  EXPECT_EQ(s->edges[0].requests, 1503);
  EXPECT_EQ(s->edges[1].requests, 1504);
  EXPECT_EQ(s->series.at("users").replica_lag.at("users/db-2"), 0.0018);
}

TEST(StreamLine, RefusesWhatIsNotAnIntervalLine)
{
  std::string error;
  EXPECT_FALSE(scalelab::gui::parse_stream_line("request  completed", error));
  EXPECT_FALSE(scalelab::gui::parse_stream_line(R"j({"time": 1})j", error));
  EXPECT_FALSE(scalelab::gui::parse_stream_line("[1, 2]", error));
  EXPECT_NE(error.find("not a stream line"), std::string::npos);
}

TEST(ResultsSummary, ReadsServicesAndTheUsersTotal)
{
  std::string error;
  const auto r = scalelab::gui::read_results_summary(
      R"j({"total":{"name":"all","throughput":1500.0,"errors":{"queue_full":30,"timeout":10},)j"
      R"j("latency":{"mean":0.007,"p99":0.02}},"services":[{"name":"lb","capacity":0,"throughput":1500.0,)j"
      R"j("errors":{},"latency":{"mean":0.007,"p99":0.02},"utilisation":0,"mean_queue_length":0},)j"
      R"j({"name":"app","capacity":48,"throughput":1500.0,"errors":{},"latency":{"mean":0.006,"p99":0.019},)j"
      R"j("utilisation":0.22,"mean_queue_length":0.5}]})j",
      error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->at("(users)").errors, 40);
  EXPECT_EQ(r->at("(users)").latency_p99, 0.02);
  EXPECT_FALSE(r->at("lb").has_utilisation);
  EXPECT_TRUE(r->at("app").has_utilisation);
  EXPECT_EQ(r->at("app").utilisation, 0.22);
  EXPECT_EQ(r->at("app").queue, 0.5);
  EXPECT_FALSE(scalelab::gui::read_results_summary("{}", error));
}

} // namespace
