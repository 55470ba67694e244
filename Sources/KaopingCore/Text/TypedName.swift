import Foundation

/// Ids and names as people type them into a spreadsheet or a command line.
public enum TypedName {
    /// The id of the item of `items` that `text` names by its id or one of its names: exactly, or else as a clerk
    /// may type it — letters in either case, letters and digits in full width (Ｄ０５, from a Chinese input method),
    /// compared after NFKC and upper case. Nil when it names none.
    public static func id<Item>(
        _ text: String, in items: [Item], id: KeyPath<Item, String>, names: [KeyPath<Item, String>] = []
    ) -> String? {
        let keys = [id] + names
        if let exact = items.first(where: { item in keys.contains { item[keyPath: $0] == text } }) {
            return exact[keyPath: id]
        }
        let folded = folded(text)
        return items.first { item in keys.contains { Self.folded(item[keyPath: $0]) == folded } }?[keyPath: id]
    }

    private static func folded(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.uppercased()
    }
}
