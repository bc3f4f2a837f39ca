#pragma once
// Autoscaling: how many instances a pool should have. The rule is Kubernetes' Horizontal Pod Autoscaler's:
// desired = ceil(current x metric / target), left alone while metric / target is within a tolerance of 1
// (0.1, HPA's default --horizontal-pod-autoscaler-tolerance), clamped to [min, max]. Around it, a scaler that
// evaluates every interval, waits a cooldown after each action (AWS Auto Scaling's cooldown) and counts the
// instances still booting. Plain code: no SimGrid type.
#include "scalelab/models/time.hpp"

namespace scalelab::models
{

inline constexpr double kAutoscaleTolerance = 0.1;

struct AutoscaleSpec {
  enum class Metric { utilisation, queue_length };
  Metric metric = Metric::utilisation;
  double target = 0.6; // utilisation: busy share of the workers; queue_length: waiting requests per instance
  SimTime interval = 10 * kNanosPerSecond;
  SimTime cooldown = 60 * kNanosPerSecond;
  SimTime boot = 30 * kNanosPerSecond;
  int min = 1;
  int max = 1;
  int initial = 1; // instances running at the start
};

// HPA's rule: the instances wanted by `current` instances whose average metric is `metric`.
int desired_instances(int current, double metric, double target, int min, int max,
                      double tolerance = kAutoscaleTolerance);

// The scaler's decisions over time. Instances are numbered 0 .. max-1; instance i runs or boots before i+1
// (scaling in stops the highest-numbered running one), like a fleet that launches from one template.
class Autoscaler
{
public:
  explicit Autoscaler(const AutoscaleSpec& spec);

  struct Action {
    int boot = 0; // instances to start booting now (ready after spec.boot)
    int stop = 0; // running instances to take out now
  };
  // An evaluation at time t, the metric averaged over the running instances over the last interval.
  Action evaluate(SimTime t, double metric);
  // n instances finished booting.
  void booted(int n);

  int running() const { return running_; }
  int booting() const { return booting_; }

private:
  AutoscaleSpec spec_;
  int running_ = 0;
  int booting_ = 0;
  SimTime last_action_ = 0;
  bool acted_ = false;
};

} // namespace scalelab::models
