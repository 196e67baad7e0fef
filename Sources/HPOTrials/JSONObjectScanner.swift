/// A top-level value in a one-line JSON object, as far as metrics care.
enum JSONMember: Equatable {
    /// A number; `isInteger` when it was written without a fraction or exponent.
    case number(Double, isInteger: Bool)
    case string(String)
    case bool(Bool)
    case null
    /// A nested object or array (skipped, not kept).
    case nested
}

/// Reads one line holding a JSON object into its top-level members.
///
/// Small and strict JSON, plus the bare `NaN`, `Infinity` and `-Infinity` that Python's
/// `json.dumps` writes for non-finite floats. Returns `nil` for anything else (not an object,
/// trailing text, nesting deeper than `maximumDepth`). Duplicate keys: the last one wins.
struct JSONObjectScanner {
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private var index = 0

    static func members(of line: String) -> [String: JSONMember]? {
        var scanner = JSONObjectScanner(bytes: Array(line.utf8))
        scanner.skipWhitespace()
        guard let members = scanner.object() else { return nil }
        scanner.skipWhitespace()
        return scanner.index == scanner.bytes.count ? members : nil
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        index += 1
        return true
    }

    private mutating func consume(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return false }
        index += utf8.count
        return true
    }

    /// The top-level object, members kept.
    private mutating func object() -> [String: JSONMember]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var members: [String: JSONMember] = [:]
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return members }
        while true {
            skipWhitespace()
            guard let key = string() else { return nil }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let value = value(depth: 1) else { return nil }
            members[key] = value
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}")) ? members : nil
        }
    }

    private mutating func value(depth: Int) -> JSONMember? {
        switch current {
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "{"), UInt8(ascii: "["): return skipNested(depth: depth + 1) ? .nested : nil
        case UInt8(ascii: "t"): return consume("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return consume("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return consume("null") ? .null : nil
        case UInt8(ascii: "N"): return consume("NaN") ? .number(.nan, isInteger: false) : nil
        case UInt8(ascii: "I"): return consume("Infinity") ? .number(.infinity, isInteger: false) : nil
        case UInt8(ascii: "-") where consume("-Infinity"): return .number(-.infinity, isInteger: false)
        default: return number()
        }
    }

    /// Skips an object or array, checking only that brackets balance and strings are closed.
    private mutating func skipNested(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth, let open = current else { return false }
        let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        while let byte = current {
            switch byte {
            case close:
                index += 1
                return true
            case UInt8(ascii: "\""):
                guard string() != nil else { return false }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard skipNested(depth: depth + 1) else { return false }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                return false
            default:
                index += 1
            }
        }
        return false
    }

    private mutating func number() -> JSONMember? {
        let start = index
        var isInteger = true
        _ = consume(UInt8(ascii: "-"))
        guard digits() else { return nil }
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard digits() else { return nil }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            isInteger = false
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard digits() else { return nil }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        return Double(text).map { .number($0, isInteger: isInteger) }
    }

    private mutating func digits() -> Bool {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index > start
    }

    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var utf8: [UInt8] = []
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(high) {
            guard consume("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        let digits = bytes[index..<index + 4]
        guard digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
            let value = UInt32(String(decoding: digits, as: UTF8.self), radix: 16)
        else { return nil }
        index += 4
        return value
    }
}
