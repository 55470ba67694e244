import GRDB

/// How Kaoping opens its SQLite files: WAL, `synchronous=FULL`, one connection — a commit that returns is on disk.
enum DurableDatabase {
    /// Opens `path` and applies `migrations` (each registered by name, each in its own transaction).
    /// `busyTimeout` makes a connection wait for another process's write instead of failing at once;
    /// `autocheckpointPages` sets how long the WAL may grow before a commit checkpoints it (SQLite: 1 000 pages);
    /// `pageSize` is the page size of a file created now (SQLite: 4 096 bytes) — a file that exists keeps its own.
    static func open(
        path: String, label: String, busyTimeout: Double? = nil, autocheckpointPages: Int? = nil,
        pageSize: Int? = nil, migrations: (inout DatabaseMigrator) -> Void
    ) throws -> DatabaseQueue {
        let database = try connection(
            path: path, label: label, busyTimeout: busyTimeout, autocheckpointPages: autocheckpointPages,
            pageSize: pageSize)
        var migrator = DatabaseMigrator()
        migrations(&migrator)
        // A file that already holds another program's tables (an outbox given as the store, or the other way round,
        // a mistyped path) is not made one of ours.
        let foreign = try database.read { db -> [String] in
            guard try migrator.appliedMigrations(db).isEmpty else { return [] }
            return try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
        }
        guard foreign.isEmpty else {
            throw StoreError(
                "\(path) already holds another database (tables \(foreign.joined(separator: ", "))); give this one a "
                    + "file of its own")
        }
        try migrator.migrate(database)
        return database
    }

    /// A connection with the same durability, without migrations (for a second connection to an open store).
    static func connection(
        path: String, label: String, busyTimeout: Double? = nil, autocheckpointPages: Int? = nil, pageSize: Int? = nil
    ) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = label
        if let busyTimeout { configuration.busyMode = .timeout(busyTimeout) }
        // WAL is set here, not with GRDB's `journalMode = .wal`: that sets `synchronous = NORMAL` once this has run,
        // which syncs the WAL only at checkpoints — a power cut would lose commits already acknowledged.
        configuration.prepareDatabase { db in
            // Before WAL mode is set: only an empty file takes it.
            if let pageSize { try db.execute(sql: "PRAGMA page_size = \(pageSize)") }
            let journalMode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard journalMode == "wal" else {
                throw StoreError(
                    "cannot keep \(path) in write-ahead-log mode (SQLite answered journal mode "
                        + "'\(journalMode ?? "")'); give a file on a local disk that this user may write, in a "
                        + "directory it may write too")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let autocheckpointPages { try db.execute(sql: "PRAGMA wal_autocheckpoint = \(autocheckpointPages)") }
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
