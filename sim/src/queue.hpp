#pragma once
// The queue service kind (a message broker) and the worker kind that consumes it (docs/queues.md). A publish step
// makes a job: a new request record that runs the job's request type, with the broker's frame at its bottom in
// place of the users'. The broker keeps waiting jobs in a FIFO and delivers each to a free consumer
// (models::ConsumerRing decides which); a worker is an api_server whose requests come from the broker, and its
// reply to the broker's frame is the job's acknowledgement. No actor and no event per job beyond its messages.
#include "components.hpp"

#include "scalelab/models/consumers.hpp"

#include <deque>

namespace scalelab::sim
{

// A publish step of the request on top of `from`: the job goes to the queue service, the request goes on.
void publish_job(Component& from, SimTime ts, const Request& request, const ResolvedStep& step, models::Rng& rng);

class Broker : public Component
{
public:
  Broker(std::uint32_t service, const models::QueueSpec& spec, double core_speed, std::uint64_t seed,
         std::vector<std::uint32_t> consumers, std::vector<int> workers);
  void on_request(SimTime ts, std::uint32_t request) override;            // a published job
  void on_reply(SimTime ts, std::uint32_t request, Cause cause) override; // a worker is done with a job
  void on_step_done(SimTime ts, std::uint32_t request, std::uint32_t aux) override;
  void on_tick(SimTime ts, std::uint32_t aux) override; // the host restarted; the scaler's evaluations and boots
  void on_fault(SimTime ts, const Fault& fault) override;
  // The crashes and restarts of its consumers' hosts, known before the run: their connections close and open;
  // and the scaler's first evaluation.
  void schedule_consumer_faults();
  // Its one worker pool is autoscaled: the broker runs its scaler, starting and stopping the instances'
  // consumers (docs/autoscaling.md). Only the first `initial` instances consume from the start.
  void autoscale(const models::AutoscaleSpec& spec, int workers);
  const BalancerScaler* scaler() const { return scaler_.get(); }
  models::QueueResult result() const;
  // Its series' backlog: the jobs waiting, which its row's mean_queue_length already holds.
  void add_to_series(std::size_t, models::TimeseriesRow& row) const override
  {
    row.queue_backlog = row.mean_queue_length;
  }

private:
  void accept(SimTime ts, std::uint32_t request);
  void requeue(SimTime ts, std::uint32_t request); // at the head, as RabbitMQ requeues
  void deliver(SimTime ts);                        // and tells the scaler the backlog
  void deliver_waiting(SimTime ts);
  void release(std::uint32_t request);
  bool down(SimTime ts) const { return node->can_crash() && down_at(ts); }
  void note_backlog(SimTime ts)
  {
    if (scaler_)
      scaler_->queued(ts, static_cast<std::int64_t>(waiting_.size()));
  }
  static constexpr std::uint32_t kEvaluateTag = 0x40000000U; // a tick's aux: an evaluation of the scaler
  static constexpr std::uint32_t kBootTag = 0x80000000U;     // a tick's aux: instance (aux & ~kBootTag) booted

  std::uint32_t service_;
  const models::QueueSpec& spec_;
  double core_speed_;
  models::Rng rng_;
  std::vector<std::uint32_t> consumers_; // worker components, by instance
  models::ConsumerRing ring_;
  std::deque<std::uint32_t> waiting_;
  HeldSet unacknowledged_; // on a host that can crash: the jobs out at consumers
  std::int64_t out_ = 0;   // jobs delivered and not acknowledged
  models::QueueResult counts_;
  models::Histogram wait_;
  std::unique_ptr<BalancerScaler> scaler_;
  std::vector<bool> host_down_; // by instance: its host is down (its consumers are gone whether it runs or not)
};

} // namespace scalelab::sim
