// The broker's choice of consumer (models/consumers.hpp): RabbitMQ's round robin over the consumers with room
// under a prefetch of 1.
#include "scalelab/models/consumers.hpp"

#include <gtest/gtest.h>

using scalelab::models::ConsumerRing;

TEST(ConsumerRing, GoesRoundRobinOverTheInstancesAndStopsWhenEveryConsumerHoldsAJob)
{
  ConsumerRing ring({2, 2, 1});
  std::vector<int> got;
  for (int i = 0; i < 6; ++i)
    got.push_back(ring.take().instance);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 0, 1, -1})); // 5 consumers, then none free
}

TEST(ConsumerRing, AnAcknowledgedConsumerGoesToTheBackOfTheRound)
{
  ConsumerRing ring({1, 1});
  const auto a = ring.take(), b = ring.take();
  EXPECT_EQ(ring.take().instance, -1);
  ring.give_back(b);
  ring.give_back(a);
  EXPECT_EQ(ring.take().instance, 1);
  EXPECT_EQ(ring.take().instance, 0);
}

TEST(ConsumerRing, ADownInstanceGetsNothingAndItsOldJobsGiveNoConsumerBack)
{
  ConsumerRing ring({2, 2});
  const auto held = ring.take(); // instance 0
  ring.set_down(0);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(ring.take().instance, 1);
  EXPECT_EQ(ring.take().instance, -1);
  ring.give_back(held); // acknowledged after the crash: stale
  EXPECT_EQ(ring.take().instance, -1);
  ring.set_up(0);
  EXPECT_EQ(ring.take().instance, 0);
  EXPECT_EQ(ring.take().instance, 0);
  EXPECT_EQ(ring.take().instance, -1);
}

TEST(ConsumerRing, ABrokerRestartFreesEveryConsumerOfTheInstancesThatAreUp)
{
  ConsumerRing ring({1, 1});
  const auto a = ring.take();
  ring.take();
  ring.set_down(1);
  ring.reset();
  EXPECT_EQ(ring.take().instance, 0);
  EXPECT_EQ(ring.take().instance, -1);
  ring.give_back(a); // delivered before the restart
  EXPECT_EQ(ring.take().instance, -1);
}
