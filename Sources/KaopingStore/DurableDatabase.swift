import GRDB

/// How Kaoping opens its SQLite files: WAL, `synchronous=FULL`, one connection — a commit that returns is on disk.
enum DurableDatabase {
    /// Opens `path` and applies `migrations` (each registered by name, each in its own transaction).
    /// `busyTimeout` makes a connection wait for another process's write instead of failing at once.
    static func open(
        path: String, label: String, busyTimeout: Double? = nil, migrations: (inout DatabaseMigrator) -> Void
    ) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.label = label
        if let busyTimeout { configuration.busyMode = .timeout(busyTimeout) }
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrations(&migrator)
        try migrator.migrate(database)
        return database
    }
}
