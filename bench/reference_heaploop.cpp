// Reference model of the scalelab benchmark as a hand-written event loop over a binary heap.
//
// Open-loop Poisson arrivals from a client to a load balancer, which routes each request (round robin or uniformly
// at random) to one of N servers. Each server is an M/M/c station: a FIFO queue in front of c parallel workers with
// exponential service times. Every network hop (client -> balancer -> server -> balancer -> client) takes a fixed
// one-way latency; the balancer takes no time.
//
// Four event kinds: arrival at the balancer, arrival at a server, departure from a server, response at the client.
// The return path through the balancer is a pure delay of two hops, so a departure schedules the response at the
// client directly. Each event carries the time at which its request left the client, so no per-request table is
// needed. Only the pending events and the per-server FIFO queues are kept in memory.
//
// Usage: scalelab_bench_heaploop [--duration S] [--seed N] [--policy round_robin|random] [--servers N] [--rate R]
// Prints one JSON line on stdout (see bench/README.md).

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <vector>

namespace
{

constexpr double kLatency = 100e-6;    // one-way network latency of every hop, seconds
constexpr double kServiceMean = 10e-3; // mean service time, seconds
constexpr unsigned kWorkers = 4;       // parallel workers per server
constexpr double kRho = 0.7;           // default utilisation, used to derive the arrival rate

// xoshiro256** seeded through splitmix64.
class Rng
{
public:
  explicit Rng(std::uint64_t seed)
  {
    for (auto& word : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next()
  {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Exponential with the given mean, by inverse transform (1 - u is in (0, 1], so the log is finite).
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

  // Uniform integer in [0, n) for n < 2^32 by multiply-shift; the bias (at most n / 2^32) is negligible here.
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Growable FIFO ring buffer of doubles (capacity is a power of two).
class Fifo
{
public:
  bool empty() const { return head_ == tail_; }

  void push(double value)
  {
    if (tail_ - head_ == buf_.size())
      grow();
    buf_[tail_++ & (buf_.size() - 1)] = value;
  }

  double pop() { return buf_[head_++ & (buf_.size() - 1)]; }

private:
  void grow()
  {
    std::vector<double> bigger(buf_.empty() ? 16 : 2 * buf_.size());
    for (std::size_t i = head_; i != tail_; ++i)
      bigger[i - head_] = buf_[i & (buf_.size() - 1)];
    tail_ -= head_;
    head_ = 0;
    buf_.swap(bigger);
  }

  std::vector<double> buf_;
  std::size_t head_ = 0; // index of the oldest element (unbounded counter, masked on access)
  std::size_t tail_ = 0; // one past the newest element
};

enum class Kind : std::uint32_t { ArriveBalancer, ArriveServer, Departure, ResponseClient };

struct Event {
  double time;          // when the event happens
  double sent;          // when its request left the client
  std::uint32_t server; // server of the request (unused for ArriveBalancer)
  Kind kind;
};

struct Later {
  bool operator()(const Event& a, const Event& b) const { return a.time > b.time; }
};

struct Server {
  unsigned busy = 0; // workers in service
  Fifo waiting;      // client send times of the queued requests
};

struct Options {
  double duration = 200.0;
  std::uint64_t seed = 1;
  bool round_robin = true;
  std::uint32_t servers = 10;
  double rate = -1.0; // requests/s; negative means derive it from kRho
};

[[noreturn]] void usage(const char* prog)
{
  std::fprintf(stderr,
               "usage: %s [--duration SECONDS] [--seed N] [--policy round_robin|random] [--servers N] [--rate R]\n",
               prog);
  std::exit(2);
}

Options parse(int argc, char** argv)
{
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
      usage(argv[0]);
    const char* value = argv[++i];
    char* end = nullptr;
    if (arg == "--duration") {
      opt.duration = std::strtod(value, &end);
    } else if (arg == "--seed") {
      opt.seed = std::strtoull(value, &end, 10);
    } else if (arg == "--servers") {
      const unsigned long n = std::strtoul(value, &end, 10);
      if (n == 0 || n > 0xffffffffUL)
        usage(argv[0]);
      opt.servers = static_cast<std::uint32_t>(n);
    } else if (arg == "--rate") {
      opt.rate = std::strtod(value, &end);
    } else if (arg == "--policy") {
      if (std::strcmp(value, "round_robin") == 0)
        opt.round_robin = true;
      else if (std::strcmp(value, "random") == 0)
        opt.round_robin = false;
      else
        usage(argv[0]);
      continue;
    } else {
      usage(argv[0]);
    }
    if (end == value || *end != '\0')
      usage(argv[0]);
  }
  if (opt.rate < 0)
    opt.rate = kRho * opt.servers * kWorkers / kServiceMean;
  if (!(opt.duration > 0) || !(opt.rate > 0))
    usage(argv[0]);
  return opt;
}

// Peak resident set size of this process, in KiB. Linux keeps ru_maxrss across fork + exec, so getrusage() reports
// at least the peak of the parent that launched this program (e.g. a large benchmark driver); VmHWM in
// /proc/self/status belongs to the current program image only. getrusage() is the fallback where /proc is missing.
double peak_rss_kib()
{
  if (std::FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    double kib = -1.0;
    while (std::fgets(line, sizeof line, status))
      if (std::strncmp(line, "VmHWM:", 6) == 0) {
        kib = std::strtod(line + 6, nullptr);
        break;
      }
    std::fclose(status);
    if (kib >= 0)
      return kib;
  }
  rusage usage_info{};
  getrusage(RUSAGE_SELF, &usage_info);
  return static_cast<double>(usage_info.ru_maxrss); // KiB on Linux
}

} // namespace

int main(int argc, char** argv)
{
  const Options opt = parse(argc, argv);
  const double interarrival_mean = 1.0 / opt.rate;

  const auto start = std::chrono::steady_clock::now();

  Rng rng(opt.seed);
  std::vector<Server> servers(opt.servers);
  std::uint32_t next_server = 0; // round-robin cursor
  std::vector<Event> storage;
  storage.reserve(1024);
  std::priority_queue<Event, std::vector<Event>, Later> heap(Later{}, std::move(storage));

  std::uint64_t completed = 0;
  double total_response = 0.0;

  // First request: it leaves the client after one interarrival time.
  {
    const double sent = rng.exponential(interarrival_mean);
    heap.push({sent + kLatency, sent, 0, Kind::ArriveBalancer});
  }

  while (!heap.empty() && heap.top().time <= opt.duration) {
    const Event ev = heap.top();
    heap.pop();
    switch (ev.kind) {
    case Kind::ArriveBalancer: {
      // The client sends its next request one interarrival time after this one (open loop).
      const double next_sent = ev.sent + rng.exponential(interarrival_mean);
      heap.push({next_sent + kLatency, next_sent, 0, Kind::ArriveBalancer});
      std::uint32_t target;
      if (opt.round_robin) {
        target = next_server;
        next_server = next_server + 1 == opt.servers ? 0 : next_server + 1;
      } else {
        target = rng.below(opt.servers);
      }
      heap.push({ev.time + kLatency, ev.sent, target, Kind::ArriveServer});
      break;
    }
    case Kind::ArriveServer: {
      Server& srv = servers[ev.server];
      if (srv.busy < kWorkers) {
        ++srv.busy;
        heap.push({ev.time + rng.exponential(kServiceMean), ev.sent, ev.server, Kind::Departure});
      } else {
        srv.waiting.push(ev.sent);
      }
      break;
    }
    case Kind::Departure: {
      // Server -> balancer -> client: two hops, no processing at the balancer.
      heap.push({ev.time + 2 * kLatency, ev.sent, ev.server, Kind::ResponseClient});
      Server& srv = servers[ev.server];
      if (srv.waiting.empty()) {
        --srv.busy;
      } else {
        const double queued_sent = srv.waiting.pop();
        heap.push({ev.time + rng.exponential(kServiceMean), queued_sent, ev.server, Kind::Departure});
      }
      break;
    }
    case Kind::ResponseClient:
      ++completed;
      total_response += ev.time - ev.sent;
      break;
    }
  }

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double peak_rss_mb = peak_rss_kib() / 1024.0;
  const double mean_ms = completed ? 1e3 * total_response / static_cast<double>(completed) : 0.0;

  std::printf("{\"impl\":\"heaploop\",\"requests\":%llu,\"mean_response_ms\":%.6f,\"wall_s\":%.6f,"
              "\"req_per_s\":%.1f,\"peak_rss_mb\":%.1f}\n",
              static_cast<unsigned long long>(completed), mean_ms, wall, static_cast<double>(completed) / wall,
              peak_rss_mb);
  return 0;
}
