#include "scalelab/models/autoscaling.hpp"

#include <algorithm>
#include <cmath>

namespace scalelab::models
{

int desired_instances(int current, double metric, double target, int min, int max, double tolerance)
{
  int desired = current;
  const double ratio = metric / target;
  if (std::abs(ratio - 1.0) > tolerance) {
    // ceil, with a hair of slack so that 3 x 0.4 / 0.6 = 2.0000000000000004 stays 2
    desired = static_cast<int>(std::ceil(static_cast<double>(current) * ratio - 1e-9));
  }
  return std::clamp(desired, min, max);
}

Autoscaler::Autoscaler(const AutoscaleSpec& spec) : spec_(spec), running_(spec.initial) {}

Autoscaler::Action Autoscaler::evaluate(SimTime t, double metric)
{
  Action action;
  if (acted_ && t < last_action_ + spec_.cooldown)
    return action;
  const int current = running_ + booting_;
  // The metric is the running instances' average; booting ones count as running at the target, so that
  // an evaluation during a boot does not order the same instances twice.
  const double total = metric * running_ + spec_.target * booting_;
  const double average = current > 0 ? total / current : 0;
  const int desired = desired_instances(current, average, spec_.target, spec_.min, spec_.max);
  if (desired > current)
    action.boot = desired - current;
  else if (desired < current && booting_ == 0)
    action.stop = std::min(current - desired, std::max(0, running_ - 1)); // never the last one
  if (action.boot == 0 && action.stop == 0)
    return action;
  booting_ += action.boot;
  running_ -= action.stop;
  last_action_ = t;
  acted_ = true;
  return action;
}

void Autoscaler::booted(int n)
{
  booting_ -= n;
  running_ += n;
}

} // namespace scalelab::models
