# Draws lesson 11's run, interval by interval, from its timeseries.csv:
#   scalelab run experiments/lessons/11-metrics-automation/topology.yaml --out out/lesson-11-run
#   gnuplot -e "dir='out/lesson-11-run'" experiments/lessons/11-metrics-automation/timeseries.gp
# writes DIR/timeseries.png. The whole run's mean and p50 are the run's summary, given as whole_mean and
# whole_p50 (seconds), by default those of the topology's run.
if (!exists("dir")) dir = "."
if (!exists("whole_mean")) whole_mean = 2.978
if (!exists("whole_p50")) whole_p50 = 0.075
set datafile separator ","
set terminal pngcairo size 900,700 font ",10"
set output dir."/timeseries.png"
set multiplot layout 2,1
set grid
set key top right
set xrange [0:240]
set title "The API servers, second by second"
set ylabel "requests waiting (mean in the second)"
set y2label "instances"
set y2range [0:9]
set ytics nomirror
set y2tics 0,1,8
# the columns of timeseries.csv: time_s, series, completed, errors, throughput_per_s, latency_mean_ms,
# mean_in_service, mean_queue_length, instances, instances_booting; app's rows and the users' rows
app = "< grep ',app,' ".dir."/timeseries.csv"
users = "< grep ',(users),' ".dir."/timeseries.csv"
plot app using 1:8 with lines lw 2 title "waiting at app", \
     app using 1:9 axes x1y2 with steps lw 2 title "instances serving", \
     app using 1:10 axes x1y2 with steps lw 2 dt 2 title "instances booting"
unset y2label
unset y2tics
set ytics mirror
set title "What the users waited: each second's mean against the whole run's mean and median"
set xlabel "time (s)"
set ylabel "latency (s)"
plot users using 1:($6 / 1000) with lines lw 2 title "mean of the requests completed in the second", \
     whole_mean with lines lw 2 dt 2 title "the whole run's mean", \
     whole_p50 with lines lw 2 dt 3 title "the whole run's median"
unset multiplot
