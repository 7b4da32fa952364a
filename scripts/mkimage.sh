#!/bin/sh
# mkimage.sh [OPTIONS] OUT.tar [NAME[:TAG]] - make an image archive for the
# tests and for step 10 without docker or podman, from the busybox rootfs.
#
#   layer 1  the rootfs, plus /etc/motd and /data/lower-1, /data/lower-2
#   layer 2  deletes /etc/motd (a whiteout, etc/.wh.motd), adds /etc/layer-2
#   layer 3  makes /data opaque (data/.wh..wh..opq) and adds /data/top:
#            in a container /data holds only "top"
#   layer 4.. (with --layers N) each adds one file, /layers/K
#
# Options:
#   --rootfs DIR       the base (default: build/rootfs)
#   --plain            one layer only: DIR as it is, no test files, no busybox
#                      needed (scripts/mkimage-debian.sh uses it)
#   --oci              an OCI image layout archive (index.json, blobs/sha256/)
#                      instead of docker save's (manifest.json, <id>/layer.tar)
#   --compress gzip|zstd   compress the layers (OCI media types say so;
#                      docker save's layout keeps them plain)
#   --docker25         the layout docker 25+ saves: an OCI layout (plain
#                      layers) with docker's manifest.json beside index.json
#   --nested           (with --oci) index.json points to an image index with
#                      one manifest per platform: this host's and one that
#                      is not in the archive (a loader must pick the host's)
#   --layers N         N layers in all (default 3, at least 3)
#   --config JSON      the image config's "config" object (default:
#                      {"Env":["PATH=..."],"Cmd":["/bin/sh"]})
#
# NAME defaults to localhost/boxes-test:latest. The JSON is written with
# printf: every value in it is ours (digests, numbers, the name you give).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
rootfs=$here/build/rootfs
format=docker
nested=no
docker25=no
compress=none
layers=3
plain=no
run_config='{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]}'

usage() {
	sed -n '2,33s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--rootfs) rootfs=$2; shift 2 ;;
	--plain) plain=yes; layers=1; shift ;;
	--oci) format=oci; shift ;;
	--nested) nested=yes; shift ;;
	--docker25) format=oci; docker25=yes; shift ;;
	--compress) compress=$2; shift 2 ;;
	--layers) layers=$2; shift 2 ;;
	--config) run_config=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "mkimage: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
out=$1
name=${2:-localhost/boxes-test:latest}
case $name in *:*) ;; *) name=$name:latest ;; esac
if [ "$plain" = yes ]; then
	[ -d "$rootfs" ] || { echo "mkimage: no directory $rootfs" >&2; exit 1; }
else
	[ -x "$rootfs/bin/busybox" ] || { echo "mkimage: no rootfs at $rootfs: run make rootfs" >&2; exit 1; }
	[ "$layers" -ge 3 ] 2>/dev/null || { echo "mkimage: --layers wants a number, at least 3" >&2; exit 1; }
fi
case $compress in none | gzip | zstd) ;; *) echo "mkimage: --compress none|gzip|zstd" >&2; exit 1 ;; esac

case $(uname -m) in
x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage-XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the layers' contents --------------------------------------------
# --plain: the one layer is $rootfs itself, made into a tar below.
test_layers() {
	mkdir -p "$work/dirs/1" "$work/dirs/2/etc" "$work/dirs/3/data"
	tar -C "$rootfs" --exclude=./.stamp -cf - . | tar -C "$work/dirs/1" -xf -
	echo "from layer 1" >"$work/dirs/1/etc/motd"
	mkdir -p "$work/dirs/1/data"
	echo lower-1 >"$work/dirs/1/data/lower-1"
	echo lower-2 >"$work/dirs/1/data/lower-2"
	: >"$work/dirs/2/etc/.wh.motd"
	echo "from layer 2" >"$work/dirs/2/etc/layer-2"
	: >"$work/dirs/3/data/.wh..wh..opq"
	echo top >"$work/dirs/3/data/top"
	k=4
	while [ "$k" -le "$layers" ]; do
		mkdir -p "$work/dirs/$k/layers"
		echo "$k" >"$work/dirs/$k/layers/$k"
		k=$((k + 1))
	done
}
[ "$plain" = yes ] || test_layers

sha() { sha256sum "$1" | cut -d' ' -f1; }

# One layer tar, the same bytes every time for the same files.
make_tar() { # make_tar DIR OUT
	tar -C "$1" --sort=name --numeric-owner --format=posix \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		--mtime=@0 -cf "$2" .
}

created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
diff_ids=""
history=""
k=1
while [ "$k" -le "$layers" ]; do
	if [ "$plain" = yes ]; then
		make_tar "$rootfs" "$work/layer-$k.tar"
	else
		make_tar "$work/dirs/$k" "$work/layer-$k.tar"
	fi
	diff_ids="$diff_ids${diff_ids:+,}\"sha256:$(sha "$work/layer-$k.tar")\""
	history="$history${history:+,}{\"created\":\"$created\",\"created_by\":\"mkimage.sh layer $k\"}"
	k=$((k + 1))
done
printf '{"architecture":"%s","os":"linux","created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
	"$arch" "$created" "$run_config" "$diff_ids" "$history" >"$work/config.json"
config=$(sha "$work/config.json")

# --- docker save's layout ----------------------------------------------
if [ "$format" = docker ]; then
	mkdir "$work/archive"
	layer_paths=""
	k=1
	while [ "$k" -le "$layers" ]; do
		id=$(sha "$work/layer-$k.tar")
		mkdir -p "$work/archive/$id"
		mv "$work/layer-$k.tar" "$work/archive/$id/layer.tar"
		layer_paths="$layer_paths${layer_paths:+,}\"$id/layer.tar\""
		top=$id
		k=$((k + 1))
	done
	cp "$work/config.json" "$work/archive/$config.json"
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' \
		"$config" "$name" "$layer_paths" >"$work/archive/manifest.json"
	printf '{"%s":{"%s":"%s"}}' "${name%:*}" "${name##*:}" "$top" >"$work/archive/repositories"
	tar -C "$work/archive" --sort=name --numeric-owner -cf "$out" .
	exit 0
fi

# --- an OCI image layout -------------------------------------------------
mkdir -p "$work/archive/blobs/sha256"
blob() { # blob FILE -> its digest hex, the file moved into blobs/
	digest=$(sha "$1")
	mv "$1" "$work/archive/blobs/sha256/$digest"
	echo "$digest"
}
size() { wc -c <"$work/archive/blobs/sha256/$1" | tr -d ' '; }
media=application/vnd.oci.image.layer.v1.tar
layer_descs=""
layer_paths=""
k=1
while [ "$k" -le "$layers" ]; do
	file=$work/layer-$k.tar
	case $compress in
	gzip) gzip -n "$file"; file=$file.gz; type=$media+gzip ;;
	zstd) zstd -q --rm "$file"; file=$file.zst; type=$media+zstd ;;
	none) type=$media ;;
	esac
	digest=$(blob "$file")
	layer_paths="$layer_paths${layer_paths:+,}\"blobs/sha256/$digest\""
	layer_descs="$layer_descs${layer_descs:+,}{\"mediaType\":\"$type\",\"digest\":\"sha256:$digest\",\"size\":$(size "$digest")}"
	k=$((k + 1))
done
config=$(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
	"$config" "$(size "$config")" "$layer_descs" >"$work/manifest.json"
manifest=$(blob "$work/manifest.json")
top_type=application/vnd.oci.image.manifest.v1+json
if [ "$nested" = yes ]; then
	other=s390x
	[ "$arch" = s390x ] && other=arm64
	missing=$(printf 'not in this archive' | sha256sum | cut -d' ' -f1)
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"%s","digest":"sha256:%s","size":100,"platform":{"architecture":"%s","os":"linux"}},{"mediaType":"%s","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
		"$top_type" "$missing" "$other" "$top_type" "$manifest" "$(size "$manifest")" "$arch" >"$work/index-blob.json"
	manifest=$(blob "$work/index-blob.json")
	top_type=application/vnd.oci.image.index.v1+json
fi
annotations="\"org.opencontainers.image.ref.name\":\"$name\""
if [ "$docker25" = yes ]; then
	# docker names the image in containerd's annotation; ref.name is the tag
	annotations="\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"${name##*:}\""
	printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":[%s]}]' \
		"$config" "$name" "$layer_paths" >"$work/archive/manifest.json"
fi
printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s,"annotations":{%s}}]}' \
	"$top_type" "$manifest" "$(size "$manifest")" "$annotations" >"$work/archive/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/archive/oci-layout"
tar -C "$work/archive" --sort=name --numeric-owner -cf "$out" .
