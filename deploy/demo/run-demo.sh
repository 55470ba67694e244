#!/usr/bin/env bash
# The local demo: the whole system on this machine, in a temporary folder, on ipc:// endpoints.
#
# It creates keys and configurations, starts the aggregator and one agent per submitter (8 departments and 22
# district heads), and drops each department's files into its agent's inbox on its own schedule — including a
# conflicting resend, an unauthorized attempt, a malformed file and a late department — while the live ranking
# redraws. It ends with the final table, checks it against `kaoping score` over the same data, raises findings and
# answers them (a plan returned and sent again, one finding overdue, one rectified), and stops every process it
# started.
#
# The web console runs too (kaoping-web, on 127.0.0.1:${WEB_PORT:-8080}, or a free port when that one is taken); its
# address and a sign-in for leadership are printed. With KEEP=1 everything stays up after the campaign until Ctrl-C.
#
# Usage: deploy/demo/run-demo.sh BIN_DIR   (BIN_DIR holds kaoping, kaoping-agent, kaoping-aggregator, kaoping-web)
set -euo pipefail
bin=$(cd "${1:-.build/debug}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/kaoping-demo.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_DEMO:-0}" = 1 ]; then echo "demo files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
kaoping() { "$bin/kaoping" "$@"; }
endpoint() { echo "ipc://$work/$1"; }

say "Kaoping demo in $work"
# ---- keys and the keyring
mkdir -p "$work/keys" "$work/agents"
kaoping keygen --submitter aggregator --out "$work/keys/aggregator.key" > "$work/keys/aggregator.line"
read -r _ aggregator_public aggregator_curve _ < "$work/keys/aggregator.line"
kaoping keygen --submitter operator --out "$work/keys/operator.key" > "$work/keyring.txt"
kaoping keygen --submitter viewer:leadership --out "$work/keys/viewer.key" >> "$work/keyring.txt"  # reads results
kaoping keygen --submitter viewer:web --out "$work/keys/web.key" >> "$work/keyring.txt"  # the web console reads too
departments="survey_vendor city_ops assessment_team party_office self_governance_office safety_office assessment_office discipline_commission"
leaders=$(for n in $(seq -w 1 22); do echo "leader:D$n"; done)
for submitter in $departments $leaders; do
    name=${submitter/:/_}
    kaoping keygen --submitter "$submitter" --out "$work/keys/$name.key" >> "$work/keyring.txt"
done
say "keys: 1 aggregator, 1 operator, 2 viewers, 8 departments, 22 district heads (Ed25519 to sign, CURVE to encrypt)"

# ---- the aggregator
"$bin/kaoping-aggregator" --store "$work/aggregator.sqlite" --keyring "$work/keyring.txt" \
    --identity "$work/keys/aggregator.key" --roster "$here/roster.csv" \
    --ingest "$(endpoint ingest)" --feed "$(endpoint feed)" --snapshot "$(endpoint snapshot)" \
    --control "$(endpoint control)" > "$work/aggregator.out" 2> "$work/aggregator.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q ready "$work/aggregator.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/aggregator.out" || { echo "the aggregator did not start:"; cat "$work/aggregator.log"; exit 1; }
say "aggregator up: $(cat "$work/aggregator.out")"

# ---- the web console, with three accounts
password=kaoping-demo
for account in "leadership leadership" "operator operator" "d05 district:D05"; do
    set -- $account
    echo "$password" | kaoping web users add "$1" --role "$2" --accounts "$work/web-accounts" --password-stdin >/dev/null
done
web_port=${WEB_PORT:-8080}
if (exec 3<>"/dev/tcp/127.0.0.1/$web_port") 2>/dev/null; then web_port=0; fi  # taken: any free port
"$bin/kaoping-web" --port "$web_port" --accounts "$work/web-accounts" --store "$work/aggregator.sqlite" \
    --keyring "$work/keyring.txt" --key "$work/keys/web.key" --aggregator-key "$work/keys/aggregator.line" \
    --feed "$(endpoint feed)" --snapshot "$(endpoint snapshot)" --control "$(endpoint control)" \
    > "$work/web.out" 2> "$work/web.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q ready "$work/web.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/web.out" || { echo "the web console did not start:"; cat "$work/web.log"; exit 1; }
web_url=$(sed -n 's/.*url=//p' "$work/web.out")
say "web console: $web_url — sign in as leadership / $password (also operator, and d05 for district D05)"

# ---- one agent per submitter, each with its inbox
for submitter in $departments $leaders; do
    name=${submitter/:/_}
    mkdir -p "$work/agents/$name/inbox"
    check=true
    [ "$submitter" = "leader:D07" ] && check=false   # this head's software skips local checks: the aggregator decides
    cat > "$work/agents/$name/agent.yaml" <<EOF
key: $work/keys/$name.key
aggregator: $(endpoint ingest)
aggregator_public_key: "$aggregator_public"
aggregator_curve_key: "$aggregator_curve"
outbox: $work/agents/$name/outbox.sqlite
inbox: $work/agents/$name/inbox
roster: $here/roster.csv
local_check: $check
heartbeat_seconds: 5
inbox_scan_seconds: 1
retry_initial_seconds: 0.5
retry_max_seconds: 5
EOF
    "$bin/kaoping-agent" run --config "$work/agents/$name/agent.yaml" --log-level warning \
        2> "$work/agents/$name/agent.log" &
    pids+=($!)
done
say "30 agents running (8 departments, 22 district heads)"

# ---- each department's files, split by the demo's schedule
python3 "$here/split-sample.py" "$here/sample-campaign.jsonl" "$work/drops"

# ---- the live ranking, while the departments deliver on their own schedule (a line per update when not a terminal)
# Leadership reads with its viewer key: only listed viewers and the operator read the results.
feed=(--feed "$(endpoint feed)" --snapshot "$(endpoint snapshot)" --aggregator-key "$work/keys/aggregator.line"
      --key "$work/keys/viewer.key")
kaoping watch "${feed[@]}" --workers 5 --seconds 150 --until-final &
watcher=$!
pids+=($watcher)

drop() {  # drop FILE into the inbox of SUBMITTER: the agent picks it up within a second
    local file=$1 submitter=${2/:/_}
    cp "$work/drops/$file" "$work/agents/$submitter/inbox/$file.tmp"
    mv "$work/agents/$submitter/inbox/$file.tmp" "$work/agents/$submitter/inbox/$file"
}
schedule() {
    sleep 2;  for n in $(seq -w 1 11); do drop "leader_D$n.jsonl" "leader:D$n"; done
    sleep 2;  drop party_office-1.jsonl party_office; drop city_ops-1.jsonl city_ops
    sleep 3;  drop survey_vendor.jsonl survey_vendor; drop self_governance_office.jsonl self_governance_office
    sleep 3;  drop city_ops-2.jsonl city_ops; for n in $(seq 12 22); do drop "leader_D$n.jsonl" "leader:D$n"; done
    sleep 3;  drop safety_office.jsonl safety_office; drop safety_office-typo.jsonl safety_office
    sleep 3;  drop assessment_team.jsonl assessment_team; drop city_ops-3.jsonl city_ops
    sleep 3;  drop assessment_office.jsonl assessment_office
    sleep 3;  drop party_office-2-conflict.jsonl party_office          # a clerk "fixes" D05 without a reopen
    sleep 4;  kaoping reopen --control "$(endpoint control)" --aggregator-key "$work/keys/aggregator.line" \
                  --key "$work/keys/operator.key" --district D05 --indicator party_building \
                  --reason "党建办来函更正：漏计两项片区共建活动" > "$work/reopen.out" 2>&1
    sleep 1;  drop party_office-3-corrected.jsonl party_office
    sleep 6;  drop discipline_commission.jsonl discipline_commission  # the late department
}
schedule
wait "$watcher" || true

# ---- the end: final table, the check against the offline scorer, what was refused
echo
say "final ranking (from the live aggregator)"
kaoping watch "${feed[@]}" --once --workers 10
say "operator's reopen: $(cat "$work/reopen.out")"
kaoping status --control "$(endpoint control)" --aggregator-key "$work/keys/aggregator.line" \
    --key "$work/keys/operator.key" | sed -n '/cells filled/,/aggregator:/p'
kaoping export "${feed[@]}" --format json > "$work/final.json"
kaoping export "${feed[@]}" --format csv --out "$work/final.csv" >/dev/null
kaoping score --input "$here/sample-campaign.jsonl" --roster "$here/roster.csv" > "$work/score.json"
python3 - "$work/final.json" "$work/score.json" <<'EOF'
import json, sys
live, offline = (json.load(open(path)) for path in sys.argv[1:3])
rows = lambda doc, kind, key: [(r[key], r["total"], r["rank"], r["grade"]) for r in doc[kind]]
same = all(rows(live, k, i) == rows(offline, k, i) for k, i in [("districts", "district"), ("workers", "worker")])
print("== live ranking equals `kaoping score` over the same data: %s (final: %s)" % ("yes" if same else "NO", live["final"]))
sys.exit(0 if same else 1)
EOF
say "refused by the aggregator (from the agents' outboxes):"
for submitter in party_office leader_D07; do
    "$bin/kaoping-agent" outbox --config "$work/agents/$submitter/agent.yaml" --state rejected | sed 's/^/  /'
done
say "refused by an agent before sending (inbox report):"
sed 's/^/  /' "$work"/agents/safety_office/inbox/failed/*.report.txt

# ---- feedback and rectification (§五(二)): the safety office reports problems, the heads answer with plans
agent() {  # a one-shot kaoping-agent command of SUBMITTER's agent, beside its daemon (they share the outbox)
    local submitter=${1/:/_}; shift
    "$bin/kaoping-agent" "$@" --config "$work/agents/$submitter/agent.yaml" --log-level warning
}
later=$(date -d "+30 days" +%F)
say "平安办 drops findings into its inbox (one about D05 was due long ago: overdue)"
printf '\xef\xbb\xbf编号,居民区,指标,问题,整改期限\r\nPA-D05-01,D05,稳定,矛盾纠纷排查台账不全，12户未建档,%s\r\nPA-D05-02,居民区05,,消防通道堵塞未清理,2024-03-31\r\nPA-D06-01,D06,稳定,群租整治未闭环,%s\r\n' \
    "$later" "$later" > "$work/findings.csv"
cp "$work/findings.csv" "$work/agents/safety_office/inbox/findings.csv.tmp"
mv "$work/agents/safety_office/inbox/findings.csv.tmp" "$work/agents/safety_office/inbox/findings.csv"
sleep 3
say "D05's head asks for its findings (written to its inbox's feedback/ folder) and answers one with a plan"
agent leader:D05 feedback | sed 's/^/  /'
agent leader:D05 plan --finding PA-D05-01 --measures "补建台账" --responsible "居委副主任" --complete-by "$later" \
    --id PA-D05-01-P1 | sed 's/^/  /'
say "平安办 returns the plan; D05's head sends a new one from a CSV dropped in its inbox; 平安办 accepts it"
agent safety_office review --finding PA-D05-01 --plan PA-D05-01-P1 --verdict 退回 --reason "措施不具体：写明核查范围和时限" \
    | sed 's/^/  /'
printf '问题编号,方案编号,整改措施,责任人,完成时限\nPA-D05-01,PA-D05-01-P2,逐户核查12户并建档，每月复核一次,居委副主任,%s\n' "$later" \
    > "$work/agents/leader_D05/inbox/plans.csv"
sleep 3
agent safety_office review --finding PA-D05-01 --plan PA-D05-01-P2 --verdict 通过 | sed 's/^/  /'
say "D06's head answers; 平安办 accepts, and marks it rectified (销号)"
agent leader:D06 plan --finding PA-D06-01 --measures "联合城管清理群租" --responsible "居委主任" --complete-by "$later" \
    --id PA-D06-01-P1 | sed 's/^/  /'
agent safety_office review --finding PA-D06-01 --plan PA-D06-01-P1 --verdict accepted | sed 's/^/  /'
agent safety_office review --finding PA-D06-01 --verdict rectified | sed 's/^/  /'
operator=(--control "$(endpoint control)" --aggregator-key "$work/keys/aggregator.line" --key "$work/keys/operator.key")
say "every finding, as the operator sees it:"
kaoping feedback list "${operator[@]}" | sed 's/^/  /'
say "one finding's whole signed history:"
kaoping feedback show PA-D05-01 "${operator[@]}" | sed 's/^/  /'
say "what D05's head has in its feedback folder:"
agent leader:D05 feedback >/dev/null
ls "$work/agents/leader_D05/inbox/feedback" | sed 's/^/  /'
kaoping audit verify --store "$work/aggregator.sqlite"
say "who sent party_building/D05, and what happened to it (from the audit log):"
kaoping audit history --store "$work/aggregator.sqlite" --district D05 --indicator party_building \
    --keyring "$work/keyring.txt" | sed 's/^/  /'
if [ "${KEEP:-0}" = 1 ]; then
    say "everything stays up: the web console at $web_url (leadership / $password); Ctrl-C stops it all"
    # Waited for, not run in front: a TERM (not only Ctrl-C) then stops everything at once.
    sleep infinity &
    pids+=("$!")
    wait "$!"
fi
say "stopping every process"
