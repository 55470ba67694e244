import Testing
@testable import KaopingCore

@Suite struct RosterTests {
    let catalog = Catalog.zhongshan2023

    @Test func readsCSVWithBOMQuotesAndCRLF() throws {
        let csv = "\u{FEFF}id,name,district\r\nW0101,\"王, 小明\",D01\r\nW0201,李\"四,D02\r\n\r\n,,\r\n"
        let roster = try Roster(csv: csv, catalog: catalog)
        #expect(roster.workers == [
            Worker(id: "W0101", name: "王, 小明", district: "D01"), Worker(id: "W0201", name: "李\"四", district: "D02"),
        ])
        #expect(roster.worker("W0201")?.district == "D02")
    }

    @Test func acceptsColumnsInAnyOrder() throws {
        let roster = try Roster(csv: "district,id,name\nD03,W1,张三\n", catalog: catalog)
        #expect(roster.workers == [Worker(id: "W1", name: "张三", district: "D03")])
    }

    @Test func unknownDistrictFailsNamingTheLine() {
        #expect(throws: RosterError.self) {
            try Roster(csv: "id,name,district\nW1,a,D01\nW2,b,D23\n", catalog: catalog)
        }
        do {
            _ = try Roster(csv: "id,name,district\nW1,a,D01\nW2,b,D23\n", catalog: catalog)
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("D23"))
        }
    }

    @Test func repeatedIDFails() {
        #expect(throws: RosterError.self) {
            try Roster(csv: "id,name,district\nW1,a,D01\nW1,b,D02\n", catalog: catalog)
        }
    }

    @Test func missingHeaderColumnFails() {
        #expect(throws: RosterError.self) { try Roster(csv: "id,name\nW1,a\n", catalog: catalog) }
        #expect(throws: RosterError.self) { try Roster(csv: "", catalog: catalog) }
    }

    @Test func unclosedQuoteFails() {
        #expect(throws: RosterError.self) { try Roster(csv: "id,name,district\nW1,\"a,D01\n", catalog: catalog) }
    }

    @Test func wrongFieldCountFails() {
        #expect(throws: RosterError.self) { try Roster(csv: "id,name,district\nW1,a,b,D01\n", catalog: catalog) }
    }
}
