#!/bin/sh
# run.sh - make compose-demo: the compose example with the real nginx image.
# Loads both images, starts the project, asks nginx for its page and, through
# it, the api by name; shows ps and logs; takes it all down. As root.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$here/build}
bin=$build/bin
file=$here/examples/compose-nginx/compose.yaml

"$bin/09-image" load -i "$build/images/boxes-test.tar" >/dev/null
"$bin/09-image" load -i "$build/images/nginx.tar" >/dev/null
"$bin/10-compose" -f "$file" up -d
trap '"$bin/10-compose" -f "$file" down -t 2' EXIT
ask() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		curl -fsS --noproxy '*' --max-time 2 "http://127.0.0.1:8080$1" 2>/dev/null && return 0
		sleep 0.3
	done
	echo "(no answer on 127.0.0.1:8080$1)"
	return 1
}
echo
echo '$ curl -s http://127.0.0.1:8080/ | grep title'
ask / | grep -i '<title>' || true
echo '$ curl http://127.0.0.1:8080/api/hello.txt'
ask /api/hello.txt
echo
echo '$ 10-compose ps'
"$bin/10-compose" -f "$file" ps
echo
