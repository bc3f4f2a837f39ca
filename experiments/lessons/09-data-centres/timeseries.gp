# Draws lesson 9's run of two-data-centres.yaml second by second, from its timeseries.csv:
#   scalelab run experiments/lessons/09-data-centres/two-data-centres.yaml --out out/lesson-09-run
#   gnuplot -e "dir='out/lesson-09-run'" experiments/lessons/09-data-centres/timeseries.gp
# writes DIR/timeseries.png. ttl is the run's DNS TTL in seconds (30 by default, as in the topology), failed_at
# the time eu fails (40 s).
if (!exists("dir")) dir = "."
if (!exists("ttl")) ttl = 30
if (!exists("failed_at")) failed_at = 40
set datafile separator ","
set terminal pngcairo size 900,450 font ",10"
set output dir."/timeseries.png"
set grid
set key below horizontal
set xrange [0:100]
set yrange [0:1150]
set title sprintf("Each data centre, second by second: eu fails at %g s, the DNS TTL is %g s", failed_at, ttl)
set xlabel "time (s)"
set ylabel "requests per second"
# the columns of timeseries.csv: time_s, series, completed, errors, throughput_per_s, latency_mean_ms, ...
eu = "< grep ',lb-eu,' ".dir."/timeseries.csv"
us = "< grep ',lb-us,' ".dir."/timeseries.csv"
set arrow from failed_at, graph 0 to failed_at, graph 1 nohead dt 2
set label "eu fails" at failed_at + 0.5, graph 0.05
set label "+ TTL" at failed_at + ttl + 0.5, graph 0.05
set arrow from failed_at + ttl, graph 0 to failed_at + ttl, graph 1 nohead dt 3
plot eu using 1:($3 > 0 ? $3 : 1/0) with steps lw 2 title "served by eu", \
     us using 1:3 with steps lw 2 title "served by us", \
     eu using 1:($4 > 0 ? $4 : 1/0) with steps lw 2 title "sent to eu after it failed (misdirected)"
