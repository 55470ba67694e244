import Foundation
import KaopingCore
import KaopingWire
import ServiceLifecycle

/// Computes the ranking after committed batches and publishes it: the standings of a city take tens of
/// milliseconds, so they are kept off the commit path, and batches committed meanwhile are folded into the next.
struct RankingService: Service {
    let updates: AsyncStream<(Scoreboard, Int)>
    let published: PublishedState
    /// The least time between two rankings: a change after a quiet spell is published at once, a stream of
    /// changes at most this often (a city's ranking costs tens of milliseconds of a core).
    let minimumInterval: Duration

    func run() async {
        for await (scoreboard, position) in updates {
            published.publish(Self.ranking(of: scoreboard, ledgerPosition: position))
            try? await Task.sleep(for: minimumInterval)
        }
    }

    static func ranking(of scoreboard: Scoreboard, ledgerPosition: Int) -> Kaoping_V1_Ranking {
        Kaoping_V1_Ranking(
            scoreboard.standings(), ledgerPosition: ledgerPosition,
            updatedAt: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
