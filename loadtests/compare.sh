#!/usr/bin/env bash
# compare.sh: ferrous side by side with nginx, Go net/http, fasthttp and a bare epoll "ceiling" on this machine.
#
#   loadtests/compare.sh                          # ROUNDS=3 DURATION=5s
#   ROUNDS=1 DURATION=3s loadtests/compare.sh     # a quick look
#
# Environment (all optional):
#   ROUNDS=3          interleaved rounds; the table shows the median of each
#   DURATION=5s       length of one wrk run (wrk syntax: 5s, 1m)
#   IDLE_CONNS=10000  connections held open for the memory figure
#   BASE_PORT=18080   first of the loopback ports used (about 20 in a row)
#   SERVER_CPU=0      core the pinned servers run on
#   CLIENT_CPU=1      core wrk and the idle-connection client run on
#   FERROUS_BIN=path  use this ferrous binary instead of building one from the tree
#   ONLY="get612 close"  run only these (memory get612 get64k get1m close post1k upload100 upload500)
#   KEEP_WORK=1       keep the temporary directory (configs, logs, raw results) for inspection
#   UPLOAD_DIR=path   put the upload directories under path (default: the temporary directory). A RAM disk
#                     (/dev/shm) takes the disk out of the upload figures: on a disk slower than the servers, every
#                     server stores files as fast as the disk writes them back, and the comparison shows the disk.
#
# What it does, in order: installs wrk and nginx with apt-get if they are missing, builds ferrous and the peer
# programs (loadtests/peers, a module of its own), lays out a docroot in a temporary directory, starts every
# server on its own port, checks that each answers correctly, measures the memory of idle keep-alive
# connections, then runs every scenario against every server in interleaved rounds and prints medians. Results
# also go to loadtests/results/compare-<date>.md. Everything it starts is stopped on exit, and a watchdog stops
# it all if a run takes far longer than planned.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
IDLE_CONNS=${IDLE_CONNS:-10000}
BASE_PORT=${BASE_PORT:-18080}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RESULTS_DIR="$HERE/results"

# wrk's own request timeout is 2 s; uploads at c500 on one core can queue longer than that, and a timeout would
# then count as an error rather than as latency.
WRK_TIMEOUT=10s
# How long a run may overrun its DURATION (start-up, connection set-up at c500) before it is cut off.
RUN_SLACK_SECS=30
# Seconds to wait for a server to answer after starting it, and for the idle connections to be set up.
READY_TIMEOUT_SECS=15
IDLE_SETUP_TIMEOUT_SECS=120
# The body sizes of the scenarios.
POST_BYTES=1024
UPLOAD_BYTES=65536

log() { printf '%s\n' "$*" >&2; }
die() { log "compare.sh: $*"; exit 1; }

# seconds turns a wrk duration (5, 5s, 2m) into seconds, for time budgets.
seconds() {
	case $1 in
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}
DURATION_SECS=$(seconds "$DURATION")
[[ $DURATION_SECS =~ ^[0-9]+$ && $DURATION_SECS -gt 0 ]] || die "DURATION must look like 5s or 1m, got $DURATION"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -gt 0 ]] || die "ROUNDS must be a positive integer, got $ROUNDS"

# ---------------------------------------------------------------------------------------------------------------
# Tools

# need_tools installs what is missing. Only wrk and nginx come from apt: the rest is either part of every Linux
# system this runs on or (Go) needed to build ferrous in the first place.
need_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
	if ((${#missing[@]})); then
		log "installing ${missing[*]} with apt-get"
		local sudo=()
		((EUID == 0)) || sudo=(sudo)
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
		# Debian's package starts a system nginx on port 80 at install; this script only needs the binary.
		if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null; then
			"${sudo[@]}" systemctl stop nginx 2>/dev/null || true
		fi
	fi
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	local t
	for t in go taskset curl; do
		command -v "$t" >/dev/null || die "$t is needed"
	done
}

# ---------------------------------------------------------------------------------------------------------------
# Process bookkeeping: every server is recorded, so that the exit trap and the watchdog can stop exactly what this
# script started.

WORK=""
UPLOADS="" # the upload directories' parent: $WORK/uploads, or a directory made under UPLOAD_DIR
WATCHDOG=""
declare -A PID PORT LABEL CLASS

# stop_recorded stops every process listed in $WORK/pids whose command line still names $WORK, so a recycled
# PID is never hit: TERM first (graceful shutdown), KILL for any still alive after a few seconds.
stop_recorded() {
	[[ -n $WORK && -f $WORK/pids ]] || return 0
	local pid alive=() still i
	while read -r pid; do
		if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$WORK"; then
			if kill -TERM "$pid" 2>/dev/null; then
				alive+=("$pid")
			fi
		fi
	done <"$WORK/pids"
	for ((i = 0; i < 50 && ${#alive[@]} > 0; i++)); do
		sleep 0.1
		still=()
		for pid in "${alive[@]}"; do
			if kill -0 "$pid" 2>/dev/null; then
				still+=("$pid")
			fi
		done
		alive=("${still[@]+"${still[@]}"}")
	done
	for pid in "${alive[@]+"${alive[@]}"}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	: >"$WORK/pids"
	return 0
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n $WATCHDOG ]]; then
		kill "$WATCHDOG" 2>/dev/null || true
	fi
	stop_recorded
	if [[ -n $UPLOADS && $UPLOADS != "$WORK"/* ]]; then
		rm -rf "$UPLOADS"
	fi
	if [[ -n $WORK ]]; then
		if [[ ${KEEP_WORK:-0} == 1 ]]; then
			log "kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$status"
}

# start_watchdog stops everything if the whole comparison runs far past its plan (a hung server, a wrk that does
# not return), and also covers the case where this script itself is killed without running its trap.
start_watchdog() {
	local budget=$1
	(
		trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
		sleep "$budget" &
		sleeper=$!
		wait "$sleeper"
		log "compare.sh: over the time budget of ${budget}s, stopping everything"
		stop_recorded
		kill -TERM $$ 2>/dev/null
	) &
	WATCHDOG=$!
}

# spawn NAME CMD... starts a server in the background, logging to $WORK/logs/NAME.log. Commands are run through
# exec-style wrappers only (taskset), so $! is the server itself and its /proc entry is what we measure.
spawn() {
	local name=$1
	shift
	"$@" >"$WORK/logs/$name.log" 2>&1 &
	PID[$name]=$!
	echo "$!" >>"$WORK/pids"
}

# rss_kb prints the resident memory of a process and all its children (nginx's workers are children of the
# master; the others are single processes).
rss_kb() {
	local pid=$1 total=0 kb child
	kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	total=$((total + ${kb:-0}))
	for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		total=$((total + $(rss_kb "$child")))
	done
	echo "$total"
}

# ---------------------------------------------------------------------------------------------------------------
# Build and lay out

build() {
	mkdir -p "$WORK/bin"
	if [[ -n ${FERROUS_BIN:-} ]]; then
		cp "$FERROUS_BIN" "$WORK/bin/ferrous"
	else
		log "building ferrous"
		(cd "$REPO" && go build -o "$WORK/bin/ferrous" ./cmd/ferrous) || die "building ferrous failed (FERROUS_BIN= selects a prebuilt binary)"
	fi
	log "building the peers"
	(cd "$HERE/peers" && go build -o "$WORK/bin/" ./nethttp ./fasthttpfs ./ceiling ./idleconns) || die "building loadtests/peers failed"
}

# make_docroot writes the three files every server serves: the 612-byte page of the issue, and 64 KiB and 1 MiB
# files of random (incompressible) bytes. nginx's workers run as another user, hence the permissions.
make_docroot() {
	mkdir -p "$WORK/www" "$UPLOADS" "$WORK/bodies"
	local page=$'<!DOCTYPE html>\n<html><head><title>ferrous</title></head><body>\n<p>' i
	for ((i = 0; i < 8; i++)); do
		page+='A page of exactly six hundred and twelve bytes, the size of the nginx welcome page. '
	done
	printf '%s\n' "${page:0:611}" >"$WORK/www/612.html"
	head -c 65536 /dev/urandom >"$WORK/www/64k.bin"
	head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
	head -c "$POST_BYTES" /dev/zero | tr '\0' 'b' >"$WORK/bodies/post.bin"
	head -c "$UPLOAD_BYTES" /dev/urandom >"$WORK/bodies/upload.bin"
	chmod -R a+rX "$WORK"
}

# ---------------------------------------------------------------------------------------------------------------
# Servers. Every server gets the same three jobs: GET of the docroot files, POST /post that reads the body and
# answers 303, and POST /upload/ that stores a multipart/form-data file (201).

# write_ferrous_config NAME WORKERS: one server with the same routes ferrous's own load tests use.
write_ferrous_config() {
	local name=$1 workers=$2
	mkdir -p "$UPLOADS/$name"
	cat >"$WORK/$name.yaml" <<EOF
workers: $workers
access_log: off
log_level: warn
connection_timeout_secs: 60
header_timeout_secs: 10
shutdown_timeout_secs: 2
max_connections: $((IDLE_CONNS + 1000))
servers:
  - host: 127.0.0.1
    port: ${PORT[$name]}
    server_name: [localhost, 127.0.0.1]
    client_max_body_size: 1M
    routes:
      - path: /
        methods: [GET, HEAD]
        handler: File
        file: $WORK/www/
      # return: reads the whole body, discards it and answers; the cheapest way ferrous takes a POST body.
      - path: /post
        methods: [POST]
        return: 303 /
      - path: /upload/*
        methods: [POST]
        handler: File
        file: $UPLOADS/$name/
EOF
}

# write_nginx_config NAME WORKERS OPEN_FILE_CACHE(yes|no): the tuning the issue's nginx figures were taken with.
write_nginx_config() {
	local name=$1 workers=$2 cache=$3 dir="$WORK/$1"
	mkdir -p "$dir"
	local cache_lines=""
	if [[ $cache == yes ]]; then
		cache_lines="open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;"
	fi
	cat >"$dir/nginx.conf" <<EOF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile $NOFILE;
events {
    worker_connections $((IDLE_CONNS + 1000));
}
http {
    types { text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    $cache_lines
    server {
        listen 127.0.0.1:${PORT[$name]} backlog=4096;
        root $WORK/www;
        # nginx reads and discards the body of a request it answers with return, as ferrous does.
        location = /post {
            client_max_body_size 1m;
            return 303 /;
        }
    }
}
EOF
}

# define VARIANT CLASS LABEL: CLASS is pinned or unpinned, and decides which ferrous a peer is compared with.
next_port=$BASE_PORT
define() {
	PORT[$1]=$next_port
	CLASS[$1]=$2
	LABEL[$1]=$3
	next_port=$((next_port + 1))
}
define ferrous-1 pinned "ferrous, 1 worker"
define ferrous-N unpinned "ferrous, workers: 0 (1 per core), unpinned"
define nginx-1 pinned "nginx, 1 worker"
define nginx-1-ofc pinned "nginx, 1 worker, open_file_cache"
define nginx-2 unpinned "nginx, 2 workers, unpinned"
define nginx-2-ofc unpinned "nginx, 2 workers, open_file_cache, unpinned"
define nethttp pinned "Go net/http (files by ServeContent)"
define fasthttp pinned "fasthttp (files by fasthttp.FS)"
define ceiling-612 pinned "bare epoll ceiling, 612 B canned"
define ceiling-64k pinned "bare epoll ceiling, 64 KiB canned, sendfile"
define ceiling-1m pinned "bare epoll ceiling, 1 MiB canned, sendfile"
define ceiling-close pinned "bare epoll ceiling, 612 B canned, close"

start_servers() {
	local pin=(taskset -c "$SERVER_CPU") lifetime="${BUDGET_SECS}s"
	write_ferrous_config ferrous-1 1
	write_ferrous_config ferrous-N 0
	spawn ferrous-1 "${pin[@]}" "$WORK/bin/ferrous" -c "$WORK/ferrous-1.yaml"
	spawn ferrous-N "$WORK/bin/ferrous" -c "$WORK/ferrous-N.yaml"

	write_nginx_config nginx-1 1 no
	write_nginx_config nginx-1-ofc 1 yes
	write_nginx_config nginx-2 2 no
	write_nginx_config nginx-2-ofc 2 yes
	local n
	for n in nginx-1 nginx-1-ofc nginx-2 nginx-2-ofc; do
		local cmd=("$NGINX" -p "$WORK/$n" -c "$WORK/$n/nginx.conf" -e "$WORK/$n/error.log" -g 'daemon off;')
		if [[ ${CLASS[$n]} == pinned ]]; then
			cmd=("${pin[@]}" "${cmd[@]}")
		fi
		spawn "$n" "${cmd[@]}"
	done

	# The Go peers are pinned like ferrous-1; the Go runtime then sizes GOMAXPROCS to that one core.
	mkdir -p "$UPLOADS/nethttp" "$UPLOADS/fasthttp"
	spawn nethttp "${pin[@]}" "$WORK/bin/nethttp" -addr "127.0.0.1:${PORT[nethttp]}" -root "$WORK/www" \
		-uploads "$UPLOADS/nethttp" -lifetime "$lifetime"
	spawn fasthttp "${pin[@]}" "$WORK/bin/fasthttpfs" -addr "127.0.0.1:${PORT[fasthttp]}" -root "$WORK/www" \
		-uploads "$UPLOADS/fasthttp" -lifetime "$lifetime"

	# The ceiling cannot tell requests apart, so each response size (and Connection: close) is its own instance.
	# Large bodies go by sendfile, as the file servers here send them; a copy from memory would be no ceiling.
	spawn ceiling-612 "${pin[@]}" "$WORK/bin/ceiling" -addr "127.0.0.1:${PORT[ceiling-612]}" -body "$WORK/www/612.html" -lifetime "$lifetime"
	spawn ceiling-64k "${pin[@]}" "$WORK/bin/ceiling" -addr "127.0.0.1:${PORT[ceiling-64k]}" -body "$WORK/www/64k.bin" -sendfile -lifetime "$lifetime"
	spawn ceiling-1m "${pin[@]}" "$WORK/bin/ceiling" -addr "127.0.0.1:${PORT[ceiling-1m]}" -body "$WORK/www/1m.bin" -sendfile -lifetime "$lifetime"
	spawn ceiling-close "${pin[@]}" "$WORK/bin/ceiling" -addr "127.0.0.1:${PORT[ceiling-close]}" -body "$WORK/www/612.html" -close -lifetime "$lifetime"

	for n in "${!PORT[@]}"; do
		wait_ready "$n"
	done
}

# wait_ready polls until the server answers, or shows why it did not start.
wait_ready() {
	local name=$1 i
	for ((i = 0; i < READY_TIMEOUT_SECS * 10; i++)); do
		if ! kill -0 "${PID[$name]}" 2>/dev/null; then
			log "--- $name log:"
			cat "$WORK/logs/$name.log" >&2
			die "$name exited at start"
		fi
		if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:${PORT[$name]}/612.html"; then
			return 0
		fi
		sleep 0.1
	done
	die "$name did not answer on port ${PORT[$name]} within ${READY_TIMEOUT_SECS}s"
}

# expect NAME WHAT WANT CURL-ARGS...: one request, compared on "status size".
expect() {
	local name=$1 what=$2 want=$3
	shift 3
	local got
	got=$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{size_download}' "$@") || true
	if [[ $got != "$want" && $got != "$want "* ]]; then
		die "$name: $what answered '$got', want '$want'; see $WORK/logs/$name.log (KEEP_WORK=1 keeps it)"
	fi
}

# check_servers makes sure every server does the job it is timed on, so that no table row measures error pages.
check_servers() {
	local n url
	for n in ferrous-1 ferrous-N nginx-1 nginx-1-ofc nginx-2 nginx-2-ofc nethttp fasthttp; do
		url="http://127.0.0.1:${PORT[$n]}"
		expect "$n" "GET 612.html" "200 612" "$url/612.html"
		expect "$n" "GET 64k.bin" "200 65536" "$url/64k.bin"
		expect "$n" "GET 1m.bin" "200 1048576" "$url/1m.bin"
		expect "$n" "POST /post" "303" --data-binary "@$WORK/bodies/post.bin" "$url/post"
	done
	for n in $UPLOAD_VARIANTS; do
		expect "$n" "upload" "201" -F "file=@$WORK/bodies/upload.bin;filename=probe.bin" "http://127.0.0.1:${PORT[$n]}/upload/"
	done
	clear_uploads
	expect ceiling-612 "GET" "200 612" "http://127.0.0.1:${PORT[ceiling-612]}/"
	expect ceiling-64k "GET" "200 65536" "http://127.0.0.1:${PORT[ceiling-64k]}/"
	expect ceiling-1m "GET" "200 1048576" "http://127.0.0.1:${PORT[ceiling-1m]}/"
	expect ceiling-close "GET" "200 612" "http://127.0.0.1:${PORT[ceiling-close]}/"
}

# clear_uploads empties the upload directories. A server may still be removing the temporary file of an upload
# that wrk cut off when its time was up, so files vanishing under find are expected.
clear_uploads() { find "$UPLOADS" -mindepth 2 -delete 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------------------------
# wrk scripts. Each ends with the same done() that prints one machine-readable line, so nothing depends on
# wrk's human-readable output.

write_lua() {
	mkdir -p "$WORK/lua"
	cat >"$WORK/lua/report.lua" <<'EOF'

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
	: >"$WORK/lua/get.lua"
	cat >"$WORK/lua/close.lua" <<'EOF'
wrk.headers["Connection"] = "close"
EOF
	cat >"$WORK/lua/post.lua" <<EOF
wrk.method = "POST"
wrk.body = string.rep("b", $POST_BYTES)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF
	# Every upload needs a new file name: all servers refuse to overwrite, and ferrous's "-N" suffix search would
	# otherwise grow with each upload. The counter is per wrk thread; there is one (-t1).
	cat >"$WORK/lua/upload.lua" <<EOF
local boundary = "----compare-sh-boundary-7d3f0a"
local content = string.rep("u", $UPLOAD_BYTES)
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
local counter = 0
request = function()
  counter = counter + 1
  local body = "--" .. boundary .. "\r\n" ..
    "Content-Disposition: form-data; name=\"file\"; filename=\"u" .. counter .. ".bin\"\r\n" ..
    "Content-Type: application/octet-stream\r\n\r\n" ..
    content .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", nil, headers, body)
end
EOF
	local f
	for f in get close post upload; do
		cat "$WORK/lua/report.lua" >>"$WORK/lua/$f.lua"
	done
}

# ---------------------------------------------------------------------------------------------------------------
# Measuring

# run_wrk SCENARIO VARIANT ROUND CONNS PATH LUA: one timed run, appended to $WORK/raw as
# "scenario variant round req/s p99_us errors". A run that produced no result counts as 0 req/s.
run_wrk() {
	local scenario=$1 variant=$2 round=$3 conns=$4 path=$5 lua=$6 out line
	out=$(timeout $((DURATION_SECS + RUN_SLACK_SECS)) taskset -c "$CLIENT_CPU" \
		wrk -t1 -c"$conns" -d"$DURATION" --timeout "$WRK_TIMEOUT" -s "$WORK/lua/$lua" \
		"http://127.0.0.1:${PORT[$variant]}$path" 2>&1) || true
	line=$(grep '^RESULT ' <<<"$out" || true)
	if [[ -z $line ]]; then
		log "  $variant: no result from wrk: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
		echo "$scenario $variant $round 0 0 -1" >>"$WORK/raw"
		return
	fi
	local requests duration_us p99_us errors
	requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
	duration_us=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
	p99_us=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")
	errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
	local rps=$((requests * 1000000 / (duration_us > 0 ? duration_us : 1)))
	if ((requests == 0)); then
		log "  $variant: no request completed: $(grep -v '^RESULT' <<<"$out" | tail -n 4 | tr '\n' ' ')"
	fi
	printf '  %-14s %8d req/s  p99 %6.2f ms  errors %d\n' "$variant" "$rps" "$(awk -v u="$p99_us" 'BEGIN{print u/1000}')" "$errors" >&2
	echo "$scenario $variant $round $rps $p99_us $errors" >>"$WORK/raw"
}

# measure SCENARIO ROUND CONNS PATH LUA: runs the scenario on each of its variants, starting each round at a
# different variant, so that no server always runs first (cold) or right after the heaviest one.
measure() {
	local scenario=$1 round=$2 conns=$3 path=$4 lua=$5 variants n i
	read -r -a variants <<<"${VARIANTS[$scenario]}"
	n=${#variants[@]}
	log "round $round: ${TITLE[$scenario]}"
	for ((i = 0; i < n; i++)); do
		local v=${variants[$(((i + round - 1) % n))]}
		if [[ $lua == upload.lua ]]; then
			# Each run numbers its files from 1 again, and a name left over would be refused (409); clearing also
			# keeps the disk from filling over the rounds.
			clear_uploads
		fi
		run_wrk "$scenario" "$v" "$round" "$conns" "$path" "$lua"
		sleep 0.5 # let closed connections and the previous server's work settle
	done
	if [[ $lua == upload.lua ]]; then
		sleep 1
		clear_uploads
	fi
}

# Which servers take part where. nginx cannot store multipart uploads without third-party modules, and the ceiling
# cannot parse one, so uploads compare the servers that really store the files.
GET_VARIANTS="ferrous-1 ferrous-N nginx-1 nginx-1-ofc nginx-2 nginx-2-ofc nethttp fasthttp"
UPLOAD_VARIANTS="ferrous-1 ferrous-N nethttp fasthttp"
declare -A VARIANTS=(
	[memory]="ferrous-1 ferrous-N nginx-1 nethttp fasthttp ceiling-612"
	[get612]="$GET_VARIANTS ceiling-612"
	[get64k]="$GET_VARIANTS ceiling-64k"
	[get1m]="$GET_VARIANTS ceiling-1m"
	[close]="$GET_VARIANTS ceiling-close"
	[post1k]="ferrous-1 ferrous-N nginx-1 nginx-2 nethttp fasthttp ceiling-612"
	[upload100]="$UPLOAD_VARIANTS"
	[upload500]="$UPLOAD_VARIANTS"
)
declare -A TITLE=(
	[get612]="GET 612 B file, keep-alive, c50"
	[get64k]="GET 64 KiB file, keep-alive, c50"
	[get1m]="GET 1 MiB file, keep-alive, c50"
	[close]="GET 612 B file, Connection: close, c50"
	[post1k]="POST 1 KiB body (read and discarded, answered 303), keep-alive, c50"
	[upload100]="multipart upload of a 64 KiB file, stored (201), c100"
	[upload500]="multipart upload of a 64 KiB file, stored (201), c500"
)
SCENARIOS=(memory get612 get64k get1m close post1k upload100 upload500)
if [[ -n ${ONLY:-} ]]; then
	read -r -a SCENARIOS <<<"$ONLY"
fi

# selected NAME: whether the scenario is part of this run.
selected() { [[ " ${SCENARIOS[*]} " == *" $1 "* ]]; }

# The issue's headline: the 612-byte page, what nginx's welcome page weighs.
scenario_get612() { measure get612 "$1" 50 /612.html get.lua; }
# Larger files shift the cost from per-request work to moving bytes (sendfile, socket buffers).
scenario_get64k() { measure get64k "$1" 50 /64k.bin get.lua; }
scenario_get1m() { measure get1m "$1" 50 /1m.bin get.lua; }
# A new TCP connection per request: accept and teardown dominate.
scenario_close() { measure close "$1" 50 /612.html close.lua; }
# A small body every server must read before the next request; ferrous's cheapest body-reading route is
# `return: 303`, nginx's is `return 303`. The ceiling answers each read and relies on the request fitting in one.
scenario_post1k() { measure post1k "$1" 50 /post post.lua; }
# The realistic "reads the body" case: parse multipart, write the file.
scenario_upload100() { measure upload100 "$1" 100 /upload/ upload.lua; }
scenario_upload500() { measure upload500 "$1" 500 /upload/ upload.lua; }

# warm_up gives every server a first second of traffic (page cache, Go heap growth, nginx's file cache) that is
# not counted.
warm_up() {
	log "warming up"
	local v
	for v in $GET_VARIANTS ceiling-612; do
		timeout $((1 + RUN_SLACK_SECS)) taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d1s "http://127.0.0.1:${PORT[$v]}/612.html" >/dev/null 2>&1 || true
	done
}

# measure_memory opens IDLE_CONNS keep-alive connections to each server, one request on each, and reads the
# server's RSS before and after. It runs before any load, so "before" is the server's idle RSS at start.
measure_memory() {
	log "memory: $IDLE_CONNS idle keep-alive connections per server"
	: >"$WORK/memory"
	local v
	for v in ${VARIANTS[memory]}; do
		local pid=${PID[$v]} before after client i open="" clog="$WORK/logs/idleconns-$v.log"
		before=$(rss_kb "$pid")
		: >"$clog" # exists before the client gets to write to it, for the polling below
		taskset -c "$CLIENT_CPU" "$WORK/bin/idleconns" -addr "127.0.0.1:${PORT[$v]}" -path /612.html \
			-n "$IDLE_CONNS" -hold "${IDLE_SETUP_TIMEOUT_SECS}s" >"$clog" 2>&1 &
		client=$!
		for ((i = 0; i < IDLE_SETUP_TIMEOUT_SECS * 10; i++)); do
			open=$(sed -nE 's/^ready open=([0-9]+).*/\1/p' "$clog" || true)
			[[ -n $open ]] && break
			kill -0 "$client" 2>/dev/null || break
			sleep 0.1
		done
		sleep 1 # the server may still be finishing the last responses' bookkeeping
		after=$(rss_kb "$pid")
		kill -TERM "$client" 2>/dev/null || true
		wait "$client" 2>/dev/null || true
		if [[ -z $open || $open == 0 ]]; then
			log "  $v: idle connections not set up: $(tail -n 2 "$clog" | tr '\n' ' ')"
			echo "$v $before $after 0" >>"$WORK/memory"
			continue
		fi
		grep -q 'failed=0' "$clog" || log "  $v: $(head -n 2 "$clog" | tr '\n' ' ')"
		printf '  %-14s idle %7d KiB  with %d conns %8d KiB  %6d B/conn\n' "$v" "$before" "$open" "$after" \
			$(((after - before) * 1024 / open)) >&2
		echo "$v $before $after $open" >>"$WORK/memory"
		sleep 2 # let the server reap the closed connections before the next one is measured
	done
}

# ---------------------------------------------------------------------------------------------------------------
# Report

# table SCENARIO: a markdown table of medians over the rounds, from $WORK/raw.
table() {
	local scenario=$1
	echo
	echo "### ${TITLE[$scenario]}"
	echo
	echo "| server | req/s (median) | min–max | p99 ms (median) | errors | ferrous ÷ server |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk -v s="$scenario" -v labels="$(for v in "${!LABEL[@]}"; do printf '%s\t%s\t%s\n' "$v" "${LABEL[$v]}" "${CLASS[$v]}"; done)" '
	function median(list, n,    a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function extreme(list, want_max,    a, i, n, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if ((want_max && a[i] > m) || (!want_max && a[i] < m)) m = a[i]
		return m
	}
	function thousands(x,    s, r) {
		s = sprintf("%d", x); r = ""
		while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		return s r
	}
	BEGIN {
		n = split(labels, lines, "\n")
		for (i = 1; i <= n; i++) { split(lines[i], f, "\t"); label[f[1]] = f[2]; class[f[1]] = f[3] }
		# The ferrous each class is compared with: the same pinning, so the same cores.
		reference["pinned"] = "ferrous-1"; reference["unpinned"] = "ferrous-N"
	}
	$1 == s {
		if (!($2 in rps)) order[++count] = $2
		rps[$2] = rps[$2] " " $4; p99[$2] = p99[$2] " " $5
		if ($6 < 0) failed[$2]++; else errors[$2] += $6
	}
	END {
		for (i = 1; i <= count; i++) { v = order[i]; med[v] = median(rps[v]) }
		for (i = 1; i <= count; i++) {
			v = order[i]; ref = reference[class[v]]
			ratio = (v == ref || !(ref in med) || med[v] == 0) ? "—" : sprintf("%.2f", med[ref] / med[v])
			err = errors[v] + 0; if (failed[v]) err = err " (" failed[v] " runs failed)"
			printf "| %s | %s | %s–%s | %.2f | %s | %s |\n", label[v], thousands(med[v]),
				thousands(extreme(rps[v], 0)), thousands(extreme(rps[v], 1)), median(p99[v]) / 1000, err, ratio
		}
	}' "$WORK/raw"
}

memory_table() {
	echo
	echo "### Memory: $IDLE_CONNS idle keep-alive connections, one GET of 612.html on each"
	echo
	echo "| server | idle RSS (MiB) | RSS with the connections (MiB) | per connection |"
	echo "|---|---:|---:|---:|"
	local v before after open
	while read -r v before after open; do
		if ((open == 0)); then
			printf '| %s | %.1f | — | not measured |\n' "${LABEL[$v]}" "$(awk -v k="$before" 'BEGIN{print k/1024}')"
			continue
		fi
		awk -v l="${LABEL[$v]}" -v b="$before" -v a="$after" -v n="$open" -v want="$IDLE_CONNS" 'BEGIN {
			note = (n < want) ? sprintf(" (%d open)", n) : ""
			printf "| %s | %.1f | %.1f | %.1f KiB%s |\n", l, b / 1024, a / 1024, (a - b) / n, note
		}'
	done <"$WORK/memory"
}

report() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	echo "# ferrous compared with its peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) cores ($cpu), Linux $(uname -r). Loopback only; pinned servers on core $SERVER_CPU, wrk"
	echo "(\`-t1\`) on core $CLIENT_CPU. $ROUNDS interleaved round(s) of $DURATION each; medians shown, min–max across rounds."
	echo "ferrous $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '(no git)') plus any uncommitted changes;"
	echo "$("$NGINX" -v 2>&1); $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); $(go version | cut -d' ' -f3); fasthttp $(cd "$HERE/peers" && go list -m -f '{{.Version}}' github.com/valyala/fasthttp)."
	echo
	echo "- **ferrous ÷ server** compares with the ferrous of the same kind: pinned servers with ferrous at 1 worker"
	echo "  pinned to the same core, unpinned ones with ferrous at its default of one worker per core. Above 1, ferrous"
	echo "  is faster. Expect about ±15 % between runs on a shared machine."
	echo "- **POST**: every server reads the whole 1 KiB body and answers 303 (ferrous \`return: 303\`, nginx"
	echo "  \`return 303\`, net/http drains the body, fasthttp reads it before the handler). The ceiling answers each read."
	echo "- **Uploads** are the realistic body-reading case: the multipart body is parsed and the file written to disk."
	echo "  ferrous writes a hidden temporary file and links it into place; the Go peers create the file directly"
	echo "  (O_EXCL). net/http streams the parts; fasthttp reads the whole body first. nginx cannot store multipart"
	echo "  uploads without third-party modules, and the ceiling parses nothing, so neither takes part. The files went"
	echo "  to $(df --output=fstype "$UPLOADS" | tail -n 1)."
	echo "- **Ceiling**: one epoll loop answering each read with a canned response (64 KiB and 1 MiB bodies by sendfile),"
	echo "  no parsing; no HTTP server on the same core should be faster. Its ratio is how close ferrous comes to that."
	echo "- **Memory**: VmRSS of the server (nginx: master and workers), at rest after start-up and a few check requests,"
	echo "  then with every connection open and idle; per connection is the difference divided by the connections."
	local s
	for s in "${SCENARIOS[@]}"; do
		if [[ $s == memory ]]; then
			memory_table
		else
			table "$s"
		fi
	done
}

# ---------------------------------------------------------------------------------------------------------------

main() {
	need_tools
	((ROUNDS * DURATION_SECS < 86400)) || die "ROUNDS × DURATION over a day; not what you meant"
	if (($(nproc) < 2)); then
		log "compare.sh: only one core; server and wrk share it, and the figures mean little"
		CLIENT_CPU=$SERVER_CPU
	fi

	# 10,000 idle connections need as many descriptors in the server and in the client, plus slack.
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	NOFILE=$(ulimit -n)
	if [[ $NOFILE != unlimited ]] && ((NOFILE < IDLE_CONNS + 1000)); then
		IDLE_CONNS=$((NOFILE - 1000))
		log "compare.sh: open-file limit $NOFILE, measuring memory with $IDLE_CONNS connections"
	fi
	[[ $NOFILE == unlimited ]] && NOFILE=65536

	WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferrous-compare.XXXXXX")
	if [[ -n ${UPLOAD_DIR:-} ]]; then
		UPLOADS=$(mktemp -d "$UPLOAD_DIR/ferrous-compare-uploads.XXXXXX")
	else
		UPLOADS=$WORK/uploads
	fi
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$WORK/logs"
	: >"$WORK/pids"
	: >"$WORK/raw"

	# The budget is the planned runs plus generous slack; the watchdog enforces it and the Go peers exit after it
	# by themselves.
	local runs=0 s variants
	for s in "${SCENARIOS[@]}"; do
		[[ -n ${VARIANTS[$s]:-} ]] || die "no scenario $s; there are: ${!VARIANTS[*]}"
		[[ $s == memory ]] && continue
		read -r -a variants <<<"${VARIANTS[$s]}"
		runs=$((runs + ${#variants[@]}))
	done
	read -r -a variants <<<"${VARIANTS[memory]}"
	BUDGET_SECS=$((600 + 2 * ROUNDS * runs * (DURATION_SECS + 2) + ${#variants[@]} * IDLE_SETUP_TIMEOUT_SECS))
	start_watchdog "$BUDGET_SECS"
	log "plan: $ROUNDS round(s) × $runs runs of $DURATION, about $((ROUNDS * runs * (DURATION_SECS + 1) / 60 + 1)) min"

	build
	make_docroot
	write_lua
	start_servers
	check_servers
	if selected memory; then
		measure_memory # first, so that "before" is each server's RSS at rest after start-up
	fi
	warm_up

	local round
	for ((round = 1; round <= ROUNDS; round++)); do
		for s in "${SCENARIOS[@]}"; do
			if [[ $s != memory ]]; then
				"scenario_$s" "$round"
			fi
		done
	done

	mkdir -p "$RESULTS_DIR"
	local out
	out="$RESULTS_DIR/compare-$(date '+%Y-%m-%d-%H%M%S').md"
	report | tee "$out"
	log ""
	log "written to $out"
}

main "$@"
