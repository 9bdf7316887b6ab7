#!/bin/bash
# Whole-process time and peak memory of `cohort simulate -x FILE --placement`
# against Pacemaker's `crm_simulate -x FILE -s` on the same generated CIBs
# (core/benches/support/gen_cib.rs), with the ratios. Needs pacemaker-cli-utils and
# /usr/bin/time.
#
# usage: runtime/benches/vs_crm_simulate.sh [PRIMITIVESxNODES ...]
#        (default: 100x3 1000x32 5000x32)
# env:   CRM_TIMEOUT_S  give up on crm_simulate after this long (default 3600)
#        KEEP_DIR       keep the CIBs and outputs there (default: a temp dir)
#
# Last measured (2026-11-25, 2 cores, load 2-6 from other builds; peak RSS):
#   1000x32  cohort 0.41 s (0.35 s CPU) 13.1 MB  crm_simulate -s 128.35 s
#            (121.83 s CPU) 475.2 MB: 313x wall, 348x CPU, 36x memory
#   5000x32  cohort 1.64 s (1.61 s CPU) 52.6 MB  crm_simulate -s 5358 s
#            (2617 s user CPU) 2298 MB: ~3300x wall, ~1600x CPU, 44x memory
#            (crm_simulate run once, alone, on the same generated file)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100x3 1000x32 5000x32)
timeout_s=${CRM_TIMEOUT_S:-3600}
dir=${KEEP_DIR:-$(mktemp -d)}
mkdir -p "$dir"
export CIB_shadow_dir="$dir/shadow"
mkdir -p "$CIB_shadow_dir"

cargo build -q --release -p cohort-runtime --bin cohort
cargo build -q --release -p cohort-core --example gen_cib
cohort=target/release/cohort
gen=target/release/examples/gen_cib

# Prints "SECONDS CPU_SECONDS PEAK_KB" of one command (wall clock, user+system
# CPU, peak resident set), or "- - -" when it failed or timed out. CPU time is
# the fairer speed figure on a loaded machine; both are printed.
measure() {
    local out=$1; shift
    if /usr/bin/time -f "%e %U %S %M" -o "$out.time" timeout "$timeout_s" "$@" > "$out" 2> "$out.err"; then
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out.time"
    else
        echo "- - -"
    fi
}

ratio() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / (b > 0 ? b : 0.001) }'; fi; }

printf "%-10s %9s %9s %9s %9s %10s %10s %7s %7s %7s\n" size cohort_s cohort_cpu crm_s crm_cpu \
    cohort_MB crm_MB speed cpu memory
for size in "${sizes[@]}"; do
    primitives=${size%x*}; nodes=${size#*x}
    cib="$dir/cib-$size.xml"
    "$gen" "$primitives" "$nodes" > "$cib"
    read -r c_s c_cpu c_kb < <(measure "$dir/cohort-$size.txt" "$cohort" simulate -x "$cib" --placement)
    read -r p_s p_cpu p_kb < <(measure "$dir/crm-$size.txt" crm_simulate -x "$cib" -s)
    mb() { if [ "$1" = - ]; then echo -; else awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; fi; }
    printf "%-10s %9s %9s %9s %9s %10s %10s %7s %7s %7s\n" "$size" "$c_s" "$c_cpu" "$p_s" "$p_cpu" \
        "$(mb "$c_kb")" "$(mb "$p_kb")" "$(ratio "$p_s" "$c_s")" "$(ratio "$p_cpu" "$c_cpu")" \
        "$(ratio "$p_kb" "$c_kb")"
done
echo "(files in $dir)"
