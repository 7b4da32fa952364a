#!/bin/bash
# oci.sh OUT - boxes-runtime against crun (podman's default runtime) and
# runc, like for like, in interleaved rounds (scripts/bench/bench.c runs
# them, shuffled, round 0 a check run):
#
#   podman run    podman run --rm --network none IMAGE /bin/true, with
#                 --runtime build/bin/boxes-runtime, crun and runc: the
#                 same podman (temporary vfs store, cgroupfs, as the tests
#                 run it), the same image (scripts/mkimage.sh)
#   bundle run    boxes-runtime run, crun run and runc run on the same
#                 bundle (`runc spec` made bare by oci-config: /bin/true, no
#                 terminal, no user namespace, no limits), no podman
#
# crun refuses a hybrid cgroup host (an empty cgroup2 beside v1): bench.c's
# kind "crun" runs a subject in a mount namespace made once, without that
# cgroup2 (see bench.c), so that no unshare is in crun's time. The three
# podman rows all run so, each in the same namespace: podman then drives
# plain crun (the tests use scripts/crun-hybrid.sh, which pays an unshare
# and a umount per call).
# The ratios are boxes-runtime's median over crun's and over runc's; the
# targets (issue 14): podman run <= 1.0x crun and <= 0.5x runc, bundle run
# <= 1.0x crun. --network none: podman's default network would make a
# bridge and firewall rules on the host. Without podman, crun, runc or
# boxes-runtime the rows say n/a.
# Writes OUT/oci.md (also printed), OUT/oci/runs.csv and OUT/oci/stderr.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
out=${1:-$build/bench}
runs=${BENCH_RUNS:-50}
say() { printf 'bench: %s\n' "$*" >&2; }

report=$out/oci.md
row_na() { printf '| %s | n/a (%s) |  |  |  |  |\n' "$1" "$2"; }
header() {
	printf '## boxes-runtime against crun and runc\n\n'
	printf '| what | boxes-runtime | crun | runc | / crun | / runc |\n|---|--:|--:|--:|--:|--:|\n'
}
why=""
command -v podman >/dev/null || why="no podman"
command -v runc >/dev/null || why="no runc"
command -v crun >/dev/null || why="no crun"
[ -x "$build/bin/boxes-runtime" ] || why="no $build/bin/boxes-runtime"
for tool in "$build/bench/bench" "$build/bench/oci-config"; do
	[ -x "$tool" ] || why="no $tool: run make bench"
done
if [ -n "$why" ]; then
	{
		header
		row_na "podman run --rm --network none IMAGE /bin/true" "$why"
		row_na "run on the same bundle (no podman)" "$why"
	} | tee "$report"
	exit 0
fi

runtime=$(realpath "$build/bin/boxes-runtime")
runc=$(command -v runc)
crun=$(command -v crun)
# (podman wants a runroot of 50 characters at most: under /run)
work=$(mktemp -d /run/boxes-bench-oci.XXXXXX)
pdir=$work/podman
podman_cmd=(env "CONTAINERS_CONF=$pdir/containers.conf" "TMPDIR=$pdir" podman
	--root "$pdir/root" --runroot "$pdir/runroot" --tmpdir "$pdir/libpod"
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
clean() {
	set +e
	"${podman_cmd[@]}" rm -af >/dev/null 2>&1
	for state in "$work"/runc/boxes-bench-* "$work"/crun/boxes-bench-* \
		"$work"/boxes-runtime/boxes-bench-*; do
		[ -e "$state" ] || continue
		say "deleting the state $state a failed run left"
		case $state in
		*/runc/*) runc --root "$work/runc" delete --force "${state##*/}" ;;
		*/crun/*) scripts/crun-hybrid.sh --root "$work/crun" delete --force "${state##*/}" ;;
		*) "$runtime" --root "$work/boxes-runtime" delete --force "${state##*/}" ;;
		esac >/dev/null 2>&1
	done
	if grep -q " $work" /proc/self/mountinfo; then
		say "mounts left under $work: not removed"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap clean EXIT
mkdir -p "$pdir" "$work/runc" "$work/crun" "$work/boxes-runtime" "$work/bench"
printf '[containers]\ndefault_ulimits = []\n' >"$pdir/containers.conf"
image=localhost/boxes-bench-oci:latest
scripts/mkimage.sh --rootfs "$build/rootfs" "$work/image.tar" "$image" >/dev/null
"${podman_cmd[@]}" load -i "$work/image.tar" >"$work/load.log" 2>&1 ||
	{ cat "$work/load.log" >&2; exit 1; }

bundle=$work/bundle
mkdir -p "$bundle"
(cd "$bundle" && runc spec && mv config.json template.json)
"$build/bench/oci-config" "$(realpath "$build/rootfs")" bare <"$bundle/template.json" >"$bundle/config.json"

podman_line="${podman_cmd[*]}"
{
	printf 'podman-boxes-runtime\tcrun\t-\t%s --runtime %s run --rm --network none %s /bin/true\n' \
		"$podman_line" "$runtime" "$image"
	printf 'podman-crun\tcrun\t-\t%s --runtime %s run --rm --network none %s /bin/true\n' \
		"$podman_line" "$crun" "$image"
	printf 'podman-runc\tcrun\t-\t%s --runtime %s run --rm --network none %s /bin/true\n' \
		"$podman_line" "$runc" "$image"
	printf 'bundle-boxes-runtime\tplain\t-\t%s --root %s/boxes-runtime run --bundle %s {id}\n' \
		"$runtime" "$work" "$bundle"
	printf 'bundle-crun\tcrun\t-\t%s --root %s/crun run --bundle %s {id}\n' "$crun" "$work" "$bundle"
	printf 'bundle-runc\tplain\t-\t%s --root %s/runc run --bundle %s {id}\n' "$runc" "$work" "$bundle"
} >"$work/subjects.tsv"

say "boxes-runtime against crun and runc: $runs rounds of 6 (3 through podman)"
"$build/bench/bench" --out "$work/bench" --runs "$runs" "$work/subjects.tsv"
mkdir -p "$out/oci"
cp "$work/bench/runs.csv" "$work/bench/stderr.log" "$out/oci/"

awk -F, '
function median(list, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && list[j - 1] > list[j]; j--) { t = list[j]; list[j] = list[j - 1]; list[j - 1] = t }
	return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2
}
function ms(us) { return sprintf("%.1f ms", us / 1000) }
function med(s,   i, l) {
	for (i = 1; i <= count[s]; i++) l[i] = wall[s, i]
	return count[s] ? median(l, count[s]) : -1
}
function cell(x, s) { return x >= 0 ? ms(x) : sprintf("n/a (%d failed)", failed[s]) }
function ratio(x, y) { return x >= 0 && y > 0 ? sprintf("%.2fx", x / y) : "n/a" }
function row(what, prefix,   b, c, r) {
	b = med(prefix "-boxes-runtime"); c = med(prefix "-crun"); r = med(prefix "-runc")
	printf "| %s | %s | %s | %s | %s | %s |\n", what, cell(b, prefix "-boxes-runtime"), \
		cell(c, prefix "-crun"), cell(r, prefix "-runc"), ratio(b, c), ratio(b, r)
}
NR > 1 && $2 > 0 {
	if ($5 == 0) wall[$1, ++count[$1]] = $3; else failed[$1]++
}
NR > 1 && $2 > rounds { rounds = $2 }
END {
	printf "## boxes-runtime against crun and runc\n\n"
	printf "| what | boxes-runtime | crun | runc | / crun | / runc |\n|---|--:|--:|--:|--:|--:|\n"
	row("podman run --rm --network none IMAGE /bin/true (same podman, same image)", "podman")
	row("RUNTIME run on the same bundle (runc spec, bare: /bin/true, no userns, no limits), no podman", "bundle")
	printf "\nMedians of %d timed rounds, interleaved and shuffled; / crun, / runc: boxes-runtime'"'"'s median over theirs.\n", rounds
	printf "Targets: podman run <= 1.0x crun and <= 0.5x runc; bundle run <= 1.0x crun.\n"
}
' "$out/oci/runs.csv" | tee "$report"
