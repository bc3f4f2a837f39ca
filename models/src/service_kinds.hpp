#pragma once
// The service kinds of the topology format, one line each: what the schema and the loader ask of a kind is in
// kind_api.hpp, and each kind's answers in its kind_KIND.{hpp,cpp}.
#include "kind_api_server.hpp"
#include "kind_cache.hpp"
#include "kind_cdn.hpp"
#include "kind_database.hpp"
#include "kind_load_balancer.hpp"
#include "kind_queue.hpp"
#include "kind_worker.hpp"
