#!/bin/bash
# compose.sh OUT - step 10's rows of `make bench`: a published port's proxy
# against a direct connection, and `up -d` / `down` of 1, 10 and 50
# services against podman-compose on the same image. bench.sh runs it after
# its start-up rows; alone (as root, under the shared lock):
#
#     flock /tmp/boxes-suite.lock scripts/bench/compose.sh build/bench
#
# Writes OUT/compose.md (also printed) and OUT/compose-runs.csv (every
# timed run). BENCH_COMPOSE_SIZES="1 10" and BENCH_COMPOSE_RUNS=1 shorten it,
# BENCH_COMPOSE_TOOLS=boxes leaves podman-compose out (its rows say so) and
# BENCH_COMPOSE_PROXY=0 the proxy rows (BENCH_PROXY_ROUNDS, 5, their rounds).
#
# The yardstick: podman-compose 1.0.3 over podman 4.3 with runc, under a
# temporary --root and --runroot (vfs storage, cgroupfs, file events: see
# podman() below), with a containers.conf whose default_ulimits = [] (its
# default nofile ulimit is refused here). It makes a bridge network of its
# own per project (netavark or CNI, which add firewall rules while the
# project is up and remove them at down); boxes makes its bridge over
# netlink and adds no rule.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:?usage: compose.sh OUT}
build=${BUILD:-build}
sizes=${BENCH_COMPOSE_SIZES:-1 10 50}
runs=${BENCH_COMPOSE_RUNS:-3}
tools=${BENCH_COMPOSE_TOOLS:-boxes podman-compose}
md=$out/compose.md
csv=$out/compose-runs.csv
say() { printf 'bench: %s\n' "$*" >&2; }
mkdir -p "$out"
own_run="" podman_root="" dir=""
if [ -z "${BOXES_RUN:-}" ]; then # bench.sh gives one; alone, a temporary one
	own_run=$(mktemp -d /run/boxes-bench-compose.XXXXXX)
	export BOXES_RUN=$own_run
fi
# Whatever happens: podman's containers and networks, its root, our files.
clean_up_compose() {
	if [ -n "$podman_root" ] && [ -x "$podman_root/podman" ]; then
		"$podman_root/podman" rm -a -f >/dev/null 2>&1 || true
		local network
		for network in $("$podman_root/podman" network ls -q --filter label=io.podman.compose.project 2>/dev/null); do
			podman_remove_network "${network%_default}"
		done
		rm -rf "$podman_root"
	fi
	[ -n "$dir" ] && rm -rf "$dir"
	[ -n "$own_run" ] && rm -rf "$own_run"
	return 0
}
trap clean_up_compose EXIT

# ---- the proxy ----------------------------------------------------------

# proxy-bench (scripts/bench/proxy-bench.c) prints key value lines.
proxy_rows() {
	local figures rounds=${BENCH_PROXY_ROUNDS:-5}
	say "step 10: the port proxy against a direct connection (1 GiB, $rounds rounds)"
	if ! figures=$("$build/bench/proxy-bench" --bytes $((1 << 30)) --rounds "$rounds" --seconds 2); then
		echo "| proxy | n/a: proxy-bench failed | | | |"
		return 0
	fi
	awk -v rounds="$rounds" '
		{ v[$1] = $2 }
		function verdict(ok) { return ok ? "met" : "NOT met" }
		END {
			share = v["proxy_rss_peak_kib"] - v["proxy_rss_start_kib"]
			printf "| what it does | proxy | direct | proxy / direct | target |\n|---|---:|---:|---:|---|\n"
			printf "| 1 GiB sent to the target on 127.0.0.1, half-closed, its answer read (MB/s, median of %d rounds; the ratio: median of the per-round ratios) | %d | %d | %.2f× | ≥ 0.5× direct: %s |\n",
				rounds, v["proxy_MBps"], v["direct_MBps"], v["ratio"], verdict(v["ratio"] >= 0.5)
			printf "| CPU time of every process on the path per GiB: sender and target, + the proxy (ms, median) | %d | %d | %.2f× | |\n",
				v["proxy_cpu_ms_per_GiB"], v["direct_cpu_ms_per_GiB"], v["proxy_cpu_ms_per_GiB"] / v["direct_cpu_ms_per_GiB"]
			printf "| ... of which the proxy'"'"'s process (ms per GiB) | %d | | | |\n", v["proxy_own_cpu_ms_per_GiB"]
			printf "| connections one after another for 2 s: connect, 1 byte, half-close, answer to EOF (per s) | %d | %d | %.2f× | ≥ 1,000/s: %s |\n",
				v["proxy_conns_per_s"], v["direct_conns_per_s"],
				v["proxy_conns_per_s"] / v["direct_conns_per_s"], verdict(v["proxy_conns_per_s"] >= 1000)
			printf "| peak RSS of a process that runs only the proxy, after all of the above and 100 connections open at once (KiB) | %d | | | |\n",
				v["proxy_rss_peak_kib"]
			printf "| ... of which the proxy: peak minus the process'"'"'s RSS before proxy_open (KiB) | %d | | | a supervisor ≤ 2 MiB: the proxy'"'"'s share %s |\n",
				share, (share <= 2048 ? "fits (" sprintf("%.0f%%", share / 20.48) " of it)" : "does NOT fit")
		}' <<<"$figures"
}

# ---- up and down against podman-compose ----------------------------------

# podman under a temporary root, with the options this machine needs (see
# the header); podman-compose calls it through --podman-path.
make_podman_wrapper() {
	podman_root=$(mktemp -d /tmp/boxes-bench-podman.XXXXXX)
	printf '[containers]\ndefault_ulimits = []\n' >"$podman_root/containers.conf"
	cat >"$podman_root/podman" <<EOF
#!/bin/sh
export CONTAINERS_CONF=$podman_root/containers.conf
exec $(command -v podman) --root $podman_root/root --runroot $podman_root/run \\
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime runc "\$@"
EOF
	chmod +x "$podman_root/podman"
}

# N services, each a shell that sleeps and exits at once on SIGTERM (a bare
# `sleep` as PID 1 ignores SIGTERM: down would measure the 10 s timeout,
# not the runtime).
write_compose_file() { # write_compose_file FILE N IMAGE
	local file=$1 n=$2 image=$3 i
	{
		echo "services:"
		for ((i = 1; i <= n; i++)); do
			printf '  s%d:\n    image: %s\n' "$i" "$image"
			printf '    command: ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 3600 & wait"]\n'
		done
	} >"$file"
}

now() { date +%s.%N; }

# Waits (at most 120 s) until "$@" prints a number equal to want.
wait_for_count() { # wait_for_count WANT COMMAND...
	local want=$1 deadline=$((SECONDS + 120))
	shift
	while [ "$("$@" 2>/dev/null || echo -1)" != "$want" ]; do
		[ $SECONDS -gt $deadline ] && return 1
		sleep 0.01
	done
}

boxes_running() { # services of project $1 that ps shows running
	"$build/bin/10-compose" -f "$2" -p "$1" ps 2>/dev/null | awk 'NR > 1 && /Up|running/' | wc -l
}
boxes_left() { # containers of project $1 ps -a still lists, plus its state dir
	local n
	n=$("$build/bin/10-compose" -f "$2" -p "$1" ps -a 2>/dev/null | awk 'NR > 1' | wc -l)
	[ -e "$BOXES_RUN/compose/$1" ] && n=$((n + 1))
	echo "$n"
}
podman_running() { "$podman_root/podman" ps -q --filter "label=io.podman.compose.project=$1" | wc -l; }
podman_left() { "$podman_root/podman" ps -aq --filter "label=io.podman.compose.project=$1" | wc -l; }
# podman-compose 1.0.3's down leaves the project's network (a CNI config in
# /etc/cni/net.d, its bridge, its address leases in /var/lib/cni): removed
# here, after the timed part, so its down time is containers only.
podman_remove_network() {
	"$podman_root/podman" network rm -f "$1_default" >/dev/null 2>&1 || true
	rm -rf "/var/lib/cni/networks/$1_default"
}

# One timed round: up -d until every service runs, down until nothing of
# the project is left. Appends "tool,n,round,up_s,down_s" to the csv.
time_round() { # time_round TOOL N ROUND FILE
	local tool=$1 n=$2 round=$3 file=$4 project="bxbench$2r$3" t0 t1 t2 t3
	t0=$(now)
	if [ "$tool" = boxes ]; then
		"$build/bin/10-compose" -f "$file" -p "$project" up -d >/dev/null 2>>"$out/stderr.log" &&
			wait_for_count "$n" boxes_running "$project" "$file" || return 1
		t1=$(now)
		t2=$(now)
		"$build/bin/10-compose" -f "$file" -p "$project" down >/dev/null 2>>"$out/stderr.log" &&
			wait_for_count 0 boxes_left "$project" "$file" || return 1
	else
		podman-compose --podman-path "$podman_root/podman" -f "$file" -p "$project" up -d \
			>/dev/null 2>>"$out/stderr.log" && wait_for_count "$n" podman_running "$project" || return 1
		t1=$(now)
		t2=$(now)
		podman-compose --podman-path "$podman_root/podman" -f "$file" -p "$project" down \
			>/dev/null 2>>"$out/stderr.log" && wait_for_count 0 podman_left "$project" || return 1
	fi
	t3=$(now)
	[ "$tool" = boxes ] || podman_remove_network "$project"
	awk -v t="$tool,$n,$round" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" \
		'BEGIN { printf "%s,%.3f,%.3f\n", t, t1 - t0, t3 - t2 }' >>"$csv"
}

# Does 10-compose run a container here at all? (One service, up and down.)
boxes_can_up() {
	local file=$1
	"$build/bin/10-compose" -f "$file" -p bxbenchprobe up -d >/dev/null 2>>"$out/stderr.log" || return 1
	"$build/bin/10-compose" -f "$file" -p bxbenchprobe down >/dev/null 2>>"$out/stderr.log"
}

up_down_rows() {
	local tar image=localhost/boxes-test:latest n r boxes_ok=1 podman_ok=1 why_boxes="" why_podman=""
	dir=$(mktemp -d /tmp/boxes-bench-compose.XXXXXX)
	tar=$dir/image.tar
	echo "tool,services,round,up_s,down_s" >"$csv"
	scripts/mkimage.sh "$tar" "$image" >/dev/null
	# boxes: its own store under a temporary BOXES_ROOT
	export BOXES_ROOT=$dir/store
	"$build/bin/09-image" load -i "$tar" >/dev/null
	write_compose_file "$dir/probe.yaml" 1 "$image"
	if [[ " $tools " != *" boxes "* ]]; then
		boxes_ok=0
		why_boxes="left out (BENCH_COMPOSE_TOOLS=$tools)"
	elif ! boxes_can_up "$dir/probe.yaml"; then
		boxes_ok=0
		why_boxes="10-compose up -d/down of one service failed: see stderr.log"
	fi
	if [[ " $tools " != *" podman-compose "* ]]; then
		podman_ok=0
		why_podman="left out (BENCH_COMPOSE_TOOLS=$tools)"
	elif ! command -v podman-compose >/dev/null || ! command -v podman >/dev/null; then
		podman_ok=0
		why_podman="no podman-compose (scripts/install-deps.sh --bench installs it)"
	else
		make_podman_wrapper
		"$podman_root/podman" load -i "$tar" >/dev/null 2>>"$out/stderr.log" ||
			{ podman_ok=0; why_podman="podman load failed: see stderr.log"; }
	fi
	for n in $sizes; do
		write_compose_file "$dir/compose-$n.yaml" "$n" "$image"
		for ((r = 1; r <= runs; r++)); do
			say "step 10: up -d and down of $n services, round $r of $runs"
			[ $boxes_ok = 1 ] && { time_round boxes "$n" "$r" "$dir/compose-$n.yaml" ||
				say "boxes round failed: see $out/stderr.log"; }
			[ $podman_ok = 1 ] && { time_round podman-compose "$n" "$r" "$dir/compose-$n.yaml" ||
				say "podman-compose round failed: see $out/stderr.log"; }
		done
	done
	awk -F, -v why_boxes="$why_boxes" -v why_podman="$why_podman" -v sizes="$sizes" '
		NR == 1 { next }
		{ key = $1 "," $2; up[key] = up[key] " " $4; down[key] = down[key] " " $5 }
		function median(list,   a, n, i, j, t) {
			n = split(list, a, " ")
			if (n == 0) return ""
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function cell(v, why) { return v == "" ? "n/a" (why == "" ? "" : ": " why) : sprintf("%.2f s", v) }
		function ratio(b, p) { return (b == "" || p == "") ? "n/a" : sprintf("%.2f×", b / p) }
		function met(ok, b, p) { return (b == "" || p == "") ? "not measured" : (ok ? "met" : "NOT met") }
		END {
			print ""
			print "| what it does (median of the rounds) | boxes | podman-compose | boxes / podman-compose | target |"
			print "|---|---:|---:|---:|---|"
			n = split(sizes, size, " ")
			for (i = 1; i <= n; i++) {
				s = size[i]
				bu = median(up["boxes," s]); pu = median(up["podman-compose," s])
				bd = median(down["boxes," s]); pd = median(down["podman-compose," s])
				target = "≤ 0.2×: " met(bu != "" && pu != "" && bu <= 0.2 * pu, bu, pu)
				if (s == 10) target = target "; < 0.5 s: " (bu == "" ? "not measured" : (bu < 0.5 ? "met" : "NOT met"))
				printf "| `up -d` of %d service%s, until ps shows every one running | %s | %s | %s | %s |\n",
					s, s == 1 ? "" : "s", cell(bu, why_boxes), cell(pu, why_podman), ratio(bu, pu), target
				printf "| `down` of %d service%s, until no container is left (boxes: and no state; podman-compose leaves its network, removed untimed) | %s | %s | %s | ≤ 0.2×: %s |\n",
					s, s == 1 ? "" : "s", cell(bd, why_boxes), cell(pd, why_podman), ratio(bd, pd),
					met(bd != "" && pd != "" && bd <= 0.2 * pd, bd, pd)
			}
		}' "$csv"
	unset BOXES_ROOT
}

# ---- the report ----------------------------------------------------------

{
	echo "## Step 10: a published port, and compose up/down"
	echo
	echo "$(uname -r), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'); all traffic on loopback;" \
		"load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	[ "${BENCH_COMPOSE_PROXY:-1}" = 0 ] || proxy_rows
	up_down_rows
	echo
	echo "Load average at the end $(cut -d' ' -f1-3 /proc/loadavg); these rows took $SECONDS s."
} >"$md"
cat "$md"
