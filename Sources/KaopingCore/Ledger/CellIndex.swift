/// Numbers the cells a campaign expects from 0, in the order of ``Catalog/expectedCells(roster:)``: for each
/// district its district indicators (the hotline one cell per month), then for each worker of the roster its
/// worker indicators. A table of cells can then be an array: a city has hundreds of thousands of cells, and a
/// hash table of their keys (five strings each, a quarter of the slots or more left empty) took more memory than
/// the submissions standing in them.
public struct CellIndex: Sendable {
    /// Where a key's cell is: its number, and the positions its names stand for (looked up once, for all who need
    /// them: the ledger and the scoreboard).
    public struct Cell: Sendable {
        public let number: Int
        /// In ``Catalog/indicators``, ``Catalog/districts`` and ``Roster/workers`` (a worker indicator's only).
        public let indicator: Int
        public let district: Int
        public let worker: Int?
        /// In ``HotlineRules/periods`` (a hotline indicator's only).
        public let month: Int?
        public let scope: Indicator.Scope
    }

    /// How many cells the campaign expects.
    public let count: Int
    private let catalog: Catalog
    private let roster: Roster
    /// By indicator position: its scope, and where its cells start within a district's cells or a worker's.
    private let scopes: [Indicator.Scope]
    private let offsets: [Int]
    private let periods: [String: Int]
    private let perDistrict: Int
    private let perWorker: Int

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        var offsets = Array(repeating: 0, count: catalog.indicators.count)
        var perDistrict = 0
        var perWorker = 0
        for (position, indicator) in catalog.indicators.enumerated() {
            switch indicator.scope {
            case .district, .hotline:
                offsets[position] = perDistrict
                perDistrict += indicator.scope == .hotline ? catalog.hotline.periods.count : 1
            case .worker:
                offsets[position] = perWorker
                perWorker += 1
            }
        }
        scopes = catalog.indicators.map(\.scope)
        self.offsets = offsets
        self.perDistrict = perDistrict
        self.perWorker = perWorker
        periods = Dictionary(
            catalog.hotline.periods.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        count = catalog.districts.count * perDistrict + roster.workers.count * perWorker
    }

    /// The number of `key`'s cell, or nil if the campaign expects no such cell (another campaign, an unknown
    /// district, indicator, month or worker, a worker of another district, a month on an indicator without months).
    public func number(of key: SubmissionKey) -> Int? {
        cell(of: key)?.number
    }

    /// `key`'s cell, or nil if the campaign expects no such cell (as ``number(of:)``).
    public func cell(of key: SubmissionKey) -> Cell? {
        guard key.campaign == catalog.campaign, let indicator = catalog.indicatorPosition(key.indicator),
            let district = catalog.districtPosition(key.district)
        else { return nil }
        let scope = scopes[indicator]
        switch scope {
        case .district:
            guard key.worker.isEmpty, key.period.isEmpty else { return nil }
            return Cell(
                number: district * perDistrict + offsets[indicator], indicator: indicator, district: district,
                worker: nil, month: nil, scope: scope)
        case .hotline:
            guard key.worker.isEmpty, let month = periods[key.period] else { return nil }
            return Cell(
                number: district * perDistrict + offsets[indicator] + month, indicator: indicator, district: district,
                worker: nil, month: month, scope: scope)
        case .worker:
            guard key.period.isEmpty, let worker = roster.position(of: key.worker),
                roster.workers[worker].district == key.district
            else { return nil }
            return Cell(
                number: catalog.districts.count * perDistrict + worker * perWorker + offsets[indicator],
                indicator: indicator, district: district, worker: worker, month: nil, scope: scope)
        }
    }
}
