#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway (S3) on 127.0.0.1, for tests,
# benchmarks and trying out the S3-compatible in-house tier (docs/deploy.md). No systemd:
# one ceph-mon, one ceph-osd keeping its data in memory (memstore), one radosgw (beast) on a
# free port, and one S3 user. Everything lives in one folder; `stop` kills the daemons and
# removes it.
#
#   scripts/ceph-dev.sh start [DIR]   prints RGW_ENDPOINT=…, RGW_ACCESS_KEY=…, RGW_SECRET_KEY=…,
#                                     RGW_REGION=…, CEPH_DIR=… once the gateway answers
#   scripts/ceph-dev.sh stop [DIR]
#   scripts/ceph-dev.sh stop-gateway|start-gateway [DIR]   the gateway alone (an outage of
#                                     the S3 endpoint; the cluster keeps its objects)
#
# DIR defaults to $HSYNC_CEPH_DIR, else $TMPDIR/hsync-ceph (or /tmp/hsync-ceph).
# Needs Debian's ceph-mon ceph-osd radosgw ceph-common. Cephx keyrings are required: with
# `auth … required = none` radosgw never connects to the monitor.
set -euo pipefail

command=${1:-}
dir=${2:-${HSYNC_CEPH_DIR:-${TMPDIR:-/tmp}/hsync-ceph}}
conf="$dir/ceph.conf"
daemons=(rgw osd mon)

usage() {
  echo "usage: $0 start|stop [DIR]" >&2
  exit 2
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Kills the named daemons (default all, newest first) whose pid files are in DIR/run, and
# waits until they are gone.
stop_daemons() {
  local names=("$@")
  [ ${#names[@]} -gt 0 ] || names=("${daemons[@]}")
  for name in "${names[@]}"; do
    local pidfile="$dir/run/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    # SIGKILL: a test cluster's state is thrown away anyway (or, for the gateway, the
    # outage is a crash), and radosgw takes ~6 s to end on SIGTERM.
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$pidfile"
  done
}

gateway_url() {
  echo "http://$(sed -n 's/^rgw frontends = beast endpoint=//p' "$conf")"
}

# Starts radosgw and waits until it answers HTTP (~15 s after a fresh cluster).
start_gateway() {
  radosgw -c "$conf" -n client.rgw.a 2>/dev/null
  local url
  url=$(gateway_url)
  for _ in $(seq 600); do
    curl -s -o /dev/null "$url/" && return 0
    sleep 0.1
  done
  echo "ceph-dev: radosgw did not answer at $url within 60 s (see $dir/log)" >&2
  exit 1
}

start() {
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
    command -v "$tool" >/dev/null || { echo "ceph-dev: $tool not found (apt-get install ceph-mon ceph-osd ceph-mgr radosgw ceph-common)" >&2; exit 3; }
  done
  if [ -e "$dir/run/mon.pid" ]; then
    echo "ceph-dev: $dir holds a running cluster; stop it first" >&2
    exit 1
  fi
  # From here on, a start that fails half-way leaves nothing running.
  trap 'status=$?; [ $status -eq 0 ] || { stop_daemons; rm -rf "$dir"; }' EXIT
  rm -rf "$dir"
  mkdir -p "$dir"/{run,log,mon/a,osd/0,rgw}
  chmod 700 "$dir"
  local mon_port rgw_port fsid osd_uuid
  mon_port=$(free_port)
  rgw_port=$(free_port)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)

  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.1/32
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $dir/\$name.keyring
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
[mon]
mon data = $dir/mon/\$id
keyring = $dir/mon/\$id/keyring
pid file = $dir/run/mon.pid
[osd]
osd data = $dir/osd/\$id
osd objectstore = memstore
memstore device bytes = 8589934592
pid file = $dir/run/osd.pid
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
pid file = $dir/run/rgw.pid
EOF

  ceph-authtool --create-keyring "$dir/mon..keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$dir/mon..keyring" --import-keyring "$dir/client.admin.keyring" >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon..keyring"
  ceph-mon -c "$conf" -i a

  local osd_id
  osd_id=$(ceph -c "$conf" osd new "$osd_uuid")
  [ "$osd_id" = 0 ] || { echo "ceph-dev: expected osd 0, got $osd_id" >&2; exit 1; }
  # --no-mon-config: the osd's key is not registered yet, so it cannot ask the monitor.
  ceph-osd -c "$conf" -i 0 --mkfs --mkkey --no-mon-config --osd-uuid "$osd_uuid" --keyring "$dir/osd/0/keyring" 2>/dev/null
  ceph -c "$conf" auth add osd.0 osd 'allow *' mon 'allow profile osd' -i "$dir/osd/0/keyring" >/dev/null 2>&1
  ceph-osd -c "$conf" -i 0 --keyring "$dir/osd/0/keyring" 2>/dev/null

  ceph -c "$conf" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$dir/client.rgw.a.keyring" >/dev/null 2>&1
  start_gateway

  local access secret
  access=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  secret=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  radosgw-admin -c "$conf" user create --uid hsync --display-name 'Hybrid Sync tests' \
    --access-key "$access" --secret "$secret" >/dev/null 2>&1
  echo "CEPH_DIR=$dir"
  echo "RGW_ENDPOINT=http://127.0.0.1:$rgw_port"
  echo "RGW_ACCESS_KEY=$access"
  echo "RGW_SECRET_KEY=$secret"
  echo "RGW_REGION=us-east-1"
}

case "$command" in
  start) start ;;
  stop)
    stop_daemons
    rm -rf "$dir"
    ;;
  stop-gateway) stop_daemons rgw ;;
  start-gateway)
    [ -f "$conf" ] || { echo "ceph-dev: no cluster in $dir" >&2; exit 1; }
    start_gateway
    ;;
  *) usage ;;
esac
