// The GUI's playback of a run: samples handed over at the chosen speed, paused, stepped, played up to a time.
#include "playback.hpp"

#include <gtest/gtest.h>

namespace
{

using scalelab::gui::IntervalSample;
using scalelab::gui::Playback;

IntervalSample sample(double time, double end)
{
  IntervalSample s;
  s.time = time;
  s.end = end;
  return s;
}

void add_seconds(Playback& p, int from, int to)
{
  for (int t = from; t < to; ++t)
    p.add(sample(t, t + 1));
}

TEST(Playback, AsFastAsPossibleShowsEverySampleAsItComes)
{
  Playback p;
  add_seconds(p, 0, 3);
  const auto shown = p.due(0);
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0].end, 1);
  EXPECT_EQ(shown[2].end, 3);
  EXPECT_EQ(p.shown_to(), 3);
  EXPECT_TRUE(p.due(0).empty()) << "each sample once";
}

TEST(Playback, AtTenSimulatedSecondsPerWallSecondAnIntervalOfOneSecondTakesATenth)
{
  Playback p;
  p.set_speed(10, 0);
  add_seconds(p, 0, 10);
  EXPECT_TRUE(p.due(0.05).empty());
  EXPECT_EQ(p.due(0.1).size(), 1u);
  EXPECT_EQ(p.due(0.55).size(), 4u); // ends 2, 3, 4, 5 s
  EXPECT_EQ(p.shown_to(), 5);
  EXPECT_EQ(p.due(5).size(), 5u);
}

TEST(Playback, PauseHoldsStepShowsOneAndResumeKeepsThePaceFromThere)
{
  Playback p;
  p.set_speed(1, 0);
  add_seconds(p, 0, 6);
  EXPECT_EQ(p.due(1).size(), 1u);
  p.pause();
  EXPECT_TRUE(p.due(100).empty()) << "paused: nothing, however late";
  p.step();
  const auto stepped = p.due(100);
  ASSERT_EQ(stepped.size(), 1u);
  EXPECT_EQ(stepped[0].end, 2);
  EXPECT_TRUE(p.due(200).empty());
  EXPECT_TRUE(p.paused());
  p.resume(300);
  EXPECT_TRUE(p.due(300.5).empty()) << "the pace starts again from the time shown";
  EXPECT_EQ(p.due(301).size(), 1u);
}

TEST(Playback, PlayToShowsEverythingUpToTheTimeAtOnceThenPauses)
{
  Playback p;
  p.set_speed(1, 0);
  add_seconds(p, 0, 3);
  p.play_to(5);
  EXPECT_EQ(p.due(0).size(), 3u) << "no pacing on the way to the target";
  EXPECT_FALSE(p.paused()) << "the run has not reached 5 s yet";
  add_seconds(p, 3, 8);
  EXPECT_EQ(p.due(0).size(), 2u);
  EXPECT_EQ(p.shown_to(), 5);
  EXPECT_TRUE(p.paused());
  EXPECT_FALSE(p.target());
  EXPECT_EQ(p.held(), 3u);
}

TEST(Playback, ARunSlowerThanTheSpeedIsShownAsItComesWithoutABurstAfter)
{
  Playback p;
  p.set_speed(1, 0);
  EXPECT_TRUE(p.due(10).empty());
  p.add(sample(0, 1));
  EXPECT_EQ(p.due(10).size(), 1u) << "late: shown at once";
  p.add(sample(1, 2));
  p.add(sample(2, 3));
  EXPECT_TRUE(p.due(10.5).empty()) << "the pace starts again at the late sample";
  EXPECT_EQ(p.due(11).size(), 1u);
  EXPECT_EQ(p.due(12).size(), 1u);
}

TEST(Playback, ResetForgetsTheRunButKeepsTheSpeed)
{
  Playback p;
  p.set_speed(4, 0);
  add_seconds(p, 0, 3);
  p.pause();
  p.reset();
  EXPECT_EQ(p.held(), 0u);
  EXPECT_EQ(p.shown_to(), 0);
  EXPECT_FALSE(p.paused());
  EXPECT_EQ(p.speed(), 4);
}

} // namespace
