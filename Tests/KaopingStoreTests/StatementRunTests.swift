import Foundation
import GRDB
import Testing
@testable import KaopingStore

@Suite struct StatementRunTests {
    let database: DatabaseQueue

    init() throws {
        database = try DatabaseQueue()
        try database.write { try $0.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB)") }
    }

    private static let insert = "INSERT INTO t (id, i, s, b) VALUES (?, ?, ?, ?)"

    /// Each column's SQLite type and value, as SQL sees them.
    private func rows() throws -> [[String]] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, typeof(i), i, typeof(s), s, hex(s), typeof(b), hex(b) FROM t ORDER BY id"
            ).map { row in (0..<row.count).map { "\(row[$0] as DatabaseValue)" } }
        }
    }

    @Test func bindsEveryValueAsGRDBWould() throws {
        let values: [(Int64, String, Data)] = [
            (.max, "考评 D07", Data([0, 1, 0xFF])), (.min, "", Data()), (0, "a\u{0}b", Data(repeating: 7, count: 40)),
        ]
        try database.write { db in
            for (index, (int, text, blob)) in values.enumerated() {
                try db.execute(sql: Self.insert, arguments: [index * 2, int, text, blob])
                try db.cachedStatement(sql: Self.insert).run {
                    $0.bind(index * 2 + 1)
                    $0.bind(int)
                    $0.bind(text)
                    $0.bind(blob)
                }
            }
        }
        let rows = try rows()
        #expect(rows.count == 6)
        for pair in stride(from: 0, to: rows.count, by: 2) {
            #expect(rows[pair].dropFirst() == rows[pair + 1].dropFirst())
        }
        #expect(
            rows[1] == [
                "1", "\"integer\"", "\(Int64.max)", "\"text\"", "\"考评 D07\"", "\"E88083E8AF8420443037\"",
                "\"blob\"", "\"0001FF\"",
            ])
    }

    @Test func aFailedRunThrowsAndTheStatementRunsAgain() throws {
        try database.write { db in
            try db.cachedStatement(sql: Self.insert).run {
                for value in [1, 2, 3] { $0.bind(value) }
                $0.bind(Data([1]))
            }
        }
        // The same id again: SQLite refuses, the write's transaction rolls back.
        #expect(throws: DatabaseError.self) {
            try database.write { db in
                try db.cachedStatement(sql: Self.insert).run { for value in [5, 5, 5] { $0.bind(value) }; $0.bind("x") }
                try db.cachedStatement(sql: Self.insert).run { for value in [1, 9, 9] { $0.bind(value) }; $0.bind("y") }
            }
        }
        // Too few parameters: nothing is run.
        #expect(throws: DatabaseError.self) {
            try database.write { db in try db.cachedStatement(sql: Self.insert).run { $0.bind(6) } }
        }
        try database.write { db in
            try db.cachedStatement(sql: Self.insert).run { for value in [2, 4, 6] { $0.bind(value) }; $0.bind("z") }
        }
        #expect(try rows().map(\.first) == ["1", "2"])
    }
}
