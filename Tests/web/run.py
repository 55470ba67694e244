#!/usr/bin/env python3
"""The web console in a real browser: Playwright drives Debian's chromium against kaoping-web on a live aggregator.

It starts `kaoping-aggregator` (CURVE on) with a catalog whose district D03 is named with markup, sends the demo
campaign but the discipline commission's lines with the protocol test's Python client, starts `kaoping-web` with
three accounts, and checks, in chromium:
  - leadership signs in and sees a district's total and rank change without a reload while an agent delivers the
    discipline commission's deductions;
  - every number of the ranking page equals `kaoping score` over the same lines;
  - the heatmap marks exactly the cells `kaoping score` lists missing;
  - a district account sees only its district (others absent from every page's HTML and from the JSON answer; their
    URLs refused);
  - a wrong password, too many attempts, an expired session and a request without its CSRF token are refused;
  - markup in a district's name and in a reopen's reason shows as text;
  - downloads (CSV with a BOM, .xlsx) and /metrics (this machine only).
A screenshot of each page is written to .build/web-screenshots/. Every process started is stopped.

Usage: run.py --bin .build/debug [--chromium /usr/bin/chromium]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "protocol"))

PASSWORD = "web-test-password"
MARKUP_NAME = "居民区03<script>window.__xss=1</script>"
MARKUP_REASON = "更正<img src=x onerror=\"window.__xss=2\">来函"
LATE = "discipline_commission"


def keygen(kaoping, submitter, folder):
    path = os.path.join(folder, submitter.replace(":", "_") + ".key")
    line = subprocess.run([kaoping, "keygen", "--submitter", submitter, "--out", path], check=True,
                          capture_output=True, text=True).stdout.strip()
    return path, line


def start(command, folder, name):
    log = open(os.path.join(folder, name + ".log"), "w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.time() + 30
    line = ""
    while time.time() < deadline and "ready" not in line:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
    if "ready" not in line:
        process.kill()
        raise RuntimeError("%s did not start: %s" % (name, open(os.path.join(folder, name + ".log")).read()))
    return process, line.strip()


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def score(kaoping, lines, folder, catalog, roster):
    path = os.path.join(folder, "scored-input.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return json.loads(subprocess.run([kaoping, "score", "--input", path, "--catalog", catalog, "--roster", roster],
                                     check=True, capture_output=True, text=True).stdout)


def send_with_python_client(pc, schema, records, keys, endpoints, aggregator_public, aggregator_curve):
    """Sends the records in order (a reopen waits for the receipts before it)."""
    curve_of = lambda submitter: (aggregator_curve, keys[submitter].curve_public, keys[submitter].curve_secret)
    client = pc.Client(schema, endpoints, aggregator_public, "zhongshan-2023", curve=curve_of,
                       control_curve=curve_of("operator"))
    pending = []
    for number, record in records:
        if record.get("action") == "reopen":
            client.submit_all(pending, batch_for=lambda _: 16)
            pending = []
            reply = client.reopen(keys["operator"], record["indicator"], record["district"], record.get("worker", ""),
                                  record.get("period", ""), MARKUP_REASON, "reopen-%d" % number)
            assert reply.ok, reply.error
            continue
        submission = schema["Submission"](
            submission_id=record["submission_id"], submitter=record["submitter"], campaign=record["campaign"],
            indicator=record["indicator"], district=record["district"], worker=record.get("worker", ""),
            period=record.get("period", ""), score=str(record.get("score", "")),
            respondents=record.get("respondents", 0), key_respondents=record.get("key_respondents", 0),
            participants=record.get("participants", 0), note=record.get("note", ""),
            signed_at_ms=int(time.time() * 1000))
        for metric, rate in (record.get("hotline") or {}).items():
            submission.hotline[metric] = rate
        pending.append((record["submitter"],
                        keys[record["submitter"]].seal(schema, "submission", "zhongshan-2023", submission)))
    client.submit_all(pending, batch_for=lambda _: 16)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--shots", default=os.path.join(ROOT, ".build", "web-screenshots"))
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
        import python_client as pc
    except ImportError as error:
        print("web: cannot import playwright or the protocol client (%s); run scripts/ensure-deps.sh --test-tools"
              % error, file=sys.stderr)
        return 2
    from checks import Checks
    checks = Checks("web")
    kaoping = os.path.join(args.bin, "kaoping")
    os.makedirs(args.shots, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="kaoping-web-")
    processes = []
    try:
        run(args, checks, pc, kaoping, folder, processes, sync_playwright)
    finally:
        stop(processes)
        shutil.rmtree(folder, ignore_errors=True)
    print(checks.summary())
    return 1 if checks.failed else 0


def run(args, checks, pc, kaoping, folder, processes, sync_playwright):
    roster = os.path.join(ROOT, "deploy", "demo", "roster.csv")
    sample = os.path.join(ROOT, "deploy", "demo", "sample-campaign.jsonl")
    catalog = os.path.join(folder, "catalog.yaml")
    shown = subprocess.run([kaoping, "catalog", "show"], check=True, capture_output=True, text=True).stdout
    with open(catalog, "w", encoding="utf-8") as handle:
        handle.write(shown.replace('{id: "D03", name: "居民区03"}', '{id: "D03", name: %s}' % json.dumps(MARKUP_NAME)))
    with open(sample, encoding="utf-8") as handle:
        texts = [text for text in handle.read().splitlines() if text.strip()]
    records = [(number, json.loads(text)) for number, text in enumerate(texts, start=1)]
    # Lines with a JSON number for a score cannot go on the wire as the decimal string they stand for.
    kept = [(n, r) for n, r in records if r.get("action") == "reopen" or isinstance(r.get("score", ""), str)]
    early = [(n, r) for n, r in kept if r.get("submitter") != LATE]
    late = [r for _, r in kept if r.get("submitter") == LATE]
    as_line = lambda record: json.dumps(dict(record, reason=MARKUP_REASON) if record.get("action") == "reopen"
                                        else record, ensure_ascii=False)

    # Keys and the aggregator.
    submitters = sorted({r.get("submitter", "") for _, r in kept if r.get("submitter")} | {"operator"})
    keys, key_files, keyring = {}, {}, []
    for submitter in submitters:
        path, line = keygen(kaoping, submitter, folder)
        keys[submitter], key_files[submitter] = pc.Signer(path), path
        keyring.append(line)
    web_key, web_line = keygen(kaoping, "viewer:web", folder)
    keyring.append(web_line)
    keyring_path = os.path.join(folder, "keyring.txt")
    with open(keyring_path, "w") as handle:
        handle.write("\n".join(keyring) + "\n")
    aggregator_key, aggregator_line = keygen(kaoping, "aggregator", folder)
    aggregator_line_path = os.path.join(folder, "aggregator.line")
    with open(aggregator_line_path, "w") as handle:
        handle.write(aggregator_line + "\n")
    with open(aggregator_key) as handle:
        import base64
        document = json.load(handle)
        aggregator_public = base64.b64decode(document["public_key"])
        aggregator_curve = base64.b64decode(document["curve_public_key"])
    endpoints = {name: "ipc://%s/%s" % (folder, name) for name in ["ingest", "feed", "snapshot", "control"]}
    store = os.path.join(folder, "store.sqlite")
    aggregator, _ = start(
        [os.path.join(args.bin, "kaoping-aggregator"), "--store", store, "--keyring", keyring_path, "--identity",
         aggregator_key, "--roster", roster, "--catalog", catalog, "--ingest", endpoints["ingest"], "--feed",
         endpoints["feed"], "--snapshot", endpoints["snapshot"], "--control", endpoints["control"]],
        folder, "aggregator")
    processes.append(aggregator)
    schema = pc.load_schema(os.path.join(ROOT, "proto", "kaoping-v1.desc"))
    send_with_python_client(pc, schema, early, keys, endpoints, aggregator_public, aggregator_curve)

    # Accounts and the console.
    accounts = os.path.join(folder, "web-accounts")
    for name, role in [("leader", "leadership"), ("office", "operator"), ("d05", "district:D05")]:
        subprocess.run([kaoping, "web", "users", "add", name, "--role", role, "--accounts", accounts,
                        "--password-stdin"], input=PASSWORD + "\n", check=True, capture_output=True, text=True)
    listed = subprocess.run([kaoping, "web", "users", "list", "--accounts", accounts], check=True,
                            capture_output=True, text=True).stdout
    checks.check(listed.split() == ["leader", "leadership", "office", "operator", "d05", "district:D05"],
                 "users list: %r" % listed)

    def console(*extra):
        process, ready = start(
            [os.path.join(args.bin, "kaoping-web"), "--port", "0", "--accounts", accounts, "--store", store,
             "--keyring", keyring_path, "--catalog", catalog, "--key", web_key, "--aggregator-key",
             aggregator_line_path, "--feed", endpoints["feed"], "--snapshot", endpoints["snapshot"], "--control",
             endpoints["control"]] + list(extra), folder, "web-%d" % len(processes))
        processes.append(process)
        return re.search(r"url=(\S+)", ready).group(1).rstrip("/")

    base = console()
    short_lived = console("--session-hours", "0.001")  # 3.6 seconds

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        try:
            browse(browser, checks, base, short_lived, args.shots, kaoping, folder, catalog, roster, texts, early,
                   late, as_line, key_files, endpoints, aggregator_line, processes)
        finally:
            browser.close()


def sign_in(page, base, name, password=PASSWORD):
    page.goto(base + "/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def ranking_rows(page):
    """Each row of the ranking page: district id -> rank, total, grade (class), indicator values."""
    return page.eval_on_selector_all("table.ranking tbody tr", """rows => rows.map(row => ({
        district: row.dataset.district,
        rank: row.querySelector('[data-field=rank]').textContent.trim(),
        total: row.querySelector('[data-field=total]').textContent.trim(),
        grade: row.querySelector('[data-field=grade]').className.replace('grade', '').trim(),
        indicators: Object.fromEntries([...row.querySelectorAll('[data-indicator]')].map(
            cell => [cell.dataset.indicator, cell.textContent.trim()]))}))""")


def browse(browser, checks, base, short_lived, shots, kaoping, folder, catalog, roster, texts, early, late, as_line,
           key_files, endpoints, aggregator_line, processes):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/ranking")
    checks.check("/signin" in page.url, "an unsigned visit to /ranking was not sent to sign in: %s" % page.url)

    # A wrong password, then leadership.
    sign_in(page, base, "leader", "not-the-password")
    checks.check("账号或密码不正确" in page.content(), "a wrong password was not refused with a message")
    sign_in(page, base, "leader")
    checks.check(page.url.endswith("/ranking"), "leadership did not land on the ranking: %s" % page.url)

    # The heatmap and the ranking before the late department: each against `kaoping score` over the same lines.
    before = score(kaoping, [as_line(r) for _, r in early], folder, catalog, roster)
    page.wait_for_function("document.querySelector('#status').dataset.sequence !== '0'")
    page.goto(base + "/completeness")
    marked = set(page.eval_on_selector_all("td.cell.missing", "cells => cells.map(c => c.dataset.cell)"))
    expected_missing = {"%s/%s" % (d["district"], cell) for d in before["districts"] for cell in d["missing"]}
    checks.check(marked == expected_missing and len(marked) > 0,
                 "heatmap marks %d cells, `kaoping score` lists %d missing; differ: %s" % (
                     len(marked), len(expected_missing), sorted(marked ^ expected_missing)[:6]))
    filled = page.eval_on_selector_all("td.cell.filled", "cells => cells.length")
    checks.check(filled + len(marked) == 22 * 20, "heatmap cells: %d filled + %d missing" % (filled, len(marked)))
    page.screenshot(path=os.path.join(shots, "completeness.png"), full_page=True)
    page.goto(base + "/completeness?owner=" + LATE)
    owed = page.eval_on_selector_all("ul.owed li", "items => items.map(i => i.dataset.owed)")
    checks.check(sorted(owed) == ["D%02d" % n for n in range(1, 23)],
                 "the late department should owe one cell of each district: %s" % owed)

    # Live: the ranking page follows while an agent delivers the late department's deductions.
    page.goto(base + "/ranking")
    rows_before = {row["district"]: row for row in ranking_rows(page)}
    page.evaluate("window.__notReloaded = true")
    config = os.path.join(folder, "late-agent.yaml")
    late_file = os.path.join(folder, "late.jsonl")
    with open(late_file, "w", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r, ensure_ascii=False) for r in late) + "\n")
    parts = aggregator_line.split()
    with open(config, "w") as handle:
        handle.write("key: %s\naggregator: %s\naggregator_public_key: \"%s\"\naggregator_curve_key: \"%s\"\n"
                     "outbox: %s\nroster: %s\n" % (key_files[LATE], endpoints["ingest"], parts[1], parts[2],
                                                   os.path.join(folder, "late-outbox.sqlite"), roster))
    agent = os.path.join(os.path.dirname(kaoping), "kaoping-agent")
    subprocess.run([agent, "import", "--config", config, late_file], check=True, capture_output=True, timeout=60)
    subprocess.run([agent, "send", "--config", config], check=True, capture_output=True, timeout=60)
    after = score(kaoping, [as_line(r) for _, r in early] + [json.dumps(r, ensure_ascii=False) for r in late],
                  folder, catalog, roster)
    moved = next(d for d in after["districts"] if str(d["rank"]) != rows_before[d["district"]]["rank"])
    try:
        page.wait_for_function(
            "([id, total]) => { const row = document.querySelector(`tr[data-district=\"${id}\"]`);"
            " return row && row.querySelector('[data-field=total]').textContent.trim() === total; }",
            arg=[moved["district"], moved["total"]], timeout=20000)
        live_ok = True
    except Exception:
        live_ok = False
    checks.check(live_ok, "the total of %s did not become %s on the open page" % (moved["district"], moved["total"]))
    checks.check(page.evaluate("window.__notReloaded === true"), "the page reloaded instead of updating in place")
    page.wait_for_function("document.querySelector('.badge.final') !== null", timeout=20000)
    rows_after = {row["district"]: row for row in ranking_rows(page)}
    checks.check(rows_after[moved["district"]]["rank"] == str(moved["rank"]) and
                 rows_before[moved["district"]]["rank"] != str(moved["rank"]),
                 "the rank of %s did not change on the open page" % moved["district"])
    checks.check(page.eval_on_selector_all("tr.flash", "rows => rows.length") > 0, "no changed row was marked")
    # Every number of the ranking page equals `kaoping score` over the same lines.
    mismatches = []
    for district in after["districts"]:
        row = rows_after.get(district["district"])
        wanted = {"rank": str(district["rank"]), "total": district["total"], "grade": district["grade"]}
        shown = row and {"rank": row["rank"], "total": row["total"], "grade": row["grade"]}
        if shown != wanted or any(row["indicators"].get(k, "—") != v for k, v in district["indicators"].items()):
            mismatches.append((district["district"], wanted, shown))
    checks.check(len(rows_after) == 22 and not mismatches, "ranking page differs from kaoping score: %s" % mismatches[:3])
    page.screenshot(path=os.path.join(shots, "ranking.png"), full_page=True)

    # Markup in a name and in a reason shows as text.
    text = page.inner_text("table.ranking")
    checks.check(MARKUP_NAME in text, "the district name with markup is not shown as text")
    page.goto(base + "/districts/D05")
    checks.check(MARKUP_REASON in page.inner_text("table.history"), "the reopen reason is not shown as text")
    checks.check(page.evaluate("window.__xss === undefined"), "markup from a name or reason ran")
    checks.check(page.evaluate("document.querySelectorAll('script').length") == 1, "a script element was injected")
    checks.check(page.locator("table.cells tr[data-cell='D05/party_building'] td.value").inner_text() != "",
                 "D05's party_building cell shows no signed value")
    # Each worker's components add up to the total the feed carries.
    from decimal import Decimal
    sums = page.eval_on_selector_all("table.workers tbody tr", """rows => rows.map(row => ({
        parts: [...row.querySelectorAll('td.num')].slice(0, -2).map(cell => cell.textContent.trim()),
        total: row.querySelector('td.total').textContent.trim()}))""")
    def points(cell):
        return Decimal(cell.split("→")[-1].strip())
    checks.check(len(sums) == 5 and all(sum(points(c) for c in row["parts"]) == Decimal(row["total"])
                                        for row in sums), "D05's workers' components do not add up: %s" % sums)
    page.screenshot(path=os.path.join(shots, "district.png"), full_page=True)
    page.screenshot(path=os.path.join(shots, "district-top.png"))
    for name in ["workers", "charts"]:
        page.goto(base + "/" + name)
        page.screenshot(path=os.path.join(shots, name + ".png"), full_page=True)
    checks.check(page.locator("svg.chart").count() == 3, "the charts page has not three charts")

    # Downloads.
    csv = context.request.get(base + "/downloads/ranking.csv")
    body = csv.body()
    checks.check(body.startswith(b"\xef\xbb\xbf") and "zhongshan-2023" in body.decode("utf-8-sig")
                 and "最终排名" in body.decode("utf-8-sig"), "the CSV lacks its BOM or its statement")
    xlsx = context.request.get(base + "/downloads/ranking.xlsx")
    checks.check(xlsx.ok and xlsx.body()[:2] == b"PK", "the .xlsx download is not a workbook")

    # CSRF: signing out without the token is refused, with it accepted.
    refused = context.request.post(base + "/signout", form={"x": "1"})
    checks.check(refused.status == 403, "a POST without the CSRF token got %d" % refused.status)
    page.goto(base + "/ranking")
    with page.expect_navigation():
        page.click("form.signout button")
    checks.check("/signin" in page.url, "signing out did not end at the sign-in page")
    page.goto(base + "/ranking")
    checks.check("/signin" in page.url, "after signing out the ranking is still open")

    # Metrics: this machine only.
    metrics = urllib.request.urlopen(base + "/metrics").read().decode()
    for name in ["kaoping_cells_filled 696", "kaoping_aggregator_commits", "kaoping_aggregator_queue_depth",
                 'kaoping_submitter_cells_expected{submitter="discipline_commission"} 22']:
        checks.check(name in metrics, "/metrics lacks %s" % name)
    try:
        urllib.request.urlopen(urllib.request.Request(base + "/metrics", headers={"X-Forwarded-For": "10.0.0.9"}))
        checks.check(False, "/metrics answered a request forwarded from another machine")
    except urllib.error.HTTPError as error:
        checks.check(error.code == 403, "/metrics through a proxy: %d" % error.code)
    context.close()

    findings(browser, checks, base, shots, agent, folder, key_files, endpoints, aggregator_line)
    district_account(browser, checks, base, shots)
    throttled_and_expired(browser, checks, base, short_lived)


def findings(browser, checks, base, shots, agent, folder, key_files, endpoints, aggregator_line):
    """问题整改: the counts follow the feed on an open page while the safety office raises findings; the list and a
    district's page show them, markup as text."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "leader")
    page.goto(base + "/findings")
    checks.check("没有未销号的问题" in page.inner_text("table.feedback-counts"), "findings before any was raised")
    page.evaluate("window.__notReloaded = true")
    parts = aggregator_line.split()
    config = os.path.join(folder, "safety-agent.yaml")
    with open(config, "w") as handle:
        handle.write("key: %s\naggregator: %s\naggregator_public_key: \"%s\"\naggregator_curve_key: \"%s\"\n"
                     "outbox: %s\n" % (key_files["safety_office"], endpoints["ingest"], parts[1], parts[2],
                                       os.path.join(folder, "safety-outbox.sqlite")))
    for district, text, due in [("D05", "台账不全" + MARKUP_REASON, "2099-06-30"), ("D05", "巡查记录缺失", "2024-03-31"),
                                ("D06", "消防通道堵塞", "2099-06-30")]:
        raised = subprocess.run([agent, "finding", "--config", config, "--district", district, "--text", text,
                                 "--plan-due", due], capture_output=True, text=True, timeout=60)
        checks.check("receipt: accepted" in raised.stdout, "a finding was not accepted: %s%s" % (raised.stdout,
                                                                                               raised.stderr))
    try:
        page.wait_for_function(
            "() => { const row = document.querySelector('table.feedback-counts tr[data-district=\"D05\"]');"
            " return row && row.textContent.includes('2') && row.querySelector('td.late') !== null; }", timeout=20000)
        counted = True
    except Exception:
        counted = False
    checks.check(counted, "the open findings page did not count D05's two findings, one overdue")
    checks.check(page.evaluate("window.__notReloaded === true"), "the findings page reloaded instead of updating")
    page.goto(base + "/findings")
    rows = page.eval_on_selector_all("table.findings tr[data-finding]", "rows => rows.map(r => r.className)")
    checks.check(len(rows) == 3 and rows.count("overdue") == 1, "the findings list: %s" % rows)
    checks.check(MARKUP_REASON in page.inner_text("table.findings"), "a finding's markup is not shown as text")
    checks.check(page.evaluate("window.__xss === undefined"), "markup in a finding ran")
    page.screenshot(path=os.path.join(shots, "findings.png"), full_page=True)
    page.goto(base + "/findings/D05")
    checks.check(page.locator("section.finding").count() == 2 and page.locator("section.finding.overdue").count() == 1,
                 "D05's findings page does not show its two findings, one overdue")
    checks.check("当前状态：待提交方案" in page.inner_text("section.finding pre.history"), "a finding's history")
    page.screenshot(path=os.path.join(shots, "findings-district.png"), full_page=True)
    context.close()


def district_account(browser, checks, base, shots):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "d05")
    others = ["D%02d" % n for n in range(1, 23) if n != 5]
    pages = {}
    for path in ["/ranking", "/workers", "/completeness", "/districts/D05", "/findings", "/findings/D05"]:
        page.goto(base + path)
        pages[path] = page.content()
    leaked = [(path, d) for path, html in pages.items() for d in others if '"%s"' % d in html or "/%s" % d in html]
    checks.check(not leaked, "the district account sees other districts: %s" % leaked[:5])
    checks.check("D05" in pages["/ranking"], "the district account does not see its own district")
    answer = context.request.get(base + "/api/ranking").json()
    checks.check([d["district"] for d in answer["districts"]] == ["D05"], "JSON answer: %s" % answer["districts"])
    checks.check("巡查记录缺失" in pages["/findings"] and "消防通道堵塞" not in pages["/findings"],
                 "the district account's findings are not its own")
    for path in ["/districts/D06", "/charts", "/findings/D06"]:
        checks.check(context.request.get(base + path).status == 403, "%s was not refused to the district" % path)
    csv = context.request.get(base + "/downloads/ranking.csv").body().decode("utf-8-sig")
    checks.check(not any(d in csv for d in others), "the district's CSV holds other districts")
    page.goto(base + "/districts/D05")
    page.screenshot(path=os.path.join(shots, "district-account.png"), full_page=True)
    context.close()


def throttled_and_expired(browser, checks, base, short_lived):
    context = browser.new_context()
    page = context.new_page()
    for _ in range(3):
        sign_in(page, base, "office", "wrong-password")
    sign_in(page, base, "office", "wrong-password")
    checks.check("尝试次数过多" in page.content(), "a fourth failed sign-in in a row was not slowed down")
    sign_in(page, short_lived, "office")
    checks.check(page.url.endswith("/ranking"), "the operator could not sign in: %s" % page.url)
    time.sleep(4.5)
    page.goto(short_lived + "/completeness")
    checks.check("/signin" in page.url, "an expired session still opened a page")
    context.close()


if __name__ == "__main__":
    sys.exit(main())
