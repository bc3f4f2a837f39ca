// The terminal summary: the busiest links are listed when messages carry bytes, busiest first.
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
