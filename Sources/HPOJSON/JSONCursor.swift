import Foundation
import HPOCore

/// Reads JSON values off bytes, for the fast paths of the results log and the wire protocol.
///
/// It accepts a strict subset of what `JSONDecoder` accepts and reads each value the way
/// `JSONDecoder` would. Every read returns `nil` (or `false`) for anything outside that subset:
/// the caller then gives the line to `JSONDecoder`, which decides (and words any error).
package struct JSONCursor {
    package let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    package var position = 0

    @inlinable
    package init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Nothing but whitespace is left.
    package var atEnd: Bool {
        @inlinable mutating get {
            skipWhitespace()
            return position == bytes.count
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    @inlinable
    package mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Reads an object, handing each member's key to `member`, which must read its value.
    @inlinable
    package mutating func object(_ member: (inout JSONCursor, String) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), member(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Reads an array, calling `element` to read each element.
    @inlinable
    package mutating func array(_ element: (inout JSONCursor) -> Bool) -> Bool {
        guard take(UInt8(ascii: "[")) else { return false }
        if take(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]"))
    }

    /// An integer written without fraction or exponent that fits an `Int`.
    @inlinable
    package mutating func integer() -> Int? {
        guard let number = numberToken(), number.isInteger else { return nil }
        return Self.integer(number.text)
    }

    /// A number, or one of the strings `"nan"`, `"inf"`, `"-inf"` (the log's non-finite values).
    @inlinable
    package mutating func double() -> Double? {
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            switch string() {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return nil
            }
        }
        return numberToken().flatMap { Self.double($0.text) }
    }

    @inlinable
    package mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A parameter value as `ParameterValue.init(from:)` reads it: a string, else an integer, else
    /// a real number. A real number with an integral value is left to `JSONDecoder`, which reads
    /// `2.0` as the integer 2.
    @inlinable
    package mutating func parameterValue() -> ParameterValue? {
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") { return string().map { .string($0) } }
        guard let number = numberToken() else { return nil }
        if number.isInteger { return Self.integer(number.text).map { .int($0) } }
        guard let value = Self.double(number.text), value.rounded() != value else { return nil }
        return .double(value)
    }

    /// Skips any value, checking it as strictly as the reads above; nesting is limited. With
    /// `allowingPythonNonFinite`, Python's bare `NaN`, `Infinity` and `-Infinity` pass as numbers.
    @inlinable
    package mutating func skipValue(depth: Int = 0, allowingPythonNonFinite: Bool = false) -> Bool {
        skipWhitespace()
        guard position < bytes.count, depth < 32 else { return false }
        let lenient = allowingPythonNonFinite
        switch bytes[position] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"):
            return object { cursor, _ in cursor.skipValue(depth: depth + 1, allowingPythonNonFinite: lenient) }
        case UInt8(ascii: "["): return array { $0.skipValue(depth: depth + 1, allowingPythonNonFinite: lenient) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool() != nil
        case UInt8(ascii: "n"): return literal("null")
        default: return (lenient && pythonNonFinite() != nil) || numberToken() != nil
        }
    }

    /// Python's `json.dumps` spelling of non-finite floats, which is not JSON: bare `NaN`,
    /// `Infinity`, `-Infinity`.
    @inlinable
    package mutating func pythonNonFinite() -> Double? {
        if literal("NaN") { return .nan }
        if literal("Infinity") { return .infinity }
        if literal("-Infinity") { return -.infinity }
        return nil
    }

    // MARK: Tokens

    @inlinable
    package mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `word` (after whitespace) if it is next.
    @inlinable
    package mutating func literal(_ word: StaticString) -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count,
            memcmp(bytes.baseAddress! + position, word.utf8Start, count) == 0
        else { return false }
        position += count
        return true
    }

    /// The text of a number in JSON's grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    @inlinable
    package mutating func numberToken() -> (text: UnsafeRawBufferPointer, isInteger: Bool)? {
        skipWhitespace()
        let start = position
        var isInteger = true
        _ = next(UInt8(ascii: "-"))
        if next(UInt8(ascii: "0")) {
            guard !nextIsDigit else { return nil }
        } else {
            guard digits() else { return nil }
        }
        if next(UInt8(ascii: ".")) {
            isInteger = false
            guard digits() else { return nil }
        }
        if next(UInt8(ascii: "e")) || next(UInt8(ascii: "E")) {
            isInteger = false
            _ = next(UInt8(ascii: "+")) || next(UInt8(ascii: "-"))
            guard digits() else { return nil }
        }
        return (UnsafeRawBufferPointer(rebasing: bytes[start..<position]), isInteger)
    }

    /// Consumes `byte` if it is next (no whitespace allowed before it).
    @inlinable
    package mutating func next(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    @inlinable
    var nextIsDigit: Bool {
        position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
    }

    /// One or more digits.
    @inlinable
    mutating func digits() -> Bool {
        let start = position
        while nextIsDigit { position += 1 }
        return position > start
    }
}
