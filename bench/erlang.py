"""Closed-form M/M/c results used to check the benchmark's reference model.

An M/M/c station has Poisson arrivals at rate lambda, c parallel workers and
exponential service at rate mu per worker. With offered load a = lambda / mu
(in Erlangs) and utilisation rho = a / c < 1:

    Erlang C (probability that an arrival has to wait):

                         a^c / c! * c / (c - a)
        C(c, a) = -----------------------------------------
                  sum_{k=0}^{c-1} a^k / k!  +  a^c / c! * c / (c - a)

    mean waiting time      Wq = C(c, a) / (c * mu - lambda)
    mean response time     W  = Wq + 1 / mu

Works with both /usr/bin/python3 and any other Python 3.
"""


def erlang_c(c, a):
    """Probability of waiting in an M/M/c queue with c workers and offered load a = lambda / mu Erlangs."""
    if c < 1 or int(c) != c:
        raise ValueError("c must be a positive integer")
    if not 0 <= a < c:
        raise ValueError("offered load must satisfy 0 <= a < c (stable queue)")
    # Accumulate a^k / k! iteratively, which avoids large factorials and powers.
    term = 1.0  # a^0 / 0!
    below_c = 0.0  # sum over k = 0 .. c-1 of a^k / k!
    for k in range(int(c)):
        below_c += term
        term *= a / (k + 1)
    # term is now a^c / c!
    waiting = term * c / (c - a)
    return waiting / (below_c + waiting)


def mmc_mean_waiting(lam, mu, c):
    """Mean time spent in the queue (before service) in an M/M/c station."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_mean_response(lam, mu, c):
    """Mean time in an M/M/c station (queueing plus service), in the time unit of 1 / mu."""
    return mmc_mean_waiting(lam, mu, c) + 1.0 / mu


if __name__ == "__main__":
    # The reference model with random routing: each of 10 servers sees 280 requests/s,
    # 4 workers, mu = 100/s, plus 4 one-way hops of 100 us.
    w = mmc_mean_response(280.0, 100.0, 4)
    print("erlang_c(4, 2.8) = %.6f" % erlang_c(4, 2.8))
    print("M/M/4 mean response = %.6f ms, end to end = %.6f ms" % (1e3 * w, 1e3 * (w + 4 * 100e-6)))
