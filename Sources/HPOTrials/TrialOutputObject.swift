import HPOJSON

/// A top-level value in a one-line JSON object, as far as metrics care.
enum JSONMember: Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    /// A nested object or array (checked and skipped, not kept).
    case nested
}

/// Reads one line of a command trial's stdout holding a JSON object into its top-level members.
///
/// JSON as HPOJSON's cursor reads it, plus the bare `NaN`, `Infinity` and `-Infinity` that
/// Python's `json.dumps` writes for non-finite floats (nested ones too). Returns `nil` for
/// anything else (not an object, trailing text, nesting deeper than the cursor allows).
/// Duplicate keys: the last one wins.
enum TrialOutputObject {
    static func members(of line: String) -> [String: JSONMember]? {
        var line = line
        return line.withUTF8 { utf8 in
            var cursor = JSONCursor(UnsafeRawBufferPointer(utf8))
            var members: [String: JSONMember] = [:]
            let complete = cursor.object { cursor, key in
                guard let member = cursor.member() else { return false }
                members[key] = member
                return true
            }
            return complete && cursor.atEnd ? members : nil
        }
    }
}

extension JSONCursor {
    fileprivate mutating func member() -> JSONMember? {
        skipWhitespace()
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "{"), UInt8(ascii: "["): return skipValue(allowingPythonNonFinite: true) ? .nested : nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool().map { .bool($0) }
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default:
            if let value = pythonNonFinite() { return .number(value) }
            // Any number JSON allows, however large or small (a metric is not re-checked against
            // JSONDecoder as the log's fast path is).
            guard let token = numberToken(), let value = Double(String(decoding: token.text, as: UTF8.self)) else {
                return nil
            }
            return .number(value)
        }
    }
}
