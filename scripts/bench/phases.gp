# phases.gp - where the time goes: one stacked bar per step and yardstick.
#
#     gnuplot -e "data='build/bench/phases.dat'; out='build/bench/where-the-time-goes'" phases.gp
#
# data: report.awk -v plot=1, tab-separated, a header line of column names,
# then one line a subject: its name, the median ms of each phase (steps),
# and the median wall of a yardstick as one piece of its own.
# Writes out.svg and out.png.

set datafile separator "\t"
stats data using 2 skip 1 nooutput
columns = STATS_columns

set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb "#444444"
set boxwidth 0.7
set key outside right top vertical reverse Left
set ylabel "ms"
set grid ytics
set xtics rotate by -40 left nomirror
set title "boxes: where the start-up time goes (bar = median wall of the timed runs)\nsteps: split in the shares of their phases (medians of --trace runs); yardsticks: one piece, not traced"
set bmargin 9

# one colour a phase, grey for a yardstick's whole run
array colour[12] = ["#bbbbbb", "#e6194b", "#f58231", "#ffe119", "#3cb44b", "#46f0f0", \
	"#4363d8", "#911eb4", "#f032e6", "#9a6324", "#800000", "#777777"]

do for [format in "svg png"] {
	if (format eq "svg") {
		set terminal svg size 1100,620 dynamic noenhanced font "sans,12"
	} else {
		set terminal pngcairo size 1100,620 noenhanced font "sans,10"
	}
	set output out . "." . format
	plot for [c = 2:columns] data using c:xtic(1) title columnheader(c) \
		linecolor rgb colour[(c - 2) % 12 + 1]
	unset output
}
