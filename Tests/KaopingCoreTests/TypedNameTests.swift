import Testing
@testable import KaopingCore

@Suite struct TypedNameTests {
    let districts = Catalog.zhongshan2023.districts
    let months = Catalog.zhongshan2023.hotline.periods

    @Test func idsByIdOrNameInEitherCaseAndWidth() {
        for typed in ["D05", "d05", "Ｄ０５", "ｄ05", "居民区05", "居民区０５"] {
            #expect(TypedName.id(typed, in: districts, id: \.id, names: [\.name]) == "D05", "\(typed)")
        }
        for typed in ["D5", "D055", "D 05", "", "05"] {
            #expect(TypedName.id(typed, in: districts, id: \.id, names: [\.name]) == nil, "\(typed)")
        }
        // An exact id wins over one that matches only once folded.
        struct Item {
            let id: String
        }
        #expect(TypedName.id("ab", in: [Item(id: "AB"), Item(id: "ab")], id: \.id) == "ab")
    }

    @Test(arguments: [
        "2023-03", "2023-3", "2023/3", "2023/03", "2023.03", "2023.3", "202303", "2023年3月", "2023年03月",
        "2023/3/1", "2023-03-01", "2023年3月1日", "Mar-23", "mar-23", "23-Mar", "March 2023", "MARCH-2023",
        "3月", "03月", "２０２３－０３", " 2023-03 ",
    ])
    func monthsAsClerksAndSpreadsheetsWriteThem(typed: String) {
        #expect(TypedName.period(typed, in: months) == "2023-03")
    }

    @Test(arguments: [
        "2023/3/15", "2023-03-02", "2024-03", "2023-13", "13月", "Mar", "Ma-23", "Mayday-23", "3", "2023", "20233",
        "2023-03-01-01", "March 23 2023", "2023 3月 3", "", "二〇二三年三月", "2023_03",
    ])
    func whatIsNotOneMonthIsLeftAsItIs(typed: String) {
        #expect(TypedName.period(typed, in: months) == nil)
    }

    @Test func aMonthWithoutItsYearNeedsACampaignOfOneYear() {
        let twoYears = ["2023-11", "2023-12", "2024-01", "2024-11"]
        #expect(TypedName.period("12月", in: twoYears) == "2023-12")
        #expect(TypedName.period("11月", in: twoYears) == nil)
        #expect(TypedName.period("2024/11/1", in: twoYears) == "2024-11")
    }
}
