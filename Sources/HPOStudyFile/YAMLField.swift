import Yams

/// A YAML node together with its dotted path in the study file, so that every value read from it,
/// and every error about it, names the file, line and field.
struct YAMLField {
    let node: Node
    /// The dotted path: `space.lr.low`, `trial.command[2]`; empty for the document root.
    let path: String
    let file: String
    /// Where the key that holds this value starts; used for keys and for empty values,
    /// whose own mark may point past the end of the line.
    let keyMark: Mark?

    init(node: Node, path: String, file: String, keyMark: Mark? = nil) {
        self.node = node
        self.path = path
        self.file = file
        self.keyMark = keyMark
    }

    // MARK: Paths and errors

    func child(_ key: String, node: Node, keyMark: Mark?) -> YAMLField {
        YAMLField(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file, keyMark: keyMark)
    }

    func element(_ index: Int, node: Node) -> YAMLField {
        YAMLField(node: node, path: "\(path)[\(index)]", file: file)
    }

    /// An error about this value, at the value's line (or its key's, when the value is empty).
    func error(_ message: String) -> StudyFileError {
        let mark = isNull ? (keyMark ?? node.mark) : (node.mark ?? keyMark)
        return StudyFileError(file: file, line: mark?.line, column: mark?.column, field: path, message: message)
    }

    /// An error about this entry's key (an unknown or misplaced key), at the key's line.
    func keyError(_ message: String) -> StudyFileError {
        let mark = keyMark ?? node.mark
        return StudyFileError(file: file, line: mark?.line, column: mark?.column, field: path, message: message)
    }

    /// A required key is absent from this mapping: an error at the mapping's line.
    func missingKey(_ key: String) -> StudyFileError {
        let mark = node.mark ?? keyMark
        return StudyFileError(
            file: file, line: mark?.line, column: mark?.column, field: path.isEmpty ? key : "\(path).\(key)",
            message: "missing required key '\(key)'")
    }

    /// `expected <what>, found <what this is>`.
    func expected(_ what: String) -> StudyFileError {
        error("expected \(what), found \(found)")
    }

    /// This node in words, for "found ..." in messages.
    var found: String {
        switch node {
        case .scalar(let scalar):
            if isNull { return "nothing" }
            if !isPlain(scalar), Self.integer(scalar.string) != nil || Self.number(scalar.string) != nil {
                return "'\(scalar.string)' (a quoted string; remove the quotes for a number)"
            }
            return "'\(scalar.string)'"
        case .mapping(let mapping): return mapping.isEmpty ? "an empty mapping" : "a mapping"
        case .sequence(let sequence): return sequence.isEmpty ? "an empty list" : "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: Scalars

    /// Whether this is an empty value: nothing after the colon, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, isPlain(scalar) else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The text of a non-empty scalar (numbers and booleans as written).
    func string() throws -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw expected("a string") }
        return scalar.string
    }

    /// The text of a scalar that is not empty or blank.
    func nonEmptyString() throws -> String {
        let text = try string()
        guard !text.allSatisfy(\.isWhitespace) else { throw expected("a non-empty string") }
        return text
    }

    /// An unquoted decimal integer.
    func int() throws -> Int {
        guard let text = plainText, let value = Self.integer(text) else { throw expected("an integer") }
        return value
    }

    /// An unquoted finite number: an integer or a decimal with an optional exponent (`1e-5`).
    func number() throws -> Double {
        guard let text = plainText, let value = Self.number(text) else { throw expected("a number") }
        return value
    }

    /// `true` or `false` (unquoted).
    func bool() throws -> Bool {
        switch plainText {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw expected("true or false")
        }
    }

    /// The text of an unquoted scalar (the only kind that may be a number or a boolean).
    var plainText: String? {
        guard case .scalar(let scalar) = node, isPlain(scalar), !isNull else { return nil }
        return scalar.string
    }

    private func isPlain(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain || scalar.style == .any
    }

    static func integer(_ text: String) -> Int? {
        Int(text)
    }

    static func number(_ text: String) -> Double? {
        // Only plain decimal notation: no `inf`, `nan`, hexadecimal or digit separators.
        guard text.contains(where: \.isNumber),
            text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }

    // MARK: Collections

    /// The elements of a list.
    func list() throws -> [YAMLField] {
        guard case .sequence(let sequence) = node else { throw expected("a list") }
        return sequence.enumerated().map { element($0.offset, node: $0.element) }
    }

    /// The entries of a mapping, in file order.
    func mapping() throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw expected("a mapping") }
        var entries: [YAMLMapping.Entry] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                let key = YAMLField(node: keyNode, path: path, file: file)
                throw key.expected("a plain key")
            }
            let value = child(scalar.string, node: valueNode, keyMark: keyNode.mark)
            entries.append(YAMLMapping.Entry(key: scalar.string, value: value))
        }
        return YAMLMapping(field: self, entries: entries)
    }
}
