#!/usr/bin/env bash
# soak.sh: DURATION seconds of mixed load with client processes killed at random.
#
# One daemon (default options). Throughout:
#   survivors   3 reconnecting clients (reclient.py: buffers of every memory kind, CBs, kernels,
#               refcounts; 300-1500 msg/s) that live to the end;
#   victims     reconnecting clients (up to 3 at a time, 200-2000 msg/s) killed with kill -9
#               after 2-20 s, whatever they are doing (mid-send included);
#   allocgen    up to 2 runs at a time with random -k 1..4, -b 1/8/64, -w, -n, -m 0/1, -D 1/2/4;
#               a third of them with -x (each client SIGKILLs itself holding its window), and
#               in the others a client is now and then killed with kill -9 from outside.
# At the end (load stopped, victims killed, survivors quiet):
#   - the live set is exactly the survivors' expected sets (from their own logs), nothing else;
#   - every process that held memory and died was reaped: exactly one audit record each
#     (matched by pid and start time), with exactly what it held where that is known (victims:
#     their logged messages; allocgen -x and normally ending clients: their window); the
#     survivors never reaped; no other reap records;
#   - every event committed; a final allocgen -q run MATCHes; a clean stop.
# Figures: processes of each kind, events, reap latency (kill -9 to audit record), daemon
# memory (VmHWM) and commit lag sampled every 10 s.
#
# Usage: reliability/soak.sh [--quick]      (default 600 s; --quick: 60 s)
# Knobs: DURATION (s), SEED, TRACKER_JAR, REL_BUILD=head, REL_KEEP=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_quick "$@"

DURATION="${DURATION:-$([ "$quick" = 1 ] && echo 60 || echo 600)}"
SEED="${SEED:-$RANDOM}"
RANDOM=$SEED

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }
start_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'; }
rnd() { echo $(($1 + RANDOM % ($2 - $1 + 1))); } # rnd LO HI

build_tools
freeze_product
log "soak: DURATION=${DURATION}s SEED=$SEED work=$work"
start_daemon soak
log "daemon pid $daemon_pid"
procs="$work/procs.txt"   # kind pid start_ticks [expected records bytes] [kill time us]
: >"$procs"

# ---- survivors ----
survivors=()
for i in 1 2 3; do
    rate=$((300 * i * i / 2 + 150))
    spawn sp python3 "$rel/reclient.py" --socket "$daemon_sock" --log "$work/s$i.log" --status "$work/s$i.status" \
        --seed "$((SEED + i))" --rate "$rate" --window $((200 * i)) --devices "$i,$((i + 3))" --mix --refcount 2>>"$work/s$i.err"
    survivors+=("$sp")
    echo "survivor $sp $(start_ticks "$sp") s$i" >>"$procs"
done

declare -A victim_death=() victim_log=()
declare -A gen_out=() run_cfg=() run_x=() run_k=() run_parsed=()
victims_total=0 runs_total=0 external_kills=0
next_victim=0 next_run=0 next_sample=0
samples="$work/samples.txt"
: >"$samples"

spawn_victim() {
    local i=$victims_total vp
    spawn vp python3 "$rel/reclient.py" --socket "$daemon_sock" --log "$work/v$i.log" --seed "$((SEED * 7 + i))" \
        --rate "$(rnd 200 2000)" --window "$(rnd 50 500)" --devices "$(rnd 1 3),$(rnd 4 6)" --mix --refcount 2>>"$work/victims.err"
    victim_death[$vp]=$(($(now_us) + $(rnd 2000 20000) * 1000))
    victim_log[$vp]="$work/v$i.log"
    echo "victim $vp $(start_ticks "$vp") v$i" >>"$procs"
    victims_total=$((victims_total + 1))
}

kill_victim() {
    local vp=$1 t
    t=$(now_us)
    kill -KILL "$vp" 2>/dev/null || true
    wait "$vp" 2>/dev/null || true
    forget "$vp"
    sed -i "s/^victim $vp \([0-9]*\) \(v[0-9]*\)\$/victim $vp \1 \2 killed $t/" "$procs"
    unset "victim_death[$vp]"
}

spawn_run() {
    local k b w n mix dev x cfg gp o i=$runs_total
    k=$(rnd 1 4)
    b=$(echo 1 8 64 | cut -d' ' -f"$(rnd 1 3)")
    w=$(echo 100 500 1000 | cut -d' ' -f"$(rnd 1 3)")
    n=$(rnd 20000 300000)
    mix=$((RANDOM % 2))
    dev=$(echo 1 2 4 | cut -d' ' -f"$(rnd 1 3)")
    x=$((RANDOM % 3 == 0 ? 1 : 0))
    cfg="-k $k -n $n -w $w -b $b -z 4096 -m $mix -D $dev"
    [ $x = 1 ] && cfg+=" -x -H $(rnd 0 3000)"
    o="$work/run-$i.out"
    # shellcheck disable=SC2086
    spawn gp "$allocgen" -s "$daemon_sock" $cfg -P -t 120 >"$o" 2>&1
    gen_out[$gp]=$o run_cfg[$gp]=$cfg run_x[$gp]=$x run_k[$gp]=$k run_parsed[$gp]=0
    echo "$gp $(now_us)" >>"$work/runs.txt"
    # read the clients' start times while they wait at allocgen's start barrier
    local until_us=$(($(now_us) + 3000000))
    until parse_run_pids "$gp" || [ "$(now_us)" -gt $until_us ]; do sleep 0.01; done
    runs_total=$((runs_total + 1))
}

# the client pids of a run, once allocgen printed them (they wait at its start barrier then)
parse_run_pids() {
    local gp=$1 p
    [ "${run_parsed[$gp]}" = 1 ] && return 0
    [ "$(grep -c '^client pid=' "${gen_out[$gp]}")" -ge "${run_k[$gp]}" ] || return 1
    for p in $(sed -n 's/^client pid=//p' "${gen_out[$gp]}"); do
        echo "agen-client $p $(start_ticks "$p") run=$gp" >>"$procs"
    done
    run_parsed[$gp]=1
}

finish_run() {
    local gp=$1 rc=0 line p n w mix dev cfg
    wait "$gp" 2>/dev/null || rc=$?
    forget "$gp"
    parse_run_pids "$gp" || true
    cfg=${run_cfg[$gp]}
    read -r n w mix dev <<<"$(awk '{ for (i = 1; i < NF; i++) { if ($i == "-n") n = $(i+1); if ($i == "-w") w = $(i+1); if ($i == "-m") m = $(i+1); if ($i == "-D") d = $(i+1) } } END { print n, w, m, d }' <<<"$cfg")"
    # each client's fate: crashed on purpose (-x), killed by us, or ended normally
    for p in $(sed -n 's/^client pid=//p' "${gen_out[$gp]}"); do
        if grep -q "^agen-client $p [0-9]* run=$gp killed" "$procs"; then
            continue
        elif [ "${run_x[$gp]}" = 1 ]; then
            line=$(grep "^crashed pid=$p " "${gen_out[$gp]}" || true)
            sed -i "s/^agen-client $p \([0-9]*\) run=$gp\$/agen-crashed $p \1 $(field live_buffers "$line") $(field live_bytes "$line") run=$gp/" "$procs"
        else
            sed -i "s/^agen-client $p \([0-9]*\) run=$gp\$/agen-exited $p \1 expect $n $w $mix $dev run=$gp/" "$procs"
        fi
    done
    unset "gen_out[$gp]" "run_cfg[$gp]" "run_x[$gp]" "run_k[$gp]" "run_parsed[$gp]"
}

kill_a_client() { # kill -9 one client of a running (non -x) allocgen run
    local gp p t
    for gp in "${!gen_out[@]}"; do
        [ "${run_x[$gp]}" = 0 ] && parse_run_pids "$gp" || continue
        for p in $(sed -n 's/^client pid=//p' "${gen_out[$gp]}"); do
            grep -q "^agen-client $p [0-9]* run=$gp\$" "$procs" || continue
            kill -0 "$p" 2>/dev/null || continue
            t=$(now_us)
            kill -KILL "$p" 2>/dev/null || continue
            sed -i "s/^agen-client $p \([0-9]*\) run=$gp\$/agen-client $p \1 run=$gp killed $t/" "$procs"
            external_kills=$((external_kills + 1))
            return 0
        done
    done
}

sample() {
    local s
    s=$(trk ctl --timeout 10 "$daemon_ctl" -- stats --db "$daemon_db" --format json 2>/dev/null |
        python3 -c 'import json,sys; s=json.load(sys.stdin); d=s["daemon"]; c=s["counters"]; print(d["events_received"], d["events_committed"], round(d["commit_lag_ms"]), d["queue_depth"], c["live_records"])' 2>/dev/null || echo "? ? ? ? ?")
    echo "$(( ($(now_us) - t0_us) / 1000000 )) $(daemon_peak_mb) $(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$daemon_pid/status") $s" >>"$samples"
}

# ---- the soak ----
t0_us=$(now_us)
end_us=$((t0_us + DURATION * 1000000))
while [ "$(now_us)" -lt $end_us ]; do
    t=$(now_us)
    kill -0 "$daemon_pid" 2>/dev/null || die "the daemon died"
    if [ ${#victim_death[@]} -lt 3 ] && [ "$t" -ge $next_victim ]; then
        spawn_victim
        next_victim=$((t + $(rnd 1000 6000) * 1000))
    fi
    for vp in "${!victim_death[@]}"; do
        [ "$t" -ge "${victim_death[$vp]}" ] && kill_victim "$vp"
    done
    if [ ${#gen_out[@]} -lt 2 ] && [ "$t" -ge $next_run ]; then
        spawn_run
        next_run=$((t + $(rnd 500 4000) * 1000))
    fi
    for gp in "${!gen_out[@]}"; do
        parse_run_pids "$gp" || true
        kill -0 "$gp" 2>/dev/null || finish_run "$gp"
    done
    [ $((RANDOM % 8)) != 0 ] || kill_a_client || true
    if [ "$t" -ge $next_sample ]; then
        sample
        next_sample=$((t + 10000000))
    fi
    sleep 0.2
done
log "load stopped after ${DURATION}s: $victims_total victims, $runs_total allocgen runs, $external_kills allocgen clients killed from outside"

# ---- wind down: runs end by themselves (or are killed), victims are killed, survivors go quiet ----
deadline=$((SECONDS + 150))
while [ ${#gen_out[@]} -gt 0 ]; do
    for gp in "${!gen_out[@]}"; do
        parse_run_pids "$gp" || true
        if ! kill -0 "$gp" 2>/dev/null; then
            finish_run "$gp"
        elif [ $SECONDS -ge $deadline ]; then
            for p in $(sed -n 's/^client pid=//p' "${gen_out[$gp]}"); do
                kill -0 "$p" 2>/dev/null && kill -KILL "$p" &&
                    sed -i "s/^agen-client $p \([0-9]*\) run=$gp\$/agen-client $p \1 run=$gp killed $(now_us)/" "$procs"
            done
            kill -KILL "$gp" 2>/dev/null || true
        fi
    done
    sleep 0.2
done
for vp in "${!victim_death[@]}"; do kill_victim "$vp"; done
for sp in "${survivors[@]}"; do kill -USR1 "$sp"; done
for i in 1 2 3; do
    until grep -q '^state=paused' "$work/s$i.status" 2>/dev/null; do sleep 0.05; done
done
sample
# wait until only the survivors hold records
t_quiet=$(now)
deadline=$((SECONDS + 180))
surv_list=$(IFS=,; echo "${survivors[*]}")
while :; do
    others=$(cli sql --db "$daemon_db" --format csv \
        "SELECT COUNT(*) FROM allocations a JOIN processes p ON a.process_id = p.id WHERE p.pid IS NULL OR p.pid NOT IN ($surv_list)" | tail -1)
    [ "$others" = 0 ] || [ $SECONDS -ge $deadline ] && break
    sleep 0.5
done
settle_s=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t_quiet")
committed=$(trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 180) || true

# ---- checks ----
cli dump --db "$daemon_db" --format json >"$work/dump.json"
surv_ok=0 surv_rows=0
for i in 1 2 3; do
    sp=${survivors[$((i - 1))]}
    r=$(python3 "$rel/model.py" check --log "$work/s$i.log" --state "$work/s$i.state" --rows "$work/dump.json" --pid "$sp" || true)
    echo "survivor $sp $r" >>"$work/model.txt"
    python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(not (r['match'] and r['lost'] == 0))" "$r" && surv_ok=$((surv_ok + 1))
    surv_rows=$((surv_rows + $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['rows'])" "$r")))
done
all_rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/dump.json")
expect '[ $surv_ok = 3 ] && [ "$others" = 0 ] && [ "$all_rows" = "$surv_rows" ]' \
    "the live set is exactly the 3 survivors' expected sets ($surv_ok/3 exact, $surv_rows records), nothing else ($all_rows records in all; settled ${settle_s} s after the load stopped)"

# the audit, matched to every process by (pid, start time)
vic_list=$(awk '$1 == "victim" { printf "%s%s", sep, $2; sep = "," }' "$procs")
cli sql --db "$daemon_db" --format csv \
    "SELECT id, pid, start_ticks, reason, buffers + cbs + kernels AS records, buffer_bytes + cb_bytes + kernel_bytes AS bytes, reaped_at, first_seen FROM reaps" >"$work/reaps.csv"
cli sql --db "$daemon_db" --format csv \
    "SELECT r.pid, r.start_ticks, ra.kind, ra.device_id, ra.buffer_id, ra.type, ra.size, ra.ref_count FROM reaped_allocations ra JOIN reaps r ON ra.reap_id = r.id WHERE r.pid IN (${vic_list:-0})" >"$work/victim-rows.csv"
python3 - "$procs" "$work/reaps.csv" "$work/victim-rows.csv" "$work" "$rel" >"$work/audit.txt" <<'EOF'
import csv, datetime, json, os, subprocess, sys
procs, reaps_csv, rows_csv, work, rel = sys.argv[1:]
sys.path.insert(0, rel)
import trk
reaps = list(csv.DictReader(open(reaps_csv)))
by_proc = {}
for r in reaps:
    by_proc.setdefault((r["pid"], r["start_ticks"]), []).append(r)
rows = {}
for r in csv.DictReader(open(rows_csv)):
    rows.setdefault((r["pid"], r["start_ticks"]), []).append(r)
def epoch(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
fig = dict(survivors=0, victims=0, victims_empty=0, victims_exact=0, crashed=0, crashed_exact=0, exited=0,
           exited_exact=0, killed=0, killed_reaped=0, unknown=0, bad=0)
latencies, problems, matched = [], [], set()
run_t0 = {}
if os.path.exists(os.path.join(work, "runs.txt")):
    for l in open(os.path.join(work, "runs.txt")):
        g, t = l.split()
        run_t0[g] = int(t) / 1e6
for line in open(procs):
    f = line.split()
    if f[0].startswith("agen") and not f[2].isdigit():
        f.insert(2, "")   # died before its start time could be read
    kind, pid, start = f[0], f[1], f[2]
    if start:
        mine = by_proc.get((pid, start), [])
        matched.add((pid, start))
    else:  # by pid, among the reaps of processes first seen after its run started
        run = [x for x in f if x.startswith("run=")]
        t0 = run_t0.get(run[0][4:], 0) if run else 0
        mine = [r for r in reaps if r["pid"] == pid and epoch(r["first_seen"]) >= t0 - 1]
        matched.update((r["pid"], r["start_ticks"]) for r in mine)
    if kind == "survivor":
        fig["survivors"] += 1
        if mine:
            problems.append("survivor %s reaped: %s" % (pid, mine)); fig["bad"] += 1
    elif kind == "victim":
        fig["victims"] += 1
        csv_path = os.path.join(work, "victim-%s.csv" % pid)
        with open(csv_path, "w") as out:
            w = csv.writer(out)
            w.writerow(["kind", "device_id", "buffer_id", "type", "size", "ref_count"])
            for r in rows.get((pid, start), []):
                w.writerow([r["kind"], r["device_id"], r["buffer_id"], r["type"], r["size"], r["ref_count"]])
        res = json.loads(subprocess.run([sys.executable, os.path.join(rel, "model.py"), "check", "--log", os.path.join(work, f[3] + ".log"),
                                         "--state", os.path.join(work, f[3] + ".state"), "--rows", csv_path, "--pid", pid, "--final"],
                                        capture_output=True, text=True).stdout)
        # everything it sent whole must be there; its last message too unless it died sending it
        complete = res["match"] and (res["lost"] == 0 or (res["lost"] == 1 and res["unsure_last"]))
        if complete and res["rows"] == 0 and not mine:
            fig["victims_empty"] += 1   # killed holding nothing: no reap record is right
        elif len(mine) == 1 and complete:
            fig["victims_exact"] += 1
            if len(f) > 5:
                latencies.append(epoch(mine[0]["reaped_at"]) - int(f[5]) / 1e6)
        else:
            problems.append("victim %s: %d reap records, model %s" % (pid, len(mine), res)); fig["bad"] += 1
    elif kind == "agen-crashed":
        fig["crashed"] += 1
        if len(mine) == 1 and int(mine[0]["records"]) == int(f[3]) and int(mine[0]["bytes"]) == int(f[4]):
            fig["crashed_exact"] += 1
        else:
            problems.append("allocgen -x client %s (held %s/%s): %s" % (pid, f[3], f[4], [(r["reason"], r["records"], r["bytes"]) for r in mine])); fig["bad"] += 1
    elif kind == "agen-exited":
        fig["exited"] += 1
        n, w, mix, dev = (int(x) for x in f[4:8])
        e = trk.allocgen_expect(n, w, 4096, mix, dev)
        if len(mine) == 1 and int(mine[0]["records"]) == e["records"] and int(mine[0]["bytes"]) == e["bytes"]:
            fig["exited_exact"] += 1
        else:
            problems.append("allocgen client %s (ended, held %d/%d): %s" % (pid, e["records"], e["bytes"], [(r["reason"], r["records"], r["bytes"]) for r in mine])); fig["bad"] += 1
    elif kind == "agen-client" and "killed" in f:
        fig["killed"] += 1
        if len(mine) == 1 and int(mine[0]["records"]) > 0:
            fig["killed_reaped"] += 1
            latencies.append(epoch(mine[0]["reaped_at"]) - int(f[f.index("killed") + 1]) / 1e6)
        elif len(mine) > 1:
            problems.append("killed allocgen client %s: %d reap records" % (pid, len(mine))); fig["bad"] += 1
        else:
            fig["unknown"] += 1  # killed before it sent anything that stayed live
    else:
        fig["unknown"] += 1
        problems.append("unaccounted %s" % line.strip())
extra = [r for r in reaps if (r["pid"], r["start_ticks"]) not in matched]
fig["extra_reaps"] = len(extra)
fig["reaps"] = len(reaps)
latencies.sort()
fig["reap_latency_median_s"] = round(latencies[len(latencies) // 2], 2) if latencies else None
fig["reap_latency_max_s"] = round(latencies[-1], 2) if latencies else None
print(json.dumps(fig))
for p in problems[:10] + ["extra reap: %s" % r for r in extra[:5]]:
    print(p)
EOF
audit=$(head -1 "$work/audit.txt")
tail -n +2 "$work/audit.txt" | while read -r line; do log "  $line"; done
a() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$audit" "$1"; }
expect '[ "$(a bad)" = 0 ] && [ "$(a extra_reaps)" = 0 ]' \
    "audit: one record per dead process that held memory, matched by pid and start time: victims $(a victims_exact) exact + $(a victims_empty) that held nothing, of $(a victims); allocgen -x $(a crashed_exact)/$(a crashed) exact; killed allocgen clients $(a killed_reaped) reaped of $(a killed) (others had nothing live); ended allocgen clients $(a exited_exact)/$(a exited) exact; survivors never reaped; $(a extra_reaps) other records ($(a reaps) in all)"
log "reap latency, kill -9 to audit record: median $(a reap_latency_median_s) s, max $(a reap_latency_max_s) s"
dead_open=$(cli sql --db "$daemon_db" --format csv "SELECT COUNT(*) FROM processes p WHERE p.ended_at IS NULL AND p.pid NOT IN ($surv_list) AND EXISTS (SELECT 1 FROM allocations a WHERE a.process_id = p.id)" | tail -1)
expect '[ "$dead_open" = 0 ]' "no dead process still holds records ($dead_open)"
read -r received ecommitted <<<"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("events_received"), d.get("events_committed"))' "$committed")"
expect '[ -n "$received" ] && [ "$received" = "$ecommitted" ]' "every event committed: $ecommitted of $received"
spawn gp "$allocgen" -s "$daemon_sock" -k 4 -n 50000 -w 1000 -b 8 -D 1 -q -t 120 >"$work/final.out" 2>&1
rc=0
wait "$gp" || rc=$?
forget "$gp"
expect '[ $rc = 0 ] && grep -q "> MATCH" "$work/final.out"' "after the soak a new allocgen -q run MATCHes ($(grep '^query' "$work/final.out" | cut -c1-100))"
malformed=$(cli stats --db "$daemon_db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["malformed_frames"])')
read -r peak_mb max_lag <<<"$(awk '$2 != "?" && $2 > m { m = $2 } $6 != "?" && $6 > l { l = $6 } END { print m + 0, l + 0 }' "$samples")"
log "figures: $(awk '$1 == "survivor"' "$procs" | wc -l) survivors, $victims_total victims, $runs_total allocgen runs ($(grep -c '^agen' "$procs") clients), $external_kills killed from outside; malformed frames (kills mid-send): $malformed; peak memory $peak_mb MiB; commit lag sampled up to $max_lag ms; database $(du -h "$daemon_db.mv.db" | cut -f1)"
cp "$samples" "$run_out/samples.txt"
cp "$procs" "$run_out/procs.txt"
for sp in "${survivors[@]}"; do stop_group "$sp"; done
stop_daemon
expect '{ [ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]; } && tail -2 "$daemon_log" | grep -q "stopped:"' "clean stop (exit status $daemon_rc)"
summary
