import Yams

/// A YAML node with the path that leads to it, so that every complaint about a catalog file names its line and
/// field.
struct YAMLNode {
    let node: Node
    /// Such as `indicators[2].max`.
    let path: String

    var line: Int { node.mark?.line ?? 1 }

    func error(_ message: String) -> CatalogFileError {
        CatalogFileError(line: line, field: path, message: message)
    }

    func mapping(keys allowed: [String]) throws(CatalogFileError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of \(allowed.joined(separator: ", "))")
        }
        var entries: [String: YAMLNode] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let child = YAMLNode(node: value, path: path.isEmpty ? name : "\(path).\(name)")
            guard allowed.contains(name) else {
                throw child.error("unknown field '\(name)'; the fields here are \(allowed.joined(separator: ", "))")
            }
            guard entries[name] == nil else { throw child.error("'\(name)' is given twice; keep one") }
            entries[name] = child
        }
        return YAMLMapping(node: self, entries: entries)
    }

    func sequence() throws(CatalogFileError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list (lines starting with '- ')") }
        return sequence.enumerated().map { YAMLNode(node: $1, path: "\(path)[\($0)]") }
    }

    func string() throws(CatalogFileError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a single value, not a list or mapping") }
        return scalar.string
    }

    func identifier() throws(CatalogFileError) -> String {
        let text = try string()
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) })
        else {
            throw error("'\(text)' is not an id; use letters, digits, '_' and '-' only")
        }
        return text
    }

    func decimal(signed: Bool = false) throws(CatalogFileError) -> ExactDecimal {
        let text = try string()
        do {
            return signed ? try ExactDecimal.parseSigned(text) : try ExactDecimal.parse(text)
        } catch {
            throw self.error("\(error)")
        }
    }

    func integer() throws(CatalogFileError) -> Int {
        let text = try string()
        guard let value = Int(text), value >= 0 else { throw error("'\(text)' is not a whole number ≥ 0") }
        return value
    }

    func boolean() throws(CatalogFileError) -> Bool {
        switch try string() {
        case "true", "yes": return true
        case "false", "no": return false
        case let text: throw error("'\(text)' is not true or false")
        }
    }
}

/// The entries of a YAML mapping, each known to be an allowed field.
struct YAMLMapping {
    let node: YAMLNode
    let entries: [String: YAMLNode]

    func required(_ key: String) throws(CatalogFileError) -> YAMLNode {
        guard let value = entries[key] else { throw node.error("'\(key)' is missing; add it") }
        return value
    }

    func optional(_ key: String) -> YAMLNode? { entries[key] }
}

/// Why a catalog file cannot be used: the line, the field and what to fix.
public struct CatalogFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line of the file.
    public let line: Int
    /// The field's path, such as `indicators[2].max`; empty for the whole file.
    public let field: String
    public let message: String

    public init(line: Int, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? "line \(line): \(message)" : "line \(line): \(field): \(message)" }
}
