// The connection pool's decisions against SQLAlchemy's QueuePool semantics: lazy opening up to size +
// max_overflow, size kept idle, overflow closed on return, waits only when every connection is out.
#include "scalelab/models/connection_pool.hpp"

#include <gtest/gtest.h>

using scalelab::models::ConnectionPool;
using Checkout = ConnectionPool::Checkout;
using Checkin = ConnectionPool::Checkin;

TEST(ConnectionPool, OpensOnDemandUpToSizePlusOverflowThenWaits)
{
  ConnectionPool pool(2, 1);
  EXPECT_EQ(pool.checkout(), Checkout::opened);
  EXPECT_EQ(pool.checkout(), Checkout::opened);
  EXPECT_EQ(pool.checkout(), Checkout::opened); // the overflow connection
  EXPECT_EQ(pool.checkout(), Checkout::wait);
  EXPECT_EQ(pool.open(), 3);
  EXPECT_EQ(pool.in_use(), 3);
}

TEST(ConnectionPool, KeepsSizeIdleAndClosesTheOverflow)
{
  ConnectionPool pool(2, 1);
  for (int i = 0; i < 3; ++i)
    pool.checkout();
  EXPECT_EQ(pool.checkin(false), Checkin::kept);
  EXPECT_EQ(pool.checkin(false), Checkin::kept);
  EXPECT_EQ(pool.checkin(false), Checkin::closed); // two idle already: the third closes
  EXPECT_EQ(pool.open(), 2);
  EXPECT_EQ(pool.idle(), 2);
  EXPECT_EQ(pool.checkout(), Checkout::reused);
  EXPECT_EQ(pool.checkout(), Checkout::reused);
  EXPECT_EQ(pool.checkout(), Checkout::opened); // overflow again, opened again
}

TEST(ConnectionPool, AReturnedConnectionGoesToAWaiterStillOpen)
{
  ConnectionPool pool(1, 0);
  pool.checkout();
  EXPECT_EQ(pool.checkout(), Checkout::wait);
  EXPECT_EQ(pool.checkin(true), Checkin::handed);
  EXPECT_EQ(pool.in_use(), 1);
  EXPECT_EQ(pool.idle(), 0);
}

TEST(ConnectionPool, ARestartClosesEverything)
{
  ConnectionPool pool(3, 3);
  for (int i = 0; i < 5; ++i)
    pool.checkout();
  pool.reset();
  EXPECT_EQ(pool.open(), 0);
  EXPECT_EQ(pool.idle(), 0);
  EXPECT_EQ(pool.checkout(), Checkout::opened);
}
