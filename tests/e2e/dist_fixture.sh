# shellcheck shell=bash
# The images the distribution tests move (sourced after lib.sh and e2e_init;
# needs W; the base is lib.sh's hello_base): app:1 (two layers over a tiny WASI base: a
# replaced file, a whiteout, an opaque directory, a symlink, a private mode,
# a non-ASCII name; ENV, WORKDIR, LABEL, ENTRYPOINT, CMD) and two:1 (the
# same base and lower layer plus one of its own), rendered to
# $E2E_TMP/app1.wasm and $E2E_TMP/two1.wasm.
dist_fixture() {
C=$E2E_TMP/ctx
mkdir -p "$C/l1/etc" "$C/l1/usr/lib" "$C/l2/etc" "$C/l2/usr" "$C/l3"
hello_base "$C/base.wasm"
# Lower layer; the upper replaces a file, whites one out, makes /usr opaque,
# adds a non-ASCII name; a symlink and a private mode in the lower one.
echo base >"$C/l1/etc/motd"
echo conf >"$C/l1/etc/conf"
chmod 600 "$C/l1/etc/conf"
echo lib >"$C/l1/usr/lib/x.rb"
ln -s usr/lib "$C/l1/lib"
echo new >"$C/l2/etc/motd"
: >"$C/l2/etc/.wh.conf"
: >"$C/l2/usr/.wh..wh..opq"
echo app >"$C/l2/usr/app.rb"
echo ü >"$C/l2/etc/grüße"
echo two >"$C/l3/two.txt"
cat >"$C/Wasmfile" <<'WF'
FROM base.wasm
COPY l1 /
COPY l2 /
ENV APP_MODE=prod
WORKDIR /usr
LABEL org.example.name=app
ENTRYPOINT ["app"]
CMD ["--serve"]
WF
cat >"$C/Wasmfile.two" <<'WF'
FROM base.wasm
COPY l1 /
COPY l3 /srv
WF
W build -t app:1 -o "$E2E_TMP/app1.wasm" "$C" >/dev/null
W build -f "$C/Wasmfile.two" -t two:1 -o "$E2E_TMP/two1.wasm" "$C" >/dev/null
}

# start_registry NAME [EXTRA_YAML]: Debian's docker-registry on a free
# loopback port, storing under $E2E_TMP/NAME (EXTRA_YAML goes right after
# the http addr line: "  tls: ..." lines, then top-level sections); sets REG (host:port),
# REG_DATA and REG_LOG (its access log). Retries if the port was taken.
start_registry() {
  local name=$1 extra=${2:-} port try pid
  command -v docker-registry >/dev/null || fail "docker-registry is required (scripts/setup)"
  REG_DATA=$E2E_TMP/$name
  REG_LOG=$E2E_TMP/$name.log
  for try in 1 2 3 4 5; do
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    cat >"$E2E_TMP/$name.yml" <<YML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_DATA
http:
  addr: 127.0.0.1:$port
$extra
YML
    docker-registry serve "$E2E_TMP/$name.yml" >"$REG_LOG" 2>&1 &
    pid=$!
    E2E_PIDS+=("$pid")
    for _ in $(seq 100); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
        REG=127.0.0.1:$port
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  fail "docker-registry did not start: $(cat "$REG_LOG")"
}

# digest_of STORE NAME:TAG: the image digest that name points at ("" if none).
digest_of() { "$WIMG" --store "$1" images --json | python3 -c 'import json,sys;print(*[i["digest"] for i in json.load(sys.stdin) if i["ref"]==sys.argv[1]])' "$2"; }

# blob_puts: blob uploads the registry has completed so far (its access log).
blob_puts() { grep -c '"PUT /v2/[^ ]*/blobs/uploads/' "$REG_LOG" || true; }

# registry_idle: returns once the registry has logged nothing for 300 ms
# (at most 10 s). A client killed mid-request leaves the registry finishing
# that request on its own; docker-registry rewrites a repository's blob link
# in place, so a request racing that rewrite can read it empty and answer
# MANIFEST_BLOB_UNKNOWN for a blob it has (seen once in test_dist_kill: a
# push right after a killed one). That race is the registry's; what the
# tests check is that wimg's next transfer completes.
registry_idle() {
  local size last=-1 quiet=0
  for _ in $(seq 200); do
    size=$(stat -c %s "$REG_LOG")
    if [[ "$size" == "$last" ]]; then
      quiet=$((quiet + 1))
      (( quiet >= 6 )) && return 0
    else
      quiet=0
      last=$size
    fi
    sleep 0.05
  done
}
