// The terminal summary (the busiest links are listed when messages carry bytes, busiest first) and
// timeseries.csv (the replicas' lag columns).
#include "scalelab/models/results.hpp"

#include <gtest/gtest.h>

using namespace scalelab::models;

namespace
{
LinkResult link(const std::string& name, const std::string& from, const std::string& to, const std::string& sharing,
                std::uint64_t bytes, double utilisation)
{
  LinkResult l;
  l.name = name;
  l.from = from;
  l.to = to;
  l.sharing = sharing;
  l.bytes = bytes;
  l.utilisation = utilisation;
  return l;
}
} // namespace

TEST(SummaryTable, ListsTheBusiestLinksButNotFatPipes)
{
  Results r;
  r.duration = 12;
  r.warmup = 2;
  r.links = {link("a--sw", "a", "sw", "full_duplex", 1'000'000, 0.1), link("users--sw", "", "", "fatpipe", 9e9, 0.9),
             link("trunk", "", "", "shared", 50'000'000, 0.4)};
  const std::string table = summary_table(r);
  const auto section = table.find("busiest links");
  ASSERT_NE(section, std::string::npos) << table;
  const auto trunk = table.find("trunk", section), a = table.find("a -> sw", section);
  ASSERT_NE(trunk, std::string::npos);
  ASSERT_NE(a, std::string::npos);
  EXPECT_LT(trunk, a) << "busiest first";
  EXPECT_NE(table.find("40.0", trunk), std::string::npos) << "50 MB in 10 s is 40 Mbps";
  EXPECT_EQ(table.find("users--sw"), std::string::npos) << "a fat pipe never queues";
}

TEST(SummaryTable, NoLinkSectionWhenNothingCarriesBytes)
{
  Results r;
  r.links = {link("a--sw", "a", "sw", "full_duplex", 0, 0)};
  EXPECT_EQ(summary_table(r).find("busiest links"), std::string::npos);
}

TEST(TimeseriesCsv, EachReplicaGetsTwoLagColumnsEmptyWhereItAppliedNothing)
{
  TimeseriesRow users, db, quiet;
  users.series = "(users)";
  db.series = "users";
  db.replica_lags = {{"users/db-2", 3, 0.002, 0.005}, {"users/db-3", 0, 0, 0}};
  quiet.time = 1;
  quiet.series = "users";
  quiet.replica_lags = {{"users/db-2", 0, 0, 0}, {"users/db-3", 1, 0.25, 0.25}};
  const std::string csv = timeseries_csv({users, db, quiet});
  const std::string header = "time_s,series,completed,errors,throughput_per_s,latency_mean_ms,mean_in_service,"
                             "mean_queue_length,lag_mean_ms[users/db-2],lag_max_ms[users/db-2],lag_mean_ms[users/"
                             "db-3],lag_max_ms[users/db-3]\n";
  EXPECT_EQ(csv.substr(0, header.size()), header);
  EXPECT_NE(csv.find("\n0,(users),0,0,0,0,0,0,,,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n0,users,0,0,0,0,0,0,2,5,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n1,users,0,0,0,0,0,0,,,250,250\n"), std::string::npos) << csv;
  // Without replicas, the columns are as before.
  EXPECT_EQ(timeseries_csv({users}).find("lag_"), std::string::npos);
}
