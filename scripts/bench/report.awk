# report.awk - the statistics of `make bench`: from the CSV files that
# bench.c writes to startup.md (or, with -v plot=1, to the data gnuplot
# draws). Run by scripts/bench.sh:
#
#     awk -F'\t' -f report.awk subjects.tsv runs.csv phases.csv instructions.csv
#
# Every figure is a median: of the timed runs (wall, peak RSS), of the
# per-round ratios (A's run / B's run in the same round: the machine's
# drift between rounds cancels), of the traced runs (phases).

function median(values, n,    sorted, i, j, v) {
	if (n == 0)
		return -1
	for (i = 1; i <= n; i++) { # insertion sort: n is at most a few hundred
		v = values[i]
		for (j = i - 1; j >= 1 && sorted[j] > v; j--)
			sorted[j + 1] = sorted[j]
		sorted[j + 1] = v
	}
	return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
}

# The value below which percent % of the values lie.
function percentile(values, n, percent,    sorted, i, j, v) {
	for (i = 1; i <= n; i++) {
		v = values[i]
		for (j = i - 1; j >= 1 && sorted[j] > v; j--)
			sorted[j + 1] = sorted[j]
		sorted[j + 1] = v
	}
	return n ? sorted[int((n - 1) * percent / 100) + 1] : -1
}

# Timed runs of s, rounds 1.. that succeeded: field is "wall" or "rss".
function timed(s, field, out,    r, n) {
	n = 0
	for (r = 1; r <= rounds; r++)
		if ((s, r) in ok && ok[s, r])
			out[++n] = field == "wall" ? wall[s, r] : rss[s, r]
	return n
}

function median_of(s, field,    values) { return median(values, timed(s, field, values)) }

function ratio(s, base,    r, n, values) {
	if (!(base in known) || broken[base])
		return -1
	n = 0
	for (r = 1; r <= rounds; r++)
		if (ok[s, r] && ok[base, r] && wall[base, r] > 0)
			values[++n] = wall[s, r] / wall[base, r]
	return median(values, n)
}

function phase_median(s, p,    k, values) {
	for (k = 1; k <= traced[s]; k++)
		values[k] = phase[s, k, p]
	return median(values, traced[s])
}

function version_median(s,    k, n, values) {
	n = 0
	for (k = 1; k <= traced[s]; k++)
		if (version[s, k] >= 0)
			values[++n] = version[s, k]
	return median(values, n)
}

# 1234567 -> 1,234,567
function thousands(n,    text) {
	text = sprintf("%d", n)
	while (text ~ /[0-9][0-9][0-9][0-9]/)
		sub(/[0-9][0-9][0-9]($|,)/, ",&", text)
	return text
}

function ms(us) { return us < 0 ? "n/a" : sprintf("%.2f", us / 1000) }
function times(x) { return x < 0 ? "n/a" : sprintf("%.2f×", x) }
function cell(text) { gsub(/\|/, "\\|", text); return text }

# The largest phase of step s, by median of its traced runs.
function biggest_phase(s,    p, best) {
	best = 1
	for (p = 1; p <= phase_count; p++)
		if (phase_median(s, p) > phase_median(s, best))
			best = p
	return best
}

# The three slowest actions of the kept trace, whose lines read
# "   10.71 ms overlay    | boxes[trace] 57 [04] rm -r ...".
function slowest(s,    command, line, n, at, text, action) {
	command = "grep '| boxes.trace' " traces "/" s ".txt 2>/dev/null | sort -rn | head -3"
	text = ""
	while ((command | getline line) > 0) {
		at = index(line, " | ")
		action = substr(line, at + 3)
		sub(/^boxes\[trace\] +[0-9]+ \[[0-9]+\] \+[0-9]+us /, "", action)
		sub(/^ +/, "", line)
		text = text (n++ ? "; " : "") "`" substr(action, 1, 70) "` " substr(line, 1, index(line, " ms") + 2)
	}
	close(command)
	return text
}

function target(s, base, limit,    x) {
	x = (s in known) ? ratio(s, base) : -1
	printf "| %s ≤ %.2f× %s |", s, limit, base
	if (x < 0) {
		print " n/a | not measured |"
		return
	}
	printf " %.2f× (%s ms vs %s ms) | %s |\n", x, ms(median_of(s, "wall")),
		ms(median_of(base, "wall")), x <= limit ? "met" : "**not met**"
	if (x > limit && traced[s] > 0)
		why(s, base)
}

function why(s, base,    p, without) {
	p = biggest_phase(s)
	without = median_of(s, "wall") - phase_median(s, p)
	printf "|  ↳ kept from it by | the %s phase, %s ms (median of %d traced runs); less it, about %s ms = %.2f×. Slowest actions: %s | |\n",
		phase_name[p], ms(phase_median(s, p)), traced[s], ms(without),
		without / median_of(base, "wall"), cell(slowest(s))
}

FILENAME ~ /subjects.tsv$/ {
	if ($0 ~ /^#/ || NF < 4)
		next
	order[++count] = $1
	known[$1] = 1
	kind[$1] = $2
	split($3, what, ";")
	isolation[$1] = what[1]; limits[$1] = what[2]; network[$1] = what[3]; alike[$1] = what[4]
	command[$1] = $4
	next
}
FILENAME ~ /runs.csv$/ && FNR > 1 {
	split($0, f, ",")
	wall[f[1], f[2]] = f[3]; rss[f[1], f[2]] = f[4]
	ok[f[1], f[2]] = f[5] == 0
	if (f[2] == 0 && f[5] != 0)
		broken[f[1]] = 1
	if (f[2] > rounds)
		rounds = f[2]
	next
}
FILENAME ~ /phases.csv$/ {
	split($0, f, ",")
	if (FNR == 1) { # subject,traced_run,traced_wall_us,version_wall_us,<phase>_us...
		for (i = 5; i <= length(f); i++) {
			phase_name[i - 4] = f[i]
			sub(/_us$/, "", phase_name[i - 4])
		}
		phase_count = length(f) - 4
		next
	}
	k = ++traced[f[1]]
	traced_wall[f[1], k] = f[3]
	version[f[1], k] = f[4]
	for (i = 5; i <= length(f); i++)
		phase[f[1], k, i - 4] = f[i]
	next
}
FILENAME ~ /instructions.csv$/ && FNR > 1 {
	split($0, f, ",")
	instructions[f[1]] = f[2]
	instructions_note[f[1]] = f[3]
	next
}

END {
	if (plot)
		write_plot_data()
	else
		write_report()
}

# One line a subject: its name, then ms per phase. A bar is as tall as
# the subject's median timed wall, so that steps and yardsticks compare;
# a step's bar is split in the shares of its phases (medians of the traced
# runs, which are slower: narrating costs time). A yardstick is one piece.
function write_plot_data(    i, s, p, total, scale) {
	printf "subject"
	for (p = 1; p <= phase_count; p++)
		printf "\t%s", phase_name[p]
	print "\twhole run (a yardstick: not traced)"
	for (i = 1; i <= count; i++) {
		s = order[i]
		if (broken[s])
			continue
		total = 0
		for (p = 1; p <= phase_count && traced[s]; p++)
			total += phase_median(s, p)
		scale = total > 0 ? median_of(s, "wall") / total : 0
		printf "%s", s
		for (p = 1; p <= phase_count; p++)
			printf "\t%.3f", traced[s] ? phase_median(s, p) * scale / 1000 : 0
		printf "\t%.3f\n", traced[s] ? 0 : median_of(s, "wall") / 1000
	}
}

function write_report() {
	print_notes()
	print_times()
	print_targets()
	print_phases()
	print_instructions()
}

function print_notes() {
	print "# boxes start-up benchmark\n"
	printf "%s. Linux %s. %s. Load average (1, 5, 15 min): %s.\n\n", date, machine, about, load
	print "Each run is the whole lifecycle of one container that runs `/bin/true` (start, isolate,"
	print "exec, exit, clean up), from fork to wait4, in " rounds " rounds; each round runs every"
	print "subject once, in a shuffled order. A ratio is the median of the per-round ratios."
	print "Peak RSS is wait4's ru_maxrss: the largest single process of the run. The columns"
	print "*isolation*, *limits*, *network* say what a row does; rows named in *like for like*"
	print "do the same work. Subjects and their commands: subjects.tsv.\n"
}

function print_times(    i, s, n, values) {
	printf "## Wall time and peak RSS\n\n"
	print "| subject | isolation | limits | network | like for like | median ms | p25–p75 ms | × chroot | × unshare | × crun-bare | × crun-like-08 | × runc-like-08 | peak RSS KiB | failed runs |"
	print "|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	for (i = 1; i <= count; i++) {
		s = order[i]
		if (broken[s]) {
			printf "| %s | failed its check run, left out (see stderr.log) |||||||||||||\n", s
			continue
		}
		n = timed(s, "wall", values)
		printf "| %s | %s | %s | %s | %s | %s | %s–%s | %s | %s | %s | %s | %s | %d | %d |\n",
			s, isolation[s], limits[s], network[s], alike[s], ms(median_of(s, "wall")),
			ms(percentile(values, n, 25)), ms(percentile(values, n, 75)),
			times(ratio(s, "chroot")), times(ratio(s, "unshare")), times(ratio(s, "crun-bare")),
			times(ratio(s, "crun-like-08")), times(ratio(s, "runc-like-08")),
			median_of(s, "rss"), rounds - n
		delete values
	}
	if (stubs != "")
		print "\nSteps whose mechanism is still a stub (not yet the real lifecycle): " stubs
	print ""

}

function print_targets(    i, s, largest, largest_name, crun_rss) {
	print "## Targets\n"
	print "| target | measured | result |"
	print "|---|---|---|"
	target("08-limits-none", "crun-like-08", 0.5)
	target("08-limits-veth", "crun-like-08", 0.6)
	target("02-pid-namespace", "chroot", 1.25)
	crun_rss = ("crun-like-08" in known) ? median_of("crun-like-08", "rss") : -1
	largest = -1
	for (i = 1; i <= count; i++) {
		s = order[i]
		if (kind[s] != "step" || broken[s])
			continue
		if (median_of(s, "rss") > largest) {
			largest = median_of(s, "rss")
			largest_name = s
		}
		if (crun_rss >= 0 && median_of(s, "rss") > crun_rss)
			printf "|  ↳ %s | %d KiB | above crun's |\n", s, median_of(s, "rss")
	}
	if (crun_rss < 0)
		print "| every step's peak RSS ≤ crun-like-08's | n/a | crun not measured |"
	else
		printf "| every step's peak RSS ≤ crun-like-08's | largest %d KiB (%s) vs %d KiB | %s |\n",
			largest, largest_name, crun_rss, largest <= crun_rss ? "met" : "**not met**"
	print ""

}

function print_phases(    i, s, p, k, values) {
	printf "## Where the time goes (median ms per phase of the traced runs)\n\n"
	printf "| step |"
	for (p = 1; p <= phase_count; p++)
		printf " %s |", phase_name[p]
	print " traced wall | `--version` |"
	printf "|---|"
	for (p = 1; p <= phase_count + 2; p++)
		printf "--:|"
	print ""
	for (i = 1; i <= count; i++) {
		s = order[i]
		if (!traced[s])
			continue
		printf "| %s |", s
		for (p = 1; p <= phase_count; p++)
			printf " %s |", ms(phase_median(s, p))
		for (k = 1; k <= traced[s]; k++)
			values[k] = traced_wall[s, k]
		printf " %s | %s |\n", ms(median(values, traced[s])), ms(version_median(s))
		delete values
	}
	print ""
	print "Phases come from `--trace` with `BOXES_TRACE_TIME=1`, in runs apart from the timed ones"
	print "(narrating costs time: see *traced wall*). A trace line is printed before its action, so"
	print "the time until the next line is that action's; a line that shows a result (`clone(...) ="
	print "PID`, `container exited`) owns the time before it. A line counts in the column of the step"
	print "in its `[NN]`; 01/02 lines (sync pipe aside) are *ns+chroot*. *untraced* = the runtime's"
	print "exec, dynamic linking and exit, which the trace clock cannot see (`--version` shows how much"
	print "of it is starting a program at all); *exec* = from execvp until wait4 sees the container"
	print "exit (its namespaces torn down). traces/NAME.txt: one traced run, every action with its time."
	print ""

}

function print_instructions(    i, s) {
	print "## Instructions (valgrind --tool=callgrind, one run each)\n"
	print "Instructions executed by the runtime's own process (the one started; not the container's"
	print "process after clone, which valgrind cannot write out once it has changed root and exec'd)."
	print "Unlike time they do not move with the machine's load: a run repeats within ~0.1%.\n"
	print "| subject | instructions | note |"
	print "|---|--:|---|"
	for (i = 1; i <= count; i++) {
		s = order[i]
		if (!(s in instructions))
			continue
		printf "| %s | %s | %s |\n", s,
			instructions[s] == "" ? "n/a" : thousands(instructions[s]), instructions_note[s]
	}
	print ""
}
