extension StringProtocol {
    /// The text without leading and trailing whitespace (including full-width spaces and newlines).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }

    /// Whether the text is empty or whitespace only.
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}
