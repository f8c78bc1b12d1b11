#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, for tests and for trying `apertus data run
# --executor slurm` on one machine. Debian/Ubuntu only (slurm-wlm and munge packages).
#
#   scripts/slurm-local.sh start DIR   install when missing (as root), write DIR/slurm.conf,
#                                      start munged (unless one runs), slurmctld and slurmd;
#                                      prints the line to export SLURM_CONF
#   scripts/slurm-local.sh stop DIR    stop the daemons started by `start DIR`
#
# Exit status 3 from `start`: Slurm is not installed and cannot be (not root, no apt-get, the
# packages cannot be fetched), or the daemons cannot be started (not root).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

install_slurm() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "slurm-local: Slurm is not installed, and installing it needs root and apt-get (apt-get install slurm-wlm munge)" >&2
    exit 3
  fi
  echo "slurm-local: installing slurm-wlm and munge" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q slurm-wlm munge >"$dir/apt.log" 2>&1; then
    apt-get update -q >>"$dir/apt.log" 2>&1 || true
    if ! apt-get install -y -q slurm-wlm munge >>"$dir/apt.log" 2>&1; then
      echo "slurm-local: apt-get install slurm-wlm munge failed (see $dir/apt.log)" >&2
      tail -5 "$dir/apt.log" >&2
      exit 3
    fi
  fi
}

# A free TCP port on localhost (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0 # a munged is running already: use it, and leave it running at stop
  fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key; else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  touch "$dir/munged.started"
  for _ in $(seq 50); do
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "slurm-local: munged did not start" >&2
  exit 1
}

write_conf() {
  local host cpus ctld_port slurmd_port
  host=$(hostname -s)
  cpus=$(nproc)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  mkdir -p "$dir/state" "$dir/spool"
  cat >"$dir/slurm.conf" <<CONF
ClusterName=apertus-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=60
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

case "$cmd" in
  start)
    install_slurm
    if [[ $(id -u) -ne 0 ]]; then
      echo "slurm-local: starting munged, slurmctld and slurmd needs root" >&2
      exit 3
    fi
    start_munge
    write_conf
    export SLURM_CONF="$dir/slurm.conf"
    /usr/sbin/slurmctld -c -f "$SLURM_CONF"
    /usr/sbin/slurmd -c -f "$SLURM_CONF"
    for _ in $(seq 100); do
      if sinfo --noheader --format=%T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        echo "export SLURM_CONF=$SLURM_CONF"
        exit 0
      fi
      sleep 0.2
    done
    echo "slurm-local: the node did not become idle (see $dir/slurmctld.log, $dir/slurmd.log)" >&2
    sinfo >&2 || true
    exit 1
    ;;
  stop)
    if [[ -s "$dir/slurmctld.pid" ]] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
      # Jobs still queued or running on this cluster (a failed test) are cancelled first.
      export SLURM_CONF="$dir/slurm.conf"
      scancel --user="$(id -un)" 2>/dev/null || true
      for _ in $(seq 50); do
        if [[ -z "$(squeue --noheader 2>/dev/null)" ]]; then break; fi
        sleep 0.1
      done
    fi
    for daemon in slurmd slurmctld; do
      if [[ -s "$dir/$daemon.pid" ]]; then kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true; fi
    done
    for daemon in slurmd slurmctld; do
      for _ in $(seq 50); do
        if [[ -s "$dir/$daemon.pid" ]] && kill -0 "$(cat "$dir/$daemon.pid")" 2>/dev/null; then sleep 0.1; else break; fi
      done
    done
    if [[ -e "$dir/munged.started" && -s /run/munge/munged.pid ]]; then
      kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
      rm -f "$dir/munged.started"
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
