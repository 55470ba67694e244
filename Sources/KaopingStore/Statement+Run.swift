import Foundation
import GRDB
import KaopingCore
import GRDBSQLite

extension Statement {
    /// Runs this statement (an INSERT or UPDATE: no rows) once, with the parameters `bind` sets in order, bound
    /// through SQLite's C API the way GRDB binds them (text up to its first NUL, blobs as they are), copied by
    /// SQLite.
    ///
    /// The writer inserts a submission row, an audit row and a last-seen row per receipt, on the ledger keeper's
    /// serial path. GRDB's `execute(arguments:)` boxes each value twice (an optional existential, then a
    /// `DatabaseValue`) and nests a closure per column: at city scale that took more of the writer's time than
    /// SQLite itself (docs/benchmarks.md). This path skips GRDB's bookkeeping for transaction observers and
    /// observed regions, which the store does not use; it must run inside a GRDB write, whose transaction a thrown
    /// error rolls back.
    func run(_ bind: (inout StatementParameters) -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)  // a failed step reports its error once; the statement is reset regardless
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)  // frees the copies
        }
        var parameters = StatementParameters(statement: handle)
        bind(&parameters)
        guard parameters.code == SQLITE_OK else { throw failure(parameters.code) }
        let expected = sqlite3_bind_parameter_count(handle)
        guard parameters.index == expected else {
            throw DatabaseError(
                message: "\(parameters.index) parameters bound; the statement has \(expected)", sql: sql)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    private func failure(_ code: CInt) -> DatabaseError {
        let message = sqlite3_errmsg(sqlite3_db_handle(sqliteStatement)).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

/// The parameters of one run of a statement, bound in order (see ``GRDB/Statement/run(_:)``); the first failure
/// is kept and the rest ignored.
struct StatementParameters {
    fileprivate let statement: SQLiteStatement
    fileprivate private(set) var index: CInt = 0
    fileprivate private(set) var code = SQLITE_OK

    fileprivate init(statement: SQLiteStatement) {
        self.statement = statement
    }

    mutating func bind(_ value: Int) {
        bind(Int64(value))
    }

    mutating func bind(_ value: Int64) {
        next { sqlite3_bind_int64($0, $1, value) }
    }

    /// Milliseconds since the epoch, as every `*_ms` column holds a time.
    mutating func bind(_ value: Timestamp) {
        bind(value.milliseconds)
    }

    mutating func bind(_ value: String) {
        next { statement, index in value.withCString { sqlite3_bind_text(statement, index, $0, -1, SQLITE_TRANSIENT) } }
    }

    /// An integer, or NULL.
    mutating func bind(_ value: Int?) {
        guard let value else { return next { sqlite3_bind_null($0, $1) } }
        bind(value)
    }

    /// A blob; an empty one too (SQLite would take the null pointer of empty bytes for NULL).
    mutating func bind(_ value: Data) {
        next { statement, index in
            value.withUnsafeBytes {
                guard let bytes = $0.baseAddress else { return sqlite3_bind_zeroblob(statement, index, 0) }
                return sqlite3_bind_blob(statement, index, bytes, CInt($0.count), SQLITE_TRANSIENT)
            }
        }
    }

    private mutating func next(_ bind: (SQLiteStatement, CInt) -> CInt) {
        index += 1
        guard code == SQLITE_OK else { return }
        code = bind(statement, index)
    }
}

/// SQLite copies the value before the bind returns.
private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
