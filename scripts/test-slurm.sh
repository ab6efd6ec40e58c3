#!/usr/bin/env bash
# A throwaway single-node Slurm cluster for the test run: munged, slurmctld and slurmd on
# 127.0.0.1 and free ports, all state in one folder.
#
#   scripts/test-slurm.sh start STATE_DIR   starts it; writes STATE_DIR/slurm.conf
#   scripts/test-slurm.sh stop STATE_DIR    stops what it started and removes the folder
#
# Clients reach it with SLURM_CONF=STATE_DIR/slurm.conf (the munge socket is named there too).
# Needs root (slurmd runs jobs as their users) and Debian's slurm-wlm and munge; when they are
# missing, `start` says so loudly and writes no slurm.conf, and the suites that need it skip.
set -euo pipefail
command=${1:?usage: test-slurm.sh start|stop STATE_DIR}
state=$(realpath -m "${2:?usage: test-slurm.sh start|stop STATE_DIR}")

# Waits up to 10 s for process $1 to end.
wait_gone() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

stop() {
  if [[ -f "$state/slurm.conf" ]]; then
    SLURM_CONF="$state/slurm.conf" scontrol shutdown >/dev/null 2>&1 || true
  fi
  # What this script started, by its pid files: Slurm's daemons end after the shutdown (else
  # they are told to), then munge; the folder goes once none of them can write to it.
  for pidfile in "$state/slurmctld.pid" "$state/slurmd.pid" "$state/munged.pid"; do
    if [[ -f "$pidfile" ]]; then
      pid=$(cat "$pidfile")
      if [[ $pidfile != *munged.pid ]]; then wait_gone "$pid" || true; fi
      kill "$pid" 2>/dev/null || true
      wait_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
    fi
  done
  if [[ -f "$state/munge_dir" ]]; then rm -rf "$(cat "$state/munge_dir")"; fi
  rm -rf "$state"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$command" in
  stop)
    stop
    ;;
  start)
    stop
    mkdir -p "$state"
    if [[ $(id -u) -ne 0 ]] || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
      echo "!!! Slurm is not available (root with Debian's slurm-wlm and munge): the Slurm" \
        "suites are SKIPPED" >&2
      exit 0
    fi
    mkdir -p "$state/state" "$state/spool"
    # munge: its own daemon, socket and key (any system munge is left alone), in a folder of its
    # own under the temp dir, since the munge user may not be able to enter STATE_DIR's parents.
    munge_dir=$(mktemp -d "${TMPDIR:-/tmp}/orchard-munge.XXXXXX")
    echo "$munge_dir" >"$state/munge_dir"
    chown munge "$munge_dir"
    chmod 711 "$munge_dir"
    dd if=/dev/urandom of="$munge_dir/munge.key" bs=1 count=1024 status=none
    chown munge "$munge_dir/munge.key"
    chmod 400 "$munge_dir/munge.key"
    runuser -u munge -- /usr/sbin/munged --socket="$munge_dir/socket" \
      --key-file="$munge_dir/munge.key" --pid-file="$munge_dir/munged.pid" \
      --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" --force
    cp "$munge_dir/munged.pid" "$state/munged.pid"
    host=$(hostname -s)
    cpus=$(nproc)
    memory=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
    cat >"$state/slurm.conf" <<CONF
ClusterName=orchard-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$munge_dir/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ReturnToService=2
MinJobAge=600
KillWait=2
OverTimeLimit=0
MessageTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$state/slurm.conf"
    /usr/sbin/slurmctld -f "$SLURM_CONF"
    /usr/sbin/slurmd -f "$SLURM_CONF"
    # Ready when the node takes jobs.
    for _ in $(seq 300); do
      if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        echo "Slurm for the tests: SLURM_CONF=$SLURM_CONF"
        exit 0
      fi
      sleep 0.1
    done
    echo "Slurm did not come up; its logs:" >&2
    cat "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
    exit 1
    ;;
  *)
    echo "usage: test-slurm.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
