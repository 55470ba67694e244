import Foundation
import KaopingCore
import KaopingWire
import Prometheus

/// `GET /metrics` in Prometheus' text format, read off the console's state when scraped: cells filled and expected
/// per indicator and per submitter, receipts by status, refusals by reason, the feed's sequence and lag, seconds
/// since each submitter was last seen, browsers following, and signed-in sessions.
struct ConsoleMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    func render(
        snapshot: RankingSnapshot, status: Kaoping_V1_StatusReply?, catalog: Catalog, lag: Duration, streams: Int,
        sessions: Int, now: Timestamp
    ) -> String {
        let ranking = snapshot.ranking
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ value: Double) {
            registry.makeGauge(name: name, labels: labels, help: help).set(value)
        }
        gauge("kaoping_cells_expected", "Cells the campaign expects.", [], Double(ranking.cellsExpected))
        gauge("kaoping_cells_filled", "Cells filled.", [], Double(ranking.cellsFilled))
        gauge("kaoping_ranking_final", "1 when every expected cell is in.", [], ranking.final ? 1 : 0)
        gauge(
            "kaoping_ledger_position", "The ledger position the ranking includes.", [], Double(ranking.ledgerPosition))
        gauge("kaoping_feed_sequence", "The feed sequence the console holds.", [], Double(snapshot.sequence))
        gauge("kaoping_feed_connected", "1 when the feed was heard within 5 s.", [], snapshot.connected ? 1 : 0)
        gauge(
            "kaoping_feed_lag_seconds", "From the aggregator's commit to the console's receipt of the last update.",
            [], lag / .seconds(1))
        gauge("kaoping_web_event_streams", "Browsers following the live ranking.", [], Double(streams))
        gauge("kaoping_web_sessions", "Signed-in sessions.", [], Double(sessions))
        // Per district indicator (and hotline month): the districts with it in, of all districts.
        let districts = Double(ranking.districts.count)
        var missing: [String: Int] = [:]
        for district in ranking.districts {
            for cell in district.missing { missing[cell, default: 0] += 1 }
        }
        for column in CompletenessPage.columns(catalog) {
            let labels = [("indicator", column.id)]
            gauge("kaoping_indicator_cells_expected", "District cells expected per indicator.", labels, districts)
            gauge(
                "kaoping_indicator_cells_filled", "District cells filled per indicator.", labels,
                districts - Double(missing[column.id] ?? 0))
        }
        guard let status else { return registry.emitToString() }
        for submitter in status.submitters {
            let labels = [("submitter", submitter.submitter)]
            gauge(
                "kaoping_submitter_cells_filled", "Cells accepted from each submitter.", labels,
                Double(submitter.accepted))
            gauge(
                "kaoping_submitter_cells_expected", "Cells expected from each submitter.", labels,
                Double(submitter.accepted + submitter.owed))
            gauge(
                "kaoping_submitter_receipts", "Receipts by status.", labels + [("status", "accepted")],
                Double(submitter.accepted))
            gauge(
                "kaoping_submitter_receipts", "Receipts by status.", labels + [("status", "refused")],
                Double(submitter.rejected))
            if submitter.lastSeenMs > 0 {
                gauge(
                    "kaoping_submitter_last_seen_seconds", "Seconds since each submitter was last seen.", labels,
                    Double(now.milliseconds - submitter.lastSeenMs) / 1000)
            }
        }
        gauge("kaoping_aggregator_queue_depth", "Work waiting for the aggregator's ledger keeper.", [],
              Double(status.queueDepth))
        gauge("kaoping_aggregator_last_commit_seconds", "The aggregator's last store commit.", [],
              Double(status.lastCommitUs) / 1e6)
        gauge("kaoping_aggregator_last_commit_batch", "Submissions and requests in the last commit's batch.", [],
              Double(status.lastCommitBatch))
        gauge("kaoping_aggregator_commits", "Store commits since the aggregator started.", [], Double(status.commits))
        for (reason, count) in status.rejections {
            gauge("kaoping_refusals", "Refusals by reason.", [("reason", reason)], Double(count))
        }
        return registry.emitToString()
    }
}
