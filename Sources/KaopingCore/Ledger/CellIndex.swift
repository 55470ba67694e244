/// Numbers the cells a campaign expects from 0, in the order of ``Catalog/expectedCells(roster:)``: for each
/// district its district indicators (the hotline one cell per month), then for each worker of the roster its
/// worker indicators. A table of cells can then be an array: a city has hundreds of thousands of cells, and a
/// hash table of their keys (five strings each, a quarter of the slots or more left empty) took more memory than
/// the submissions standing in them.
public struct CellIndex: Sendable {
    /// How many cells the campaign expects.
    public let count: Int
    private let catalog: Catalog
    private let roster: Roster
    /// Where an indicator's cells start within a district's cells, or within a worker's.
    private let offsets: [String: Int]
    private let periods: [String: Int]
    private let perDistrict: Int
    private let perWorker: Int

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        var offsets: [String: Int] = [:]
        var perDistrict = 0
        for indicator in catalog.districtIndicators {
            offsets[indicator.id] = perDistrict
            perDistrict += indicator.scope == .hotline ? catalog.hotline.periods.count : 1
        }
        for (slot, indicator) in catalog.workerIndicators.enumerated() { offsets[indicator.id] = slot }
        self.offsets = offsets
        self.perDistrict = perDistrict
        perWorker = catalog.workerIndicators.count
        periods = Dictionary(
            catalog.hotline.periods.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        count = catalog.districts.count * perDistrict + roster.workers.count * perWorker
    }

    /// The number of `key`'s cell, or nil if the campaign expects no such cell (another campaign, an unknown
    /// district, indicator, month or worker, a worker of another district, a month on an indicator without months).
    public func number(of key: SubmissionKey) -> Int? {
        guard key.campaign == catalog.campaign, let indicator = catalog.indicator(key.indicator),
            let offset = offsets[key.indicator], let district = catalog.districtPosition(key.district)
        else { return nil }
        switch indicator.scope {
        case .district:
            guard key.worker.isEmpty, key.period.isEmpty else { return nil }
            return district * perDistrict + offset
        case .hotline:
            guard key.worker.isEmpty, let month = periods[key.period] else { return nil }
            return district * perDistrict + offset + month
        case .worker:
            guard key.period.isEmpty, let worker = roster.position(of: key.worker),
                roster.workers[worker].district == key.district
            else { return nil }
            return catalog.districts.count * perDistrict + worker * perWorker + offset
        }
    }
}
