#!/bin/bash
# image.sh - step 09's part of `make bench` (scripts/bench.sh runs it last;
# by hand: BUILD=build flock /tmp/boxes-suite.lock scripts/bench/image.sh).
# Ratios, each against a baseline timed in the same rounds:
#
#   load      `09-image load -i A` into an empty store, against
#             - `tar -xf` of A's layer tars (already taken out of A) into
#               empty directories: the one pass of writing the files that
#               no loader can avoid (target: load <= 1.1x);
#             - `podman load -i A` into an empty temporary store (--root,
#               vfs, as the tests run podman) (target: <= 0.5x);
#   re-load   the same load again, into the store that has it: nothing to
#             extract (target: <= 5% of the first load);
#   peak RSS  of the load (wait4's ru_maxrss via GNU time) (target: <= 16 MiB:
#             streamed, never a layer in memory);
#   CPU       user+sys of each (GNU time, 10 ms steps) beside the wall time:
#             on a machine that others load, the steadier of the two;
#   run       `09-image run IMAGE /bin/true` against `08-seccomp ROOTFS
#             /bin/true`, the image being build/rootfs as one layer
#             (mkimage.sh --plain): the same files, the same isolation
#             (user ns, veth, caps, seccomp) (target: <= 1.1x).
#
# A is the busybox image (scripts/mkimage.sh: build/rootfs in 3 layers) and
# the Debian one with nginx (build/images/nginx.tar, `make image-nginx`;
# skipped with a message where it cannot be built). Rounds: BENCH_IMAGE_RUNS
# (9) loads of each, in a new shuffled order each round, after a check round
# that also warms the page cache; `sync` before each timed command, so no
# one pays for another's dirty pages. run: BENCH_RUNS (50) rounds of
# scripts/bench/bench.c. Writes build/bench/image.md (also printed) and
# build/bench/image-runs.csv.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${BUILD:-build}
out=$build/bench
loads=${BENCH_IMAGE_RUNS:-9}
runs=${BENCH_RUNS:-50}
say() { printf 'bench image: %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { say "needs root"; exit 1; }
for tool in "$build/bin/08-seccomp" "$build/bin/09-image" "$build/bench/bench" /usr/bin/time; do
	[ -x "$tool" ] || { say "no $tool: run make bench"; exit 1; }
done
mkdir -p "$out/bin"
out=$(realpath "$out")
# copies, as bench.sh measures them: a `make` meanwhile can't swap a binary
cp "$build/bin/08-seccomp" "$build/bin/09-image" "$out/bin/"
step08=$out/bin/08-seccomp step09=$out/bin/09-image
rootfs=$(realpath "$build/rootfs")

# On the disk of build/, as the store would be: every contender writes there.
work=$(mktemp -d "$out/image-work.XXXXXX")
chmod 755 "$work" # the container's root (uid 100000) passes through to the layers
own_run=""
if [ -z "${BOXES_RUN:-}" ]; then
	BOXES_RUN=$(mktemp -d /run/boxes-bench.XXXXXX)
	own_run=$BOXES_RUN
	export BOXES_RUN
fi
clean_up() {
	rm -rf --one-file-system "$work"
	[ -n "$own_run" ] && rm -rf --one-file-system "$own_run"
	return 0
}
trap clean_up EXIT
printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"

now_us() { echo $(($(date +%s%N) / 1000)); }

# timed NAME ROUND ARCHIVE COMMAND...: one run, its wall time and peak RSS
# appended to image-runs.csv (round 0 is the check round).
timed() {
	local name=$1 round=$2 archive=$3 start end rss cpu
	shift 3
	sync
	start=$(now_us)
	if ! /usr/bin/time -f '%M %U %S' -o "$work/rss" "$@" >/dev/null 2>"$work/stderr"; then
		say "$name failed: $(tail -n 1 "$work/stderr")"
		return 1
	fi
	end=$(now_us)
	read -r rss cpu <<<"$(tail -n 1 "$work/rss" | awk '{ printf "%d %d", $1, ($2 + $3) * 1e6 }')"
	echo "$archive,$name,$round,$((end - start)),$rss,$cpu" >>"$out/image-runs.csv"
}

fresh() { rm -rf --one-file-system "$1" && mkdir -p "$1"; }

# boxes: a first load into an empty store, then the same load again
boxes_load() { # ROUND ARCHIVE
	fresh "$work/store"
	BOXES_ROOT=$work/store timed load "$1" "$2" "$step09" load -i "$2" &&
		BOXES_ROOT=$work/store timed re-load "$1" "$2" "$step09" load -i "$2"
}
tar_layers() { # ROUND ARCHIVE: tar -xf of each layer tar into its own directory
	local k=0 layer
	fresh "$work/tar"
	while read -r layer; do
		k=$((k + 1))
		mkdir "$work/tar/$k"
		echo "tar -xf $layer -C $work/tar/$k"
	done <"$work/layers/list" >"$work/tar.sh"
	timed tar-x "$1" "$2" sh "$work/tar.sh"
}
podman_load() { # ROUND ARCHIVE
	command -v podman >/dev/null || return 0
	fresh "$work/podman"
	# (podman wants a runroot of 50 characters at most: under BOXES_RUN)
	CONTAINERS_CONF=$work/containers.conf TMPDIR=$work/podman timed podman-load "$1" "$2" \
		podman --root "$work/podman/root" --runroot "$BOXES_RUN/podman-runroot" \
		--tmpdir "$work/podman/libpod" --storage-driver vfs --cgroup-manager cgroupfs \
		--events-backend file load -q -i "$2"
	fresh "$work/podman" # vfs leaves plain files: nothing mounted
	rm -rf --one-file-system "$BOXES_RUN/podman-runroot"
}

# The layer tars of a docker-save archive, out of it, bottom first.
take_out_layers() { # ARCHIVE
	fresh "$work/layers"
	tar -xf "$1" -C "$work/layers"
	grep -o '"Layers":\[[^]]*\]' "$work/layers/manifest.json" | grep -o '[^"]*/layer.tar' |
		sed "s|^|$work/layers/|" >"$work/layers/list"
}

bench_loads() { # ARCHIVE
	local archive=$1 round order
	take_out_layers "$archive"
	for round in $(seq 0 "$loads"); do
		order=$(printf 'boxes_load\ntar_layers\npodman_load\n' | shuf)
		for contender in $order; do
			"$contender" "$round" "$archive" || return 1
		done
	done
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "archive,subject,round,wall_us,maxrss_kb,cpu_us" >"$out/image-runs.csv"
archives=()
scripts/mkimage.sh --rootfs "$rootfs" "$work/busybox.tar" localhost/bench-busybox:latest
archives+=("$work/busybox.tar")
if [ -f "$build/images/nginx.tar" ] || make --no-print-directory image-nginx >&2; then
	archives+=("$(realpath "$build/images/nginx.tar")")
else
	say "no Debian image (make image-nginx failed: no mmdebstrap or no mirror): busybox only"
fi
for archive in "${archives[@]}"; do
	say "loads of $(basename "$archive") ($(du -m "$archive" | cut -f1) MB): $loads rounds of load, tar -x, podman load"
	bench_loads "$archive" || say "$(basename "$archive"): a contender failed, its rows are missing"
done

# run: the same files as an image of one layer, the same defaults as 08.
scripts/mkimage.sh --plain --rootfs "$rootfs" "$work/rootfs-image.tar" localhost/bench-rootfs:latest
fresh "$work/store"
BOXES_ROOT=$work/store "$step09" load -i "$work/rootfs-image.tar" >/dev/null
printf '%s\tplain\t%s\t%s\n' \
	08-seccomp "08 on build/rootfs" "$step08 $rootfs /bin/true" \
	09-image-run "09 on build/rootfs as an image" "$step09 run localhost/bench-rootfs /bin/true" \
	>"$work/subjects.tsv"
say "run: $runs rounds of 08-seccomp ROOTFS /bin/true and 09-image run IMAGE /bin/true"
mkdir -p "$work/run-bench"
BOXES_ROOT=$work/store "$build/bench/bench" --out "$work/run-bench" --runs "$runs" "$work/subjects.tsv"
cp "$work/run-bench/runs.csv" "$out/image-run-runs.csv"

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
awk -F, -v machine="$(uname -r), $(nproc) CPUs" -v load="$load_start at start, $load_end at end" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" '
function median(list, n,   i, j, t, a) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ms(us) { return us == 0 ? "< 10 ms" : us >= 100000 ? sprintf("%.2f s", us / 1e6) : sprintf("%.1f ms", us / 1e3) }
function ratio(x, of, target,   r) {
	if (!((x, of) in ratios)) return "n/a | n/a"
	r = median(ratios[x, of])
	return sprintf("%.3fx %s | %s", r, r <= target ? "(target <= " target "x: met)" : "(target <= " target "x: NOT met)", \
		!((x, of) in cpuratios) ? "n/a" : median(cpuratios[x, of]) == 0 ? "~0 (under the 10 ms of GNU time)" : sprintf("%.3fx", median(cpuratios[x, of])))
}
# per-round ratios of wall and of CPU time: ratios[key], cpuratios[key]
function add(key, a, x, of, r) {
	if (!((a, of, r) in wall) || !((a, x, r) in wall)) return
	ratios[key] = ratios[key] " " wall[a, x, r] / wall[a, of, r]
	if (cpu[a, of, r] > 0) cpuratios[key] = cpuratios[key] " " cpu[a, x, r] / cpu[a, of, r]
}
FNR == 1 { file++; next }
file == 1 && $3 > 0 {            # image-runs.csv, without the check round
	a = $1; sub(/.*\//, "", a)
	if (!(a in seen)) { seen[a] = 1; order[++archives] = a }
	wall[a, $2, $3] = $4; walls[a, $2] = walls[a, $2] " " $4
	cpu[a, $2, $3] = $6; cpus[a, $2] = cpus[a, $2] " " $6
	if ($5 > rss[a, $2]) rss[a, $2] = $5
	rounds[a, $3] = 1
}
file == 2 && $2 > 0 && $5 == 0 { run[$1, $2] = $3; runwalls[$1] = runwalls[$1] " " $3; runrounds[$2] = 1 }
END {
	printf "## Step 09: load and run (%s, %s; load average %s)\n\n", machine, date, load
	printf "| archive | what | median wall | median CPU (user+sys) | peak RSS |\n|---|---|--:|--:|--:|\n"
	for (i = 1; i <= archives; i++) {
		a = order[i]
		for (r in rounds) {
			split(r, k, SUBSEP); if (k[1] != a) continue
			add("load" SUBSEP "tar-x" a, a, "load", "tar-x", k[2])
			add("load" SUBSEP "podman" a, a, "load", "podman-load", k[2])
			add("re-load" SUBSEP "load" a, a, "re-load", "load", k[2])
		}
		split("load re-load tar-x podman-load", names, " ")
		split("09-image load -i A (empty store)|09-image load -i A again (all layers there)|tar -xf of each layer tar, own dir|podman load -i A (empty vfs store)", what, "|")
		for (n = 1; n <= 4; n++)
			if ((a, names[n]) in walls)
				printf "| %s | %s | %s | %s | %.1f MiB |\n", a, what[n], ms(median(walls[a, names[n]])), \
					ms(median(cpus[a, names[n]])), rss[a, names[n]] / 1024
	}
	printf "\n| ratio (median of per-round ratios) | archive | wall | CPU |\n|---|---|---|---|\n"
	for (i = 1; i <= archives; i++) {
		a = order[i]
		printf "| load / tar -x of its layers | %s | %s |\n", a, ratio("load", "tar-x" a, 1.1)
		printf "| load / podman load | %s | %s |\n", a, ratio("load", "podman" a, 0.5)
		printf "| re-load / first load | %s | %s |\n", a, ratio("re-load", "load" a, 0.05)
		printf "| load peak RSS | %s | %.1f MiB %s | |\n", a, rss[a, "load"] / 1024, rss[a, "load"] <= 16384 ? "(target <= 16 MiB: met)" : "(target <= 16 MiB: NOT met)"
	}
	for (r in runrounds)
		if (("09-image-run", r) in run && ("08-seccomp", r) in run)
			ratios["run", "08"] = ratios["run", "08"] " " run["09-image-run", r] / run["08-seccomp", r]
	printf "| 09-image run IMAGE /bin/true (%s) / 08-seccomp ROOTFS /bin/true (%s) | build/rootfs | %s (wall only) |\n", \
		ms(median(runwalls["09-image-run"])), ms(median(runwalls["08-seccomp"])), ratio("run", "08", 1.1)
}' "$out/image-runs.csv" "$out/image-run-runs.csv" >"$out/image.md"
cat "$out/image.md"
