// The key-level cache (see cache.hpp for the contract). Layout:
//  - entries_: a dense array, one Entry per key held. Removing an entry moves the last one into its place, so
//    the array has no holes, random eviction is a uniform index, and no entry is ever allocated on its own.
//  - slots_: an open-addressing hash table of indices into entries_ (linear probing on a splitmix64 hash of
//    the key, deletion by backward shift so that no tombstones pile up), between 3/8 and 3/4 full.
//  - LRU and FIFO: one doubly linked list through the entries' 32-bit prev/next, victim at the head.
//  - LFU: the entries of each count form a list in their bucket (least recently used first); the buckets
//    form a list in increasing count (Shah, Mitra and Matani 2010, "An O(1) algorithm for implementing the
//    LFU cache eviction scheme"). An access moves an entry from bucket c to bucket c + 1, which is the next
//    bucket or a new one inserted after c; the victim is the head of the lowest bucket. Buckets are reused
//    through a free list.
#include "scalelab/models/cache.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace scalelab::models
{
namespace
{

// The splitmix64 finaliser: consecutive keys land far apart.
std::uint64_t hash_key(std::uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::size_t kMinSlots = 16;

// The smallest power of two that holds n entries at most 3/4 full.
std::size_t slots_for(std::size_t n)
{
  std::size_t slots = kMinSlots;
  while (slots / 4 * 3 < n)
    slots *= 2;
  return slots;
}

} // namespace

const char* to_string(CacheEviction eviction)
{
  switch (eviction) {
  case CacheEviction::lru:
    return "lru";
  case CacheEviction::lfu:
    return "lfu";
  case CacheEviction::fifo:
    return "fifo";
  case CacheEviction::random:
    return "random";
  }
  return "?";
}

const char* to_string(CacheTtlMode mode)
{
  switch (mode) {
  case CacheTtlMode::none:
    return "none";
  case CacheTtlMode::fixed:
    return "fixed";
  case CacheTtlMode::refreshed_on_hit:
    return "refreshed_on_hit";
  }
  return "?";
}

KeyCache::KeyCache(const CacheConfig& config, Rng rng) : config_(config), rng_(rng)
{
  if (config_.ttl_mode != CacheTtlMode::none && config_.ttl <= 0)
    throw std::invalid_argument(std::string("KeyCache: TTL mode ") + to_string(config_.ttl_mode) +
                                " needs a positive ttl");
  slots_.assign(kMinSlots, kNil);
  mask_ = kMinSlots - 1;
}

// --- operations ------------------------------------------------------------------------------------------

CacheLookup KeyCache::get(std::uint64_t key, SimTime now)
{
  CacheLookup out;
  const std::uint32_t index = find(key);
  if (index == kNil) {
    ++counters_.misses;
    return out;
  }
  if (expired_at(index, now)) {
    remove(index);
    ++counters_.expirations;
    ++counters_.misses;
    out.expired = true;
    return out;
  }
  access(index);
  if (config_.ttl_mode == CacheTtlMode::refreshed_on_hit)
    expiry_[index] = later(now, config_.ttl);
  ++counters_.hits;
  out.hit = true;
  out.version = entries_[index].version;
  out.bytes = entries_[index].bytes;
  return out;
}

CacheStore KeyCache::set(std::uint64_t key, std::uint64_t version, std::uint32_t bytes, SimTime now)
{
  CacheStore out;
  std::uint32_t index = find(key);
  if (index != kNil && expired_at(index, now)) {
    remove(index);
    ++counters_.expirations;
    ++out.expired;
    index = kNil;
  }
  if (config_.max_entries == 0 || bytes > config_.max_bytes) {
    if (index != kNil) // the old value must not be read after a newer one was written
      remove(index);
    ++counters_.rejected;
    return out;
  }
  if (index == kNil) {
    make_room(1, bytes, index, now, out);
    insert(key, version, bytes, now);
    ++counters_.inserts;
  } else {
    Entry& e = entries_[index];
    bytes_ = bytes_ - e.bytes + bytes;
    e.bytes = bytes;
    e.version = version;
    if (config_.ttl_mode != CacheTtlMode::none)
      expiry_[index] = later(now, config_.ttl);
    access(index);
    ++counters_.updates;
    make_room(0, 0, index, now, out); // a larger value may push others out
  }
  out.stored = true;
  return out;
}

bool KeyCache::erase(std::uint64_t key)
{
  const std::uint32_t index = find(key);
  if (index == kNil)
    return false;
  remove(index);
  ++counters_.invalidations;
  return true;
}

void KeyCache::clear()
{
  entries_.clear();
  expiry_.clear();
  std::fill(slots_.begin(), slots_.end(), kNil);
  list_ = List{};
  buckets_.clear();
  lowest_ = kNil;
  free_bucket_ = kNil;
  bytes_ = 0;
  ++counters_.clears;
}

CacheLookup KeyCache::peek(std::uint64_t key, SimTime now) const
{
  CacheLookup out;
  const std::uint32_t index = find(key);
  if (index == kNil)
    return out;
  if (expired_at(index, now)) {
    out.expired = true;
    return out;
  }
  out.hit = true;
  out.version = entries_[index].version;
  out.bytes = entries_[index].bytes;
  return out;
}

void KeyCache::reserve(std::size_t n)
{
  entries_.reserve(n);
  if (config_.ttl_mode != CacheTtlMode::none)
    expiry_.reserve(n);
  table_grow(n);
}

std::size_t KeyCache::memory_bytes() const
{
  return entries_.capacity() * sizeof(Entry) + expiry_.capacity() * sizeof(SimTime) +
         slots_.capacity() * sizeof(std::uint32_t) + buckets_.capacity() * sizeof(Bucket);
}

std::vector<std::uint64_t> KeyCache::keys_in_eviction_order() const
{
  std::vector<std::uint64_t> keys;
  keys.reserve(entries_.size());
  switch (config_.eviction) {
  case CacheEviction::lru:
  case CacheEviction::fifo:
    for (std::uint32_t i = list_.head; i != kNil; i = entries_[i].next)
      keys.push_back(entries_[i].key);
    break;
  case CacheEviction::lfu:
    for (std::uint32_t b = lowest_; b != kNil; b = buckets_[b].next)
      for (std::uint32_t i = buckets_[b].members.head; i != kNil; i = entries_[i].next)
        keys.push_back(entries_[i].key);
    break;
  case CacheEviction::random:
    for (const Entry& e : entries_)
      keys.push_back(e.key);
    break;
  }
  return keys;
}

// --- entries -----------------------------------------------------------------------------------------------

bool KeyCache::expired_at(std::uint32_t index, SimTime now) const
{
  return config_.ttl_mode != CacheTtlMode::none && now >= expiry_[index];
}

void KeyCache::access(std::uint32_t index)
{
  switch (config_.eviction) {
  case CacheEviction::lru:
    unlink(list_, index);
    link_tail(list_, index);
    break;
  case CacheEviction::lfu:
    lfu_promote(index);
    break;
  case CacheEviction::fifo:
  case CacheEviction::random:
    break;
  }
}

void KeyCache::insert(std::uint64_t key, std::uint64_t version, std::uint32_t bytes, SimTime now)
{
  if (entries_.size() >= kNil - 1)
    throw std::length_error("KeyCache: more than 2^32 - 2 entries");
  if (entries_.size() + 1 > slots_.size() / 4 * 3)
    table_grow(entries_.size() + 1);
  const auto index = static_cast<std::uint32_t>(entries_.size());
  entries_.push_back(Entry{key, version, bytes, kNil, kNil, kNil});
  if (config_.ttl_mode != CacheTtlMode::none)
    expiry_.push_back(later(now, config_.ttl));
  bytes_ += bytes;
  table_insert(index);
  switch (config_.eviction) {
  case CacheEviction::lru:
  case CacheEviction::fifo:
    link_tail(list_, index);
    break;
  case CacheEviction::lfu:
    lfu_link_new(index);
    break;
  case CacheEviction::random:
    break;
  }
}

std::uint32_t KeyCache::remove(std::uint32_t index)
{
  bytes_ -= entries_[index].bytes;
  switch (config_.eviction) {
  case CacheEviction::lru:
  case CacheEviction::fifo:
    unlink(list_, index);
    break;
  case CacheEviction::lfu:
    lfu_unlink(index);
    break;
  case CacheEviction::random:
    break;
  }
  table_erase(entries_[index].key);
  const auto last = static_cast<std::uint32_t>(entries_.size() - 1);
  std::uint32_t moved = kNil;
  if (index != last) {
    entries_[index] = entries_[last];
    if (config_.ttl_mode != CacheTtlMode::none)
      expiry_[index] = expiry_[last];
    repoint_links(index);
    table_repoint(entries_[index].key, index);
    moved = last;
  }
  entries_.pop_back();
  if (config_.ttl_mode != CacheTtlMode::none)
    expiry_.pop_back();
  return moved;
}

std::uint32_t KeyCache::victim(std::uint32_t exclude)
{
  switch (config_.eviction) {
  case CacheEviction::lru:
  case CacheEviction::fifo: {
    const std::uint32_t v = list_.head;
    return v == exclude ? entries_[v].next : v;
  }
  case CacheEviction::lfu: {
    std::uint32_t v = buckets_[lowest_].members.head;
    if (v == exclude) {
      v = entries_[v].next;
      if (v == kNil)
        v = buckets_[buckets_[lowest_].next].members.head;
    }
    return v;
  }
  case CacheEviction::random: {
    const std::uint64_t n = entries_.size();
    if (exclude == kNil)
      return static_cast<std::uint32_t>(rng_.below(n));
    const auto r = static_cast<std::uint32_t>(rng_.below(n - 1)); // every index but exclude
    return r >= exclude ? r + 1 : r;
  }
  }
  return kNil;
}

void KeyCache::make_room(std::uint64_t extra, std::uint64_t extra_bytes, std::uint32_t& self, SimTime now,
                         CacheStore& out)
{
  // The caller has checked that the value fits in a cache holding nothing else, so this ends before self
  // would be the only candidate.
  while (entries_.size() + extra > config_.max_entries || bytes_ + extra_bytes > config_.max_bytes) {
    const std::uint32_t v = victim(self);
    const bool expired = expired_at(v, now);
    const std::uint32_t moved = remove(v);
    if (moved != kNil && moved == self)
      self = v;
    if (expired) {
      ++counters_.expirations;
      ++out.expired;
    } else {
      ++counters_.evictions;
      ++out.evicted;
    }
  }
}

// --- hash table --------------------------------------------------------------------------------------------

std::size_t KeyCache::slot_of(std::uint64_t key) const
{
  std::size_t i = hash_key(key) & mask_;
  while (slots_[i] != kNil && entries_[slots_[i]].key != key)
    i = (i + 1) & mask_;
  return i;
}

std::uint32_t KeyCache::find(std::uint64_t key) const
{
  return slots_[slot_of(key)];
}

void KeyCache::table_insert(std::uint32_t index)
{
  slots_[slot_of(entries_[index].key)] = index;
}

void KeyCache::table_erase(std::uint64_t key)
{
  // Backward shift: walk the run after the hole and move back every entry whose home slot is not between the
  // hole and its current slot (cyclically), so that every key stays reachable from its home slot.
  std::size_t hole = slot_of(key);
  std::size_t j = hole;
  for (;;) {
    j = (j + 1) & mask_;
    const std::uint32_t index = slots_[j];
    if (index == kNil)
      break;
    const std::size_t home = hash_key(entries_[index].key) & mask_;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      slots_[hole] = index;
      hole = j;
    }
  }
  slots_[hole] = kNil;
}

void KeyCache::table_repoint(std::uint64_t key, std::uint32_t index)
{
  slots_[slot_of(key)] = index;
}

void KeyCache::table_grow(std::size_t min_entries)
{
  const std::size_t size = slots_for(min_entries);
  if (size <= slots_.size())
    return;
  std::vector<std::uint32_t>(size, kNil).swap(slots_);
  mask_ = size - 1;
  for (std::uint32_t index = 0; index < entries_.size(); ++index)
    table_insert(index);
}

// --- lists -------------------------------------------------------------------------------------------------

KeyCache::List& KeyCache::list_of(std::uint32_t index)
{
  return config_.eviction == CacheEviction::lfu ? buckets_[entries_[index].bucket].members : list_;
}

void KeyCache::link_tail(List& list, std::uint32_t index)
{
  Entry& e = entries_[index];
  e.prev = list.tail;
  e.next = kNil;
  if (list.tail != kNil)
    entries_[list.tail].next = index;
  else
    list.head = index;
  list.tail = index;
}

void KeyCache::unlink(List& list, std::uint32_t index)
{
  const Entry& e = entries_[index];
  if (e.prev != kNil)
    entries_[e.prev].next = e.next;
  else
    list.head = e.next;
  if (e.next != kNil)
    entries_[e.next].prev = e.prev;
  else
    list.tail = e.prev;
}

// An entry has just been moved to `to`: its neighbours (or its list's ends) must say so.
void KeyCache::repoint_links(std::uint32_t to)
{
  if (config_.eviction == CacheEviction::random)
    return;
  List& list = list_of(to);
  const Entry& e = entries_[to];
  if (e.prev != kNil)
    entries_[e.prev].next = to;
  else
    list.head = to;
  if (e.next != kNil)
    entries_[e.next].prev = to;
  else
    list.tail = to;
}

std::uint32_t KeyCache::new_bucket(std::uint64_t count, std::uint32_t after)
{
  std::uint32_t b = free_bucket_;
  if (b != kNil) {
    free_bucket_ = buckets_[b].next;
  } else {
    b = static_cast<std::uint32_t>(buckets_.size());
    buckets_.emplace_back();
  }
  Bucket& bucket = buckets_[b];
  bucket.count = count;
  bucket.members = List{};
  bucket.prev = after;
  bucket.next = after == kNil ? lowest_ : buckets_[after].next;
  if (bucket.next != kNil)
    buckets_[bucket.next].prev = b;
  if (after == kNil)
    lowest_ = b;
  else
    buckets_[after].next = b;
  return b;
}

void KeyCache::free_bucket(std::uint32_t b)
{
  Bucket& bucket = buckets_[b];
  if (bucket.prev != kNil)
    buckets_[bucket.prev].next = bucket.next;
  else
    lowest_ = bucket.next;
  if (bucket.next != kNil)
    buckets_[bucket.next].prev = bucket.prev;
  bucket.next = free_bucket_;
  free_bucket_ = b;
}

void KeyCache::lfu_link_new(std::uint32_t index)
{
  std::uint32_t b = lowest_;
  if (b == kNil || buckets_[b].count != 1)
    b = new_bucket(1, kNil);
  entries_[index].bucket = b;
  link_tail(buckets_[b].members, index);
}

void KeyCache::lfu_promote(std::uint32_t index)
{
  const std::uint32_t b = entries_[index].bucket;
  std::uint32_t target = buckets_[b].next;
  if (target == kNil || buckets_[target].count != buckets_[b].count + 1)
    target = new_bucket(buckets_[b].count + 1, b);
  unlink(buckets_[b].members, index);
  if (buckets_[b].members.head == kNil)
    free_bucket(b);
  entries_[index].bucket = target;
  link_tail(buckets_[target].members, index);
}

void KeyCache::lfu_unlink(std::uint32_t index)
{
  const std::uint32_t b = entries_[index].bucket;
  unlink(buckets_[b].members, index);
  if (buckets_[b].members.head == kNil)
    free_bucket(b);
}

} // namespace scalelab::models
