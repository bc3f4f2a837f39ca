// What `scalelab real validate` writes from its figures (apps/scalelab/validate_report.cpp): the replicas' lag read
// from a simulation's and a live run's results, the error of each figure, the table and the plot's data.
#include "validate_report.hpp"

#include <gtest/gtest.h>

#include <cmath>

using scalelab::app::relative_error;
using scalelab::app::validation_figures;
using scalelab::app::validation_plot_dat;
using scalelab::app::validation_plot_script;
using scalelab::app::validation_row;
using scalelab::app::validation_table;
using json = nlohmann::ordered_json;

namespace
{

json results(double throughput, double p50)
{
  return {{"total",
           {{"throughput", throughput},
            {"latency", {{"mean", p50}, {"p50", p50}, {"p95", 2 * p50}, {"p99", 3 * p50}}},
            {"errors", {{"timeout", 0}}}}},
          {"services", json::array({{{"name", "app"}}})}};
}

} // namespace

TEST(ValidateReport, TheSimulatedLagIsTheMeanOfTheReplicasWeightedByTheWritesTheyApplied)
{
  auto sim = results(100, 0.002);
  sim["services"].push_back(
      {{"name", "users"},
       {"replication",
        {{"replicas", json::array({{{"host", "db-2"}, {"applied", 300}, {"lag", {{"mean", 0.001}}}},
                                   {{"host", "db-3"}, {"applied", 100}, {"lag", {{"mean", 0.005}}}}})}}}});
  const auto f = validation_figures(sim);
  ASSERT_TRUE(f.lag.has_value());
  EXPECT_NEAR(*f.lag, (300 * 0.001 + 100 * 0.005) / 400, 1e-12);         // 2 ms
  EXPECT_FALSE(validation_figures(results(100, 0.002)).lag.has_value()); // no replicas: no lag
}

TEST(ValidateReport, TheLiveLagIsTheSampledOneAndNoneWithoutASample)
{
  auto live = results(100, 0.002);
  live["real"] = {{"replication_lag", {{"mean", 0.0004}, {"max", 0.002}, {"samples", 40}}}};
  ASSERT_TRUE(validation_figures(live).lag.has_value());
  EXPECT_DOUBLE_EQ(*validation_figures(live).lag, 0.0004);
  live["real"]["replication_lag"]["samples"] = 0;
  EXPECT_FALSE(validation_figures(live).lag.has_value());
}

TEST(ValidateReport, TheErrorIsSimulatedOverLiveMinusOne)
{
  EXPECT_DOUBLE_EQ(relative_error(90, 100), -0.1);
  EXPECT_DOUBLE_EQ(relative_error(3, 2), 0.5);
  EXPECT_DOUBLE_EQ(relative_error(3, 0), 0.0);
}

TEST(ValidateReport, ARowWithLagGivesALagColumnAndItsErrorInTheTableAndThePlot)
{
  auto sim = validation_figures(results(100, 0.002));
  auto live = validation_figures(results(100, 0.0025));
  sim.lag = 0.0003;
  live.lag = 0.0006;
  json rows = json::array({validation_row(40, 100, 0, sim, live, json{{"real", {{"send_lag_flagged", true}}}})});
  EXPECT_DOUBLE_EQ(rows[0]["error"]["lag"].get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(rows[0]["error"]["p50"].get<double>(), -0.2);
  EXPECT_TRUE(rows[0]["send_lag_flagged"].get<bool>());
  const auto table = validation_table(rows);
  EXPECT_NE(table.find("lag ms sim/live"), std::string::npos) << table;
  EXPECT_NE(table.find("0.30/0.60 -50.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("2.00/2.50 -20.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("send lag flagged"), std::string::npos) << table;
  EXPECT_EQ(validation_plot_dat(rows).substr(validation_plot_dat(rows).find('\n') + 1),
            "40 0.000 -20.000 -20.000 -20.000 -50.000\n");
  const auto script = validation_plot_script("e.dat", "e.png", true);
  EXPECT_NE(script.find("set output 'e.png'"), std::string::npos);
  EXPECT_NE(script.find("using 1:6"), std::string::npos); // the lag's column
}

TEST(ValidateReport, WithoutReplicasNeitherTheTableNorThePlotHasALagColumn)
{
  const auto f = validation_figures(results(100, 0.002));
  json rows = json::array({validation_row(20, 50, 0, f, f, json::object())});
  EXPECT_FALSE(rows[0]["error"].contains("lag"));
  EXPECT_EQ(validation_table(rows).find("lag ms"), std::string::npos);
  EXPECT_NE(validation_plot_dat(rows).find(" NaN\n"), std::string::npos);
  EXPECT_EQ(validation_plot_script("e.dat", "e.png", false).find("using 1:6"), std::string::npos);
}
