// Microbenchmark of the cache policy (models/cache.hpp), outside any simulation.
//
//   speed:  cache-aside requests (get, and set on a miss) under Zipf popularity, replayed from a trace drawn
//           beforehand so that only the cache is timed; one JSON line per policy.
//   memory: a cache filled with --entries keys; bytes per entry counted from the containers' capacities and
//           measured as the growth of the process's resident set; one JSON line per policy.
//
// `std_lru` is a yardstick, not a policy of scalelab: LRU written the usual way with std::unordered_map and
// std::list (one node allocation per entry in each).
#include "scalelab/models/cache.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace
{

using scalelab::models::CacheConfig;
using scalelab::models::CacheEviction;
using scalelab::models::KeyCache;
using scalelab::models::Rng;
using scalelab::models::ZipfSampler;

struct Options {
  std::string mode = "speed";
  std::string policy = "all";
  std::uint64_t keys = 1'000'000;
  std::uint64_t capacity = 100'000;
  double exponent = 1.0;
  std::uint64_t requests = 10'000'000;
  std::uint64_t warmup = 1'000'000;
  std::uint64_t entries = 1'000'000;
  std::uint64_t seed = 1;
  double ttl_ms = 0;    // > 0: a TTL fixed at insertion (requests are 1 us apart in speed mode)
  bool reserve = false; // memory: size the containers for --entries first, as a simulator knowing its key count can
};

[[noreturn]] void usage(const char* message)
{
  std::fprintf(stderr,
               "%s\nusage: scalelab_bench_cache [--mode speed|memory] [--policy all|lru|lfu|fifo|random|std_lru]\n"
               "       [--keys N] [--capacity N] [--exponent A] [--requests N] [--warmup N] [--entries N] "
               "[--seed N]\n"
               "       [--ttl-ms T] [--reserve 0|1]\n",
               message);
  std::exit(2);
}

std::vector<std::string> policies(const Options& o)
{
  if (o.policy == "all")
    return {"lru", "lfu", "fifo", "random", "std_lru"};
  for (const char* p : {"lru", "lfu", "fifo", "random", "std_lru"})
    if (o.policy == p)
      return {o.policy};
  usage(("unknown policy " + o.policy).c_str());
}

Options parse(int argc, char** argv)
{
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
      usage(("missing value after " + arg).c_str());
    const char* value = argv[++i];
    if (arg == "--mode")
      o.mode = value;
    else if (arg == "--policy")
      o.policy = value;
    else if (arg == "--keys")
      o.keys = std::strtoull(value, nullptr, 10);
    else if (arg == "--capacity")
      o.capacity = std::strtoull(value, nullptr, 10);
    else if (arg == "--exponent")
      o.exponent = std::strtod(value, nullptr);
    else if (arg == "--requests")
      o.requests = std::strtoull(value, nullptr, 10);
    else if (arg == "--warmup")
      o.warmup = std::strtoull(value, nullptr, 10);
    else if (arg == "--entries")
      o.entries = std::strtoull(value, nullptr, 10);
    else if (arg == "--seed")
      o.seed = std::strtoull(value, nullptr, 10);
    else if (arg == "--ttl-ms")
      o.ttl_ms = std::strtod(value, nullptr);
    else if (arg == "--reserve")
      o.reserve = std::string(value) == "1";
    else
      usage(("unknown option " + arg).c_str());
  }
  if (o.mode != "speed" && o.mode != "memory")
    usage("--mode must be speed or memory");
  if (o.keys == 0 || o.keys > UINT32_MAX || o.capacity == 0 || o.requests == 0 || o.entries == 0 || !(o.exponent > 0))
    usage("--keys (at most 2^32 - 1), --capacity, --requests, --entries and --exponent must be positive");
  (void)policies(o); // a misspelt policy is reported before any work
  return o;
}

// Resident set size of this process in bytes, from /proc/self/status (0 if unavailable).
std::uint64_t rss_bytes()
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  return 0;
}

// LRU written the usual way, as a yardstick.
class StdLru
{
public:
  explicit StdLru(std::size_t capacity) : capacity_(capacity) {}
  bool get(std::uint64_t key)
  {
    const auto it = map_.find(key);
    if (it == map_.end())
      return false;
    order_.splice(order_.end(), order_, it->second);
    return true;
  }
  void set(std::uint64_t key, std::uint64_t version, std::uint32_t bytes)
  {
    const auto it = map_.find(key);
    if (it != map_.end()) {
      it->second->version = version;
      it->second->bytes = bytes;
      order_.splice(order_.end(), order_, it->second);
      return;
    }
    if (map_.size() >= capacity_) {
      map_.erase(order_.front().key);
      order_.pop_front();
    }
    order_.push_back(Item{key, version, bytes});
    map_.emplace(key, std::prev(order_.end()));
  }

private:
  struct Item {
    std::uint64_t key;
    std::uint64_t version;
    std::uint32_t bytes;
  };
  std::size_t capacity_;
  std::list<Item> order_;
  std::unordered_map<std::uint64_t, std::list<Item>::iterator> map_;
};

CacheConfig config_of(const Options& o, const std::string& policy, std::uint64_t max_entries)
{
  CacheConfig config;
  config.max_entries = max_entries;
  for (const CacheEviction e : {CacheEviction::lru, CacheEviction::lfu, CacheEviction::fifo, CacheEviction::random})
    if (policy == scalelab::models::to_string(e))
      config.eviction = e;
  if (o.ttl_ms > 0) {
    config.ttl_mode = scalelab::models::CacheTtlMode::fixed;
    config.ttl = scalelab::models::from_seconds(o.ttl_ms / 1000);
  }
  return config;
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Replays trace[from, to) as cache-aside requests 1 us apart; returns (hits, calls of get or set).
template <class Get, class Set>
std::pair<std::uint64_t, std::uint64_t> replay(const std::vector<std::uint32_t>& trace, std::size_t from,
                                               std::size_t to, Get&& get, Set&& set)
{
  std::uint64_t hits = 0;
  std::uint64_t calls = 0;
  for (std::size_t i = from; i < to; ++i) {
    const std::uint64_t key = trace[i];
    ++calls;
    const auto now = static_cast<std::int64_t>(i) * 1000;
    if (get(key, now)) {
      ++hits;
    } else {
      set(key, now);
      ++calls;
    }
  }
  return {hits, calls};
}

void speed(const Options& o)
{
  const ZipfSampler zipf(o.keys, o.exponent);
  Rng rng(o.seed);
  std::vector<std::uint32_t> trace(o.warmup + o.requests);
  for (std::uint32_t& k : trace)
    k = static_cast<std::uint32_t>(zipf.sample(rng));

  for (const std::string& policy : policies(o)) {
    std::pair<std::uint64_t, std::uint64_t> result;
    double wall = 0;
    double bytes_per_entry = 0; // counted from the containers' capacities at the end (0 for the yardstick)
    if (policy == "std_lru") {
      StdLru cache(o.capacity);
      const auto get = [&](std::uint64_t key, std::int64_t) { return cache.get(key); };
      const auto set = [&](std::uint64_t key, std::int64_t) { cache.set(key, 0, 100); };
      replay(trace, 0, o.warmup, get, set);
      const auto start = std::chrono::steady_clock::now();
      result = replay(trace, o.warmup, trace.size(), get, set);
      wall = seconds_since(start);
    } else {
      KeyCache cache(config_of(o, policy, o.capacity), Rng::derive(o.seed, 1));
      const auto get = [&](std::uint64_t key, std::int64_t now) { return cache.get(key, now).hit; };
      const auto set = [&](std::uint64_t key, std::int64_t now) { cache.set(key, 0, 100, now); };
      replay(trace, 0, o.warmup, get, set);
      const auto start = std::chrono::steady_clock::now();
      result = replay(trace, o.warmup, trace.size(), get, set);
      wall = seconds_since(start);
      bytes_per_entry = static_cast<double>(cache.memory_bytes()) / static_cast<double>(cache.size());
    }
    std::printf("{\"mode\":\"speed\",\"policy\":\"%s\",\"keys\":%llu,\"exponent\":%g,\"capacity\":%llu,"
                "\"ttl_ms\":%g,\"requests\":%llu,\"hit_ratio\":%.4f,\"wall_s\":%.3f,\"requests_per_s\":%.0f,\"calls_"
                "per_s\":%.0f,"
                "\"ns_per_request\":%.1f,\"bytes_per_entry\":%.1f}\n",
                policy.c_str(), static_cast<unsigned long long>(o.keys), o.exponent,
                static_cast<unsigned long long>(o.capacity), o.ttl_ms, static_cast<unsigned long long>(o.requests),
                static_cast<double>(result.first) / static_cast<double>(o.requests), wall,
                static_cast<double>(o.requests) / wall, static_cast<double>(result.second) / wall,
                wall * 1e9 / static_cast<double>(o.requests), bytes_per_entry);
    std::fflush(stdout);
  }
}

void memory(const Options& o)
{
  for (const std::string& policy : policies(o)) {
    const std::uint64_t before = rss_bytes();
    std::size_t counted = 0;
    std::uint64_t after = 0;
    if (policy == "std_lru") {
      auto cache = std::make_unique<StdLru>(o.entries);
      for (std::uint64_t k = 0; k < o.entries; ++k)
        cache->set(k, k, 100);
      after = rss_bytes();
    } else {
      auto cache = std::make_unique<KeyCache>(config_of(o, policy, o.entries), Rng(o.seed));
      if (o.reserve)
        cache->reserve(o.entries);
      for (std::uint64_t k = 0; k < o.entries; ++k) {
        cache->set(k, k, 100, 0);
        if (k % 2 == 0)
          cache->get(k, 0); // LFU: two counts in use
      }
      after = rss_bytes();
      counted = cache->memory_bytes();
    }
    const double n = static_cast<double>(o.entries);
    std::printf("{\"mode\":\"memory\",\"policy\":\"%s\",\"entries\":%llu,\"reserved\":%s,\"ttl\":%s,"
                "\"counted_bytes_per_entry\":%.1f,"
                "\"rss_bytes_per_entry\":%.1f,\"rss_growth_mb\":%.1f}\n",
                policy.c_str(), static_cast<unsigned long long>(o.entries), o.reserve ? "true" : "false",
                o.ttl_ms > 0 ? "true" : "false", static_cast<double>(counted) / n,
                static_cast<double>(after - before) / n, static_cast<double>(after - before) / (1024.0 * 1024.0));
    std::fflush(stdout);
  }
}

} // namespace

int main(int argc, char** argv)
{
  const Options o = parse(argc, argv);
  if (o.mode == "speed")
    speed(o);
  else
    memory(o);
  return 0;
}
