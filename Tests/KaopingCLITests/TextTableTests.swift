import Testing
@testable import KaopingCLI

@Suite struct TextTableTests {
    @Test func displayWidthCountsCJKAsTwoColumns() {
        #expect(DisplayWidth.of("D01") == 3)
        #expect(DisplayWidth.of("居民区01") == 8)
        #expect(DisplayWidth.of("（优秀）") == 8)
        #expect(DisplayWidth.of("e\u{301}") == 1)
    }

    @Test func columnsLineUpWithChineseText() {
        var table = TextTable([.init("排名", alignRight: true), .init("居民区"), .init("总分", alignRight: true)])
        table.append(["1", "居民区01", "87.35"])
        table.append(["12", "D2", "9.00"])
        let lines = table.render().split(separator: "\n").map(String.init)
        #expect(lines == [
            "排名  居民区     总分",
            "----  --------  -----",
            "   1  居民区01  87.35",
            "  12  D2         9.00",
        ])
        let widths = Set(lines.map { DisplayWidth.of($0) })
        #expect(widths.count == 1)
    }
}
