#!/bin/sh
# run.sh - the compose example, start to end (make compose-example): load the
# test image, start both services, ask the published port, show ps and logs,
# take it all down again. As root.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$here/build}/bin
file=$here/examples/compose-hello/compose.yaml

"$bin/09-image" load -i "${BUILD:-$here/build}/images/boxes-test.tar" >/dev/null
"$bin/10-compose" -f "$file" up -d
trap '"$bin/10-compose" -f "$file" down -t 1' EXIT
echo
echo '$ curl http://127.0.0.1:8080/cgi-bin/index.cgi'
for _ in 1 2 3 4 5 6 7 8 9 10; do
	curl -fsS http://127.0.0.1:8080/cgi-bin/index.cgi 2>/dev/null && break
	sleep 0.3
done
echo
echo '$ 10-compose ps'
"$bin/10-compose" -f "$file" ps
echo
echo '$ 10-compose logs'
"$bin/10-compose" -f "$file" logs
echo
