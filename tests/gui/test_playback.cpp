// The GUI's playback of a run: samples handed over at the chosen speed, paused, stepped, played up to a time.
#include "playback.hpp"

#include <gtest/gtest.h>

namespace
{

using scalelab::gui::EdgeSample;
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

// Break it during a run: the run starts again with the fault at t, is shown at once up to t (the same samples as
// before, the seed replaying them), then plays on from t at the chosen speed, not held.
TEST(Playback, CatchUpShowsEverythingUpToTheTimeAtOnceThenPlaysOnAtThePace)
{
  Playback p;
  p.set_speed(1, 0);
  add_seconds(p, 0, 10);
  p.catch_up_to(5);
  const auto caught_up = p.due(100);
  ASSERT_EQ(caught_up.size(), 5u) << "no pacing on the way to the fault's time";
  EXPECT_EQ(caught_up.back().end, 5);
  EXPECT_FALSE(p.paused()) << "plays on";
  EXPECT_FALSE(p.target());
  EXPECT_TRUE(p.due(100.5).empty()) << "from 5 s on at 1 simulated second per wall second";
  const auto next = p.due(101);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].end, 6);
  EXPECT_EQ(p.due(103).size(), 2u);
  EXPECT_EQ(p.shown_to(), 8);
}

TEST(Playback, CatchUpWaitsForTheRunToReachTheTimeThenPacesFromThere)
{
  Playback p;
  p.set_speed(2, 0);
  add_seconds(p, 0, 3);
  p.catch_up_to(5);
  EXPECT_EQ(p.due(0).size(), 3u);
  EXPECT_TRUE(p.target()) << "the run has not reached 5 s yet";
  add_seconds(p, 3, 9);
  EXPECT_EQ(p.due(10).size(), 2u) << "4 and 5 s at once, however late; the pace starts at 5 s";
  EXPECT_EQ(p.shown_to(), 5);
  EXPECT_FALSE(p.paused());
  EXPECT_TRUE(p.due(10.4).empty());
  EXPECT_EQ(p.due(10.5).size(), 1u); // 6 s at 2x: half a wall second after 5 s
  p.pause();                         // a pause after it holds as ever
  EXPECT_TRUE(p.due(50).empty());
}

TEST(Playback, PlayToStillHoldsAfterACatchUp)
{
  Playback p;
  add_seconds(p, 0, 9);
  p.catch_up_to(2);
  EXPECT_EQ(p.due(0).size(), 9u) << "as fast as it runs: on past 2 s at once";
  p.reset();
  add_seconds(p, 0, 9);
  p.play_to(2);
  EXPECT_EQ(p.due(0).size(), 2u);
  EXPECT_TRUE(p.paused());
}

// The run before shown beside this one at this run's time: the last interval that ended by then.
TEST(Playback, SampleAtIsTheLastIntervalEndedByThatTime)
{
  std::vector<IntervalSample> run;
  for (int t = 0; t < 4; ++t)
    run.push_back(sample(t, t + 1));
  EXPECT_EQ(scalelab::gui::sample_at(run, 0.5), nullptr);
  ASSERT_NE(scalelab::gui::sample_at(run, 1), nullptr);
  EXPECT_EQ(scalelab::gui::sample_at(run, 1)->end, 1);
  EXPECT_EQ(scalelab::gui::sample_at(run, 2.5)->end, 2);
  EXPECT_EQ(scalelab::gui::sample_at(run, 4)->end, 4);
  EXPECT_EQ(scalelab::gui::sample_at(run, 60)->end, 4) << "a longer run: the run before's last";
  EXPECT_EQ(scalelab::gui::sample_at({}, 3), nullptr);
}

TEST(Playback, MeasuredEdgeRatesCountTheIntervalsAfterTheWarmUp)
{
  std::vector<IntervalSample> run;
  for (int t = 0; t < 4; ++t) {
    run.push_back(sample(t, t + 1));
    run.back().edges.push_back(EdgeSample{"(users)", "lb", 100.0 * (t + 1)});
  }
  run[3].edges.push_back(EdgeSample{"lb", "app", 8});
  const auto rates = scalelab::gui::measured_edge_rates(run, 2, 4);
  ASSERT_EQ(rates.size(), 2u);
  EXPECT_DOUBLE_EQ(rates.at({"(users)", "lb"}), (300.0 + 400.0) / 2); // the intervals from 2 s and 3 s
  EXPECT_DOUBLE_EQ(rates.at({"lb", "app"}), 4);
  EXPECT_TRUE(scalelab::gui::measured_edge_rates(run, 4, 4).empty());
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
