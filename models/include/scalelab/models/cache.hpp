#pragma once
// A key-level cache as a plain policy: which keys are cached, what a lookup returns, which entry goes when
// room is needed. The simulated cache component and the real-mode adapter call the same code with their own
// clocks (models::SimTime), so a test can feed both the same trace and compare every decision.
//
// Contract (n = entries held):
//  - get(key, now): a hit returns the cached version and size. A miss changes nothing, except that an entry
//    found expired (now >= its expiry) is removed and counted as an expiration as well as a miss. A hit is
//    an access: LRU moves the entry to the most recent end, LFU adds one to its count, TTL refreshed_on_hit
//    sets its expiry to now + ttl; FIFO and random change nothing. O(1) expected.
//  - set(key, version, bytes, now): inserts, or overwrites the value of a key already held. An overwrite is
//    an access (as a hit is, above) and sets the expiry to now + ttl in both TTL modes; FIFO keeps the
//    entry's place. An entry found expired is dropped first (an expiration) and the key is inserted anew.
//    Entries are evicted, one at a time by the policy, until the new value fits both limits; the key being
//    set is never its own victim. A value that cannot fit even in an empty cache is not stored, and any
//    older value of the key is dropped (a later read must not return it). The version is stored as given:
//    an older version may overwrite a newer one, as in a real cache-aside race. O(1) expected per entry
//    evicted; amortised, since the tables grow by doubling (reserve() avoids that).
//  - erase(key): invalidates the key (delete on write). O(1) expected.
//  - clear(): a crash; the cache restarts empty. The counters and the random stream carry on. O(size of the
//    hash table), which is at most about 2.7 times the most entries ever held.
//  - peek(key, now): what get would return, with no effect at all (for tests and inspection). O(1) expected.
// Eviction policies:
//  - lru: the least recently used entry (an access is a hit or an overwrite; insertion counts as one).
//  - lfu: in-cache LFU, O(1) with frequency buckets: the entry with the fewest accesses since it was
//    inserted (insertion counts 1); ties go to the least recently used. Counts are forgotten on eviction, so
//    this is not perfect LFU (which remembers every key's count and holds the most popular keys).
//  - fifo: the entry inserted longest ago; hits and overwrites do not move it.
//  - random: an entry drawn uniformly from those held, from the Rng given at construction (same seed, same
//    victims).
// An entry that has expired but was not yet found keeps its room until a lookup finds it or it is chosen as
// a victim; a victim found expired counts as an expiration, not an eviction (no timer per entry).
//
// Memory: 32 bytes per entry in a dense array (plus 8 with a TTL), and 4-byte slots in an open-addressing hash
// table kept between 3/8 and 3/4 full (5.3 to 10.7 bytes per entry); LFU adds a 24-byte bucket per distinct
// count in use. docs/cache-model.md has the measured figures.
#include "scalelab/models/random.hpp"
#include "scalelab/models/time.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace scalelab::models
{

enum class CacheEviction { lru, lfu, fifo, random };
enum class CacheTtlMode {
  none,             // entries never expire
  fixed,            // an entry expires ttl after it was set
  refreshed_on_hit, // an entry expires ttl after it was last set or hit
};

const char* to_string(CacheEviction eviction); // "lru", "lfu", "fifo", "random"
const char* to_string(CacheTtlMode mode);      // "none", "fixed", "refreshed_on_hit"

inline constexpr std::uint64_t kCacheUnlimited = std::numeric_limits<std::uint64_t>::max();

struct CacheConfig {
  std::uint64_t max_entries = kCacheUnlimited; // 0 stores nothing
  std::uint64_t max_bytes = kCacheUnlimited;   // the sum of the values' sizes; 0 stores nothing
  CacheEviction eviction = CacheEviction::lru;
  CacheTtlMode ttl_mode = CacheTtlMode::none;
  SimTime ttl = 0; // > 0 unless ttl_mode is none
};

// Everything counts from construction; clear() does not reset them.
struct CacheCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;        // expired entries found by get included
  std::uint64_t expirations = 0;   // expired entries removed (found by get or set, or chosen as victim)
  std::uint64_t evictions = 0;     // live entries removed to make room
  std::uint64_t inserts = 0;       // sets of a key not held (or held expired)
  std::uint64_t updates = 0;       // sets that overwrote a live entry
  std::uint64_t rejected = 0;      // sets of a value larger than the capacity (not stored)
  std::uint64_t invalidations = 0; // erase() calls that removed an entry
  std::uint64_t clears = 0;
};

struct CacheLookup {
  bool hit = false;
  bool expired = false;      // a miss because the entry had expired
  std::uint64_t version = 0; // on a hit
  std::uint32_t bytes = 0;   // on a hit
};

struct CacheStore {
  bool stored = false;       // false: the value is larger than the capacity
  std::uint32_t evicted = 0; // live entries evicted to make room
  std::uint32_t expired = 0; // expired entries removed (the key's own, or victims)
};

class KeyCache
{
public:
  // Throws std::invalid_argument for a TTL mode without a positive ttl. `rng` drives random eviction only.
  KeyCache(const CacheConfig& config, Rng rng);

  CacheLookup get(std::uint64_t key, SimTime now);
  CacheStore set(std::uint64_t key, std::uint64_t version, std::uint32_t bytes, SimTime now);
  bool erase(std::uint64_t key); // whether an entry (live or expired) was removed
  void clear();
  CacheLookup peek(std::uint64_t key, SimTime now) const;

  // Makes room for n entries without growing again (the hash table is sized for them too).
  void reserve(std::size_t n);

  std::size_t size() const { return entries_.size(); } // entries held, expired ones not yet found included
  std::uint64_t bytes() const { return bytes_; }       // the sum of their sizes
  const CacheCounters& counters() const { return counters_; }
  const CacheConfig& config() const { return config_; }
  // The heap memory the cache's containers hold (their capacities, not their sizes).
  std::size_t memory_bytes() const;
  // The keys in the order eviction would take them (LRU, FIFO, LFU); the internal order for random. O(n).
  std::vector<std::uint64_t> keys_in_eviction_order() const;

private:
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();

  struct Entry {
    std::uint64_t key;
    std::uint64_t version;
    std::uint32_t bytes;
    std::uint32_t prev; // list links: the recency/insertion list, or the entry's LFU bucket's list
    std::uint32_t next;
    std::uint32_t bucket; // LFU: the entry's frequency bucket
  };
  // LFU: entries with the same count, least recently used first; buckets in increasing count.
  // The ends of a list of entries (the cache's own list, or a bucket's).
  struct List {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
  };
  struct Bucket {
    std::uint64_t count;
    std::uint32_t prev; // the bucket list; a free bucket's next is the next free one
    std::uint32_t next;
    List members;
  };

  bool expired_at(std::uint32_t index, SimTime now) const;
  void access(std::uint32_t index); // what a hit or an overwrite does to the policy's order
  void insert(std::uint64_t key, std::uint64_t version, std::uint32_t bytes, SimTime now);
  // Evicts until `extra` more entries of `extra_bytes` more bytes fit; never the entry at `self` (kNil: none),
  // whose index is kept up to date as entries move.
  void make_room(std::uint64_t extra, std::uint64_t extra_bytes, std::uint32_t& self, SimTime now, CacheStore& out);
  // Removes the entry and moves the last one into its place; returns the old index of the moved entry (or
  // kNil when the removed entry was the last).
  std::uint32_t remove(std::uint32_t index);
  std::uint32_t victim(std::uint32_t exclude);

  // Hash table of entry indices (linear probing, backward-shift deletion, no tombstones).
  std::size_t slot_of(std::uint64_t key) const; // the slot holding key, or the empty slot where it would go
  std::uint32_t find(std::uint64_t key) const;  // the entry index, or kNil
  void table_insert(std::uint32_t index);
  void table_erase(std::uint64_t key);
  void table_repoint(std::uint64_t key, std::uint32_t index);
  void table_grow(std::size_t min_entries);

  // The intrusive lists.
  List& list_of(std::uint32_t index);
  void link_tail(List& list, std::uint32_t index);
  void unlink(List& list, std::uint32_t index);
  void repoint_links(std::uint32_t to); // the entry now at `to` was moved there
  std::uint32_t new_bucket(std::uint64_t count, std::uint32_t after);
  void free_bucket(std::uint32_t b);
  void lfu_link_new(std::uint32_t index);
  void lfu_promote(std::uint32_t index);
  void lfu_unlink(std::uint32_t index);

  CacheConfig config_;
  Rng rng_;
  std::vector<Entry> entries_;
  std::vector<SimTime> expiry_; // parallel to entries_, only with a TTL
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
  List list_;                   // LRU: least recent first; FIFO: oldest first
  std::vector<Bucket> buckets_; // LFU
  std::uint32_t lowest_ = kNil; // LFU: the bucket with the smallest count
  std::uint32_t free_bucket_ = kNil;
  std::uint64_t bytes_ = 0;
  CacheCounters counters_;
};

} // namespace scalelab::models
