/// A community worker (社区工作者) of one district.
public struct Worker: Hashable, Sendable {
    public let id: String
    public let name: String
    public let district: String

    public init(id: String, name: String, district: String) {
        self.id = id
        self.name = name
        self.district = district
    }
}

/// The workers assessed in a campaign, each in one district of the catalog.
public struct Roster: Hashable, Sendable {
    /// In the order given.
    public let workers: [Worker]
    private let index: [String: Int]

    /// No workers: the roster when none is given.
    public static let empty = Roster(validated: [])

    private init(validated workers: [Worker]) {
        self.workers = workers
        self.index = Dictionary(workers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A roster of `workers`, checked against `catalog`: ids non-empty and unique, districts known.
    public init(workers: [Worker], catalog: Catalog) throws(RosterError) {
        var seen = Set<String>()
        for (position, worker) in workers.enumerated() {
            try Self.check(worker, line: position + 1, seen: &seen, catalog: catalog)
        }
        self.init(validated: workers)
    }

    /// The worker with this id, if on the roster.
    public func worker(_ id: String) -> Worker? { index[id].map { workers[$0] } }

    /// The position of a worker in ``workers``.
    public func position(of id: String) -> Int? { index[id] }

    private static func check(_ worker: Worker, line: Int, seen: inout Set<String>, catalog: Catalog)
        throws(RosterError)
    {
        guard !worker.id.isEmpty else {
            throw RosterError(line: line, message: "the worker id is empty; give every worker an id such as W0101")
        }
        guard catalog.district(worker.district) != nil else {
            throw RosterError(
                line: line,
                message: "worker \(worker.id) is in unknown district '\(worker.district)'; "
                    + "use a district id of catalog \(catalog.campaign), such as "
                    + (catalog.districts.first?.id ?? "D01"))
        }
        guard seen.insert(worker.id).inserted else {
            throw RosterError(line: line, message: "worker id \(worker.id) appears twice; each worker needs its own id")
        }
    }
}

// MARK: - CSV

extension Roster {
    /// The column names of a roster file.
    public static let csvHeader = ["id", "name", "district"]

    /// Reads a roster CSV (header `id,name,district` in any order, UTF-8 with or without a BOM).
    ///
    /// Any problem fails the whole roster, naming the line and what to fix.
    public init(csv text: String, catalog: Catalog) throws(RosterError) {
        let table: CSVTable
        do {
            table = try CSVTable(parsing: text)
        } catch {
            throw RosterError(line: error.line, message: error.message)
        }
        guard let header = table.rows.first else {
            throw RosterError(
                line: 1, message: "the roster is empty; its first line must be the header id,name,district")
        }
        let names = header.fields.map { $0.trimmingWhitespace() }
        var columns: [Int] = []
        for wanted in Self.csvHeader {
            guard let column = names.firstIndex(of: wanted) else {
                throw RosterError(
                    line: header.line,
                    message: "the header has no '\(wanted)' column; the first line must be id,name,district")
            }
            columns.append(column)
        }
        var workers: [Worker] = []
        var seen = Set<String>()
        for row in table.rows.dropFirst() {
            guard row.fields.count == names.count else {
                throw RosterError(
                    line: row.line,
                    message: "expected \(names.count) fields like the header, found \(row.fields.count); "
                        + "quote a name that contains a comma")
            }
            let value = { (column: Int) in row.fields[columns[column]].trimmingWhitespace() }
            let worker = Worker(id: value(0), name: value(1), district: value(2))
            try Self.check(worker, line: row.line, seen: &seen, catalog: catalog)
            workers.append(worker)
        }
        self.init(validated: workers)
    }
}

/// Why a roster cannot be used; the whole roster is refused.
public struct RosterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 1-based line of the roster file (or position in the list).
    public let line: Int
    public let message: String

    public var description: String { "roster line \(line): \(message)" }
}
