import GRDB
import KaopingCore

/// A time is stored as its milliseconds since the epoch, in the `*_ms` columns.
extension Timestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { milliseconds.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(value).map(Timestamp.init(milliseconds:))
    }
}
