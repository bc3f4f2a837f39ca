// Session guarantees (models/session_log.hpp): the log's counts on small cases worked by hand, and on random
// traces against the definition applied pair by pair, whatever the order in which the hosts report.
#include "scalelab/models/random.hpp"
#include "scalelab/models/session_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace scalelab::models
{
namespace
{

std::int64_t between(Rng& rng, std::int64_t low, std::int64_t high) // uniform in [low, high]
{
  return low + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(high - low + 1)));
}

// A trace: what the hosts report, each with the time it happens.
struct Answer {
  std::uint32_t user;
  SimTime created, at;
  bool cut_off = false;
};
struct Trace {
  std::vector<SessionOp> ops; // each one call, sent when its request was created
  std::vector<Answer> answers;
};

SessionOp op(SimTime created, SimTime done, std::uint64_t key, std::uint32_t user, std::uint32_t version,
             std::uint16_t instance, bool write, bool measured)
{
  SessionOp o;
  o.created = created;
  o.done = done;
  o.key = key;
  o.user = user;
  o.version = version;
  o.instance = instance;
  o.write = write;
  o.measured = measured;
  o.at_replica = !write;
  return o;
}

// The events of a trace in an order the hosts may process them: each call sent before it is done and before its
// request's answer, each operation done before the answer when it ended before it; otherwise any order (random
// picks among what may come next), or time order with no rng.
SessionViolations replay(const Trace& t, std::size_t instances, Rng* rng = nullptr)
{
  struct Event {
    int kind; // 0 call sent, 1 operation, 2 answer
    std::size_t index;
    SimTime at;
  };
  std::vector<Event> pending;
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    pending.push_back({0, i, t.ops[i].created});
    pending.push_back({1, i, t.ops[i].done});
  }
  for (std::size_t i = 0; i < t.answers.size(); ++i)
    pending.push_back({2, i, t.answers[i].at});
  std::vector<bool> sent(t.ops.size(), false), done(t.ops.size(), false);
  const auto ready = [&](const Event& e) {
    if (e.kind == 1)
      return static_cast<bool>(sent[e.index]);
    if (e.kind == 2) {
      const Answer& a = t.answers[e.index];
      for (std::size_t i = 0; i < t.ops.size(); ++i)
        if (t.ops[i].user == a.user && t.ops[i].created == a.created &&
            (!sent[i] || (!done[i] && t.ops[i].done <= a.at)))
          return false;
    }
    return true;
  };
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Event& a, const Event& b) { return a.at != b.at ? a.at < b.at : a.kind < b.kind; });
  SessionLog log;
  while (!pending.empty()) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (ready(pending[i]))
        candidates.push_back(i);
    const std::size_t pick =
        rng ? candidates[between(*rng, 0, static_cast<std::int64_t>(candidates.size()) - 1)] : candidates.front();
    const Event e = pending[pick];
    pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pick));
    if (e.kind == 0) {
      log.call_sent(t.ops[e.index].user, t.ops[e.index].created);
      sent[e.index] = true;
    } else if (e.kind == 1) {
      log.record(t.ops[e.index]);
      done[e.index] = true;
    } else {
      const Answer& a = t.answers[e.index];
      log.answered(a.user, a.created, a.at, a.cut_off);
    }
  }
  return log.count(instances);
}

TEST(SessionGuarantees, AReadBelowTheUsersOwnWriteOrEarlierReadIsAViolation)
{
  // User 1, key 5. Request A (sent at 0, answered at 10) writes version 3; request B (sent at 20) reads version 2
  // on instance 1 (a read-your-writes violation), then version 4 on instance 2, then version 3 on instance 1 (a
  // monotonic-read violation, within the request).
  const Trace t{{op(0, 5, 5, 1, 3, 0, true, false), op(20, 22, 5, 1, 2, 1, false, true),
                 op(20, 24, 5, 1, 4, 2, false, true), op(20, 26, 5, 1, 3, 1, false, true)},
                {{1, 0, 10}, {1, 20, 30}}};
  const auto v = replay(t, 3);
  EXPECT_EQ(v.read_your_writes, (std::vector<std::uint64_t>{0, 1, 0}));
  EXPECT_EQ(v.monotonic, (std::vector<std::uint64_t>{0, 1, 0}));
}

TEST(SessionGuarantees, OverlappingRequestsOtherUsersAndOtherKeysDoNotOrderReads)
{
  Trace t{{
              op(0, 5, 5, 1, 3, 0, true, false),    // user 1 writes version 3 of key 5 in request A, answered at 30
              op(20, 25, 5, 1, 1, 1, false, true),  // request B, sent at 20 before A's answer: concurrent, no violation
              op(40, 45, 5, 2, 1, 1, false, true),  // another user
              op(40, 45, 6, 1, 0, 1, false, true),  // another key
              op(50, 55, 5, 1, 2, 1, false, false), // a violation, but outside the measured window
              op(60, 65, 5, 1, 3, 1, false, true),  // sees the write: fine
          },
          {{1, 0, 30}, {1, 20, 28}, {2, 40, 46}, {1, 40, 47}, {1, 50, 56}, {1, 60, 66}}};
  const auto v = replay(t, 2);
  EXPECT_EQ(v.read_your_writes, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(v.monotonic, (std::vector<std::uint64_t>{0, 0}));
  // An operation whose request never got an answer orders only what follows it in its own request.
  Trace unanswered = t;
  unanswered.answers = {{1, 20, 28}, {2, 40, 46}, {1, 40, 47}};
  EXPECT_EQ(replay(unanswered, 2).read_your_writes, (std::vector<std::uint64_t>{0, 0}));
  // Answered exactly when B is sent: not before it (strictly before is required).
  Trace tie = t;
  tie.answers = {{1, 0, 20}};
  EXPECT_EQ(replay(tie, 2).read_your_writes, (std::vector<std::uint64_t>{0, 0}));
  Trace just_before = t;
  just_before.answers = {{1, 0, 19}};
  EXPECT_EQ(replay(just_before, 2).read_your_writes, (std::vector<std::uint64_t>{0, 1}));
  // A write acknowledged after its request was answered (its caller gave up, the database went on) is known from
  // its acknowledgement on: here after B was sent, whether the answer or the acknowledgement is reported first.
  Trace late = just_before;
  late.ops[0].done = 21;
  EXPECT_EQ(replay(late, 2).read_your_writes, (std::vector<std::uint64_t>{0, 0}));
  late.ops[0].done = 19;
  EXPECT_EQ(replay(late, 2).read_your_writes, (std::vector<std::uint64_t>{0, 1}));
}

TEST(SessionGuarantees, WhatRemainsOfARequestCutOffByACrashIsKnownFromItsEnd)
{
  // Request A of user 1 is cut off by a crash and answered at 10; what remained of it sends a write at 12 (after
  // the answer), acknowledged at 14. Request B, sent at 20, reads an older version.
  Trace t{{op(0, 14, 5, 1, 3, 0, true, false), op(20, 22, 5, 1, 2, 1, false, true)}, {{1, 0, 10, true}}};
  t.ops[0].created = 0;
  SessionLog log;
  log.answered(1, 0, 10, true);
  log.call_sent(1, 0); // after the answer
  log.record(t.ops[0]);
  log.call_sent(1, 20);
  log.record(t.ops[1]);
  const auto v = log.count(2);
  EXPECT_EQ(v.read_your_writes, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(log.open_requests(), 2u); // the cut-off request stays; B was never answered
}

// The definition, read by read: the newest version of each kind among the user's operations on the key that
// precede it (earlier in its own request, or known before its request was sent). O(n^2).
SessionViolations by_definition(const Trace& t, std::size_t instances)
{
  std::map<std::pair<std::uint32_t, SimTime>, SimTime> answer;
  for (const Answer& a : t.answers)
    answer.emplace(std::make_pair(a.user, a.created), a.at);
  const auto known = [&](const SessionOp& o) {
    const auto it = answer.find({o.user, o.created});
    return it == answer.end() ? kNever : std::max(it->second, o.done);
  };
  SessionViolations out;
  out.read_your_writes.assign(instances, 0);
  out.monotonic.assign(instances, 0);
  for (std::size_t r = 0; r < t.ops.size(); ++r) {
    const SessionOp& read = t.ops[r];
    if (read.write || !read.measured)
      continue;
    std::uint32_t w = 0, seen = 0;
    for (std::size_t x = 0; x < t.ops.size(); ++x) {
      const SessionOp& o = t.ops[x];
      if (x == r || o.user != read.user || o.key != read.key)
        continue;
      const bool same_request = o.created == read.created;
      if ((same_request && o.done < read.done) || known(o) < read.created)
        (o.write ? w : seen) = std::max(o.write ? w : seen, o.version);
    }
    out.read_your_writes[read.instance] += read.version < w ? 1 : 0;
    out.monotonic[read.instance] += read.version < seen ? 1 : 0;
  }
  return out;
}

// Random users, keys and requests (some overlapping, some never answered, some with a call done after the
// answer), each request's calls one after the other: the log counts what the definition counts, in time order
// and in random orders the hosts could process the events in.
TEST(SessionGuarantees, TheLogCountsWhatTheDefinitionCountsInAnyOrderOfTheHosts)
{
  Rng rng(20261203);
  std::uint64_t violations = 0;
  for (int trial = 0; trial < 60; ++trial) {
    Trace t;
    const std::size_t instances = 3;
    for (std::uint32_t user = 1; user <= 3; ++user) {
      SimTime at = between(rng, 0, 5);
      for (int request = 0; request < 6; ++request) {
        const SimTime created = at;
        SimTime clock = created;
        const int calls = static_cast<int>(between(rng, 1, 3));
        for (int c = 0; c < calls; ++c) {
          clock += between(rng, 1, 10);
          const bool write = rng.uniform01() < 0.4;
          t.ops.push_back(op(created, clock, static_cast<std::uint64_t>(between(rng, 1, 2)), user,
                             static_cast<std::uint32_t>(between(rng, 0, 5)),
                             static_cast<std::uint16_t>(write ? 0 : between(rng, 1, 2)), write, rng.uniform01() < 0.9));
        }
        const double fate = rng.uniform01();
        if (fate < 0.1) {         // never answered
        } else if (fate < 0.35) { // answered before its calls were done: given up (or cut off by a crash)
          t.answers.push_back({user, created, between(rng, created, clock), rng.uniform01() < 0.5});
        } else {
          t.answers.push_back({user, created, clock + between(rng, 0, 4)});
        }
        // The next request: after the answer, or overlapping it.
        at = rng.uniform01() < 0.2 ? created + between(rng, 1, 8) : clock + between(rng, 1, 12);
      }
    }
    const auto expected = by_definition(t, instances);
    for (std::size_t i = 0; i < instances; ++i)
      violations += expected.read_your_writes[i] + expected.monotonic[i];
    const auto in_time_order = replay(t, instances);
    EXPECT_EQ(in_time_order.read_your_writes, expected.read_your_writes) << "trial " << trial;
    EXPECT_EQ(in_time_order.monotonic, expected.monotonic) << "trial " << trial;
    for (int order = 0; order < 3; ++order) {
      const auto shuffled = replay(t, instances, &rng);
      EXPECT_EQ(shuffled.read_your_writes, expected.read_your_writes) << "trial " << trial << " order " << order;
      EXPECT_EQ(shuffled.monotonic, expected.monotonic) << "trial " << trial << " order " << order;
    }
  }
  EXPECT_GT(violations, 50u); // the traces break the guarantees often enough to tell counts apart
}

} // namespace
} // namespace scalelab::models
