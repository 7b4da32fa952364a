#!/bin/bash
# slides.sh [html] [pdf] [png] - render slides/*.md with the Marp CLI into
# build/slides/: NAME.html, NAME.pdf, and with png every slide as
# NAME.001.png, NAME.002.png, ... (for a reviewer to look at each one).
# The Marp CLI is the version package.json pins, installed by npm into
# node_modules/ on first use; PDF and PNG go through a headless Chromium
# (Debian's package chromium; install-deps.sh --slides puts it there).
# No --html: the decks use Marp's own markup and slides/boxes.css only.
set -eu
cd "$(dirname "$0")/.."
out=${BUILD:-build}/slides
[ $# -gt 0 ] || set -- html pdf

if [ ! -x node_modules/.bin/marp ]; then
	echo "slides: installing the Marp CLI (package.json) with npm"
	npm ci --no-audit --no-fund --silent # exactly package-lock.json
fi
browser=$(command -v chromium || true)
mkdir -p "$out"
# As root, Chromium refuses to start without --no-sandbox; Marp passes it
# when CHROME_NO_SANDBOX is set. The decks are our own files.
[ "$(id -u)" -eq 0 ] && export CHROME_NO_SANDBOX=1
marp() {
	node_modules/.bin/marp --no-stdin --theme-set slides/boxes.css \
		${browser:+--browser-path "$browser"} "$@"
}
for format in "$@"; do
	case "$format" in
	html)
		marp --input-dir slides --output "$out"
		# The decks link to the lessons as ../steps/NN-name/, right from
		# slides/; from $out the lessons are elsewhere.
		lessons=$(realpath --relative-to="$out" steps)
		sed -i "s|href=\"\.\./steps/|href=\"$lessons/|g" "$out"/*.html
		;;
	pdf | png)
		if [ -z "$browser" ]; then
			echo "slides: $format needs chromium: sudo scripts/install-deps.sh --slides" >&2
			exit 1
		fi
		if [ "$format" = pdf ]; then
			marp --input-dir slides --output "$out" --pdf --allow-local-files
		else
			for deck in slides/*.md; do
				marp --images png --allow-local-files "$deck" \
					--output "$out/$(basename "$deck" .md).png"
			done
		fi
		;;
	*)
		echo "slides: unknown format '$format' (html, pdf or png)" >&2
		exit 2
		;;
	esac
done
echo "slides: $(find "$out" -maxdepth 1 -type f | wc -l) files in $out"
