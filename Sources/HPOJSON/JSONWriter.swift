import HPOCore

/// Writes JSON byte for byte as Foundation's `JSONEncoder` does with `outputFormatting`
/// `.sortedKeys` (and optionally `.withoutEscapingSlashes`) and non-finite numbers converted to
/// the strings `"inf"`, `"-inf"` and `"nan"`, for the hand-written encoders of the hottest wire
/// messages and log lines.
///
/// What it copies from `JSONEncoder` (swift-foundation's `JSONWriter` and `__JSONEncoder`):
/// - no whitespace; the members of an object in the order of their keys' UTF-8 bytes: the caller
///   writes fixed keys in that order, and `sortedKeys(_:)` orders a dictionary's keys;
/// - strings: `"` and `\` escaped, `/` as `\/` unless slashes are left alone, `\b \f \n \r \t`,
///   the other control characters as `\u00xx` (lower-case hex), everything else (DEL, non-ASCII)
///   as its UTF-8 bytes;
/// - a `Double` as its `description` without a trailing `.0` (`2`, `-0`, `1e+20`, `5e-324`);
///   integers as decimal digits.
///
/// The separators are written for the caller: `key(_:)` and every value put a comma before
/// themselves when a value came before them in the same object or array.
package struct JSONWriter {
    package var bytes: [UInt8]
    /// Whether `/` is written as `\/` (JSONEncoder's default; not with `.withoutEscapingSlashes`).
    package let escapesSlashes: Bool
    /// A value (or a whole object or array) was just written: the next member or element needs a
    /// comma. Set it after appending members to `bytes` directly.
    package var afterValue = false

    @inlinable
    package init(escapesSlashes: Bool, capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.escapesSlashes = escapesSlashes
    }

    // MARK: Structure

    @inlinable
    mutating func separate() {
        if afterValue { bytes.append(UInt8(ascii: ",")) }
    }

    @inlinable
    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        afterValue = false
    }

    @inlinable
    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        afterValue = true
    }

    @inlinable
    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        afterValue = false
    }

    @inlinable
    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        afterValue = true
    }

    /// A member's key, a fixed name that needs no escaping (ASCII letters, digits, `_`).
    @inlinable
    package mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }

    /// A member's key taken from data (a dictionary key): escaped like any string.
    @inlinable
    package mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }

    // MARK: Values

    @inlinable
    package mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
        afterValue = true
    }

    @usableFromInline
    mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard
                byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                    || (byte == UInt8(ascii: "/") && escapesSlashes)
            else { continue }
            if index > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
            start = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0x0F))
            }
        }
        if utf8.count > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
    }

    @inlinable
    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    @inlinable
    package mutating func int(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // At most 20 digits; written backwards into a small buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            repeat {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
        afterValue = true
    }

    @inlinable
    package mutating func int32(_ value: Int32) { int(Int(value)) }

    @inlinable
    package mutating func bool(_ value: Bool) {
        separate()
        // Not `if value { append(contentsOf: [t, r, u, e]) } else { … }`: Swift 6.3.1's optimiser
        // inverted that in release builds (debug was right; the release run of FastEncodingTests
        // in scripts/test.sh guards it).
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
        afterValue = true
    }

    /// A real number as JSONEncoder writes it: `description` less a trailing `.0`; NaN and the
    /// infinities as the strings `"nan"`, `"inf"`, `"-inf"`.
    @inlinable
    package mutating func double(_ value: Double) {
        guard value.isFinite else {
            string(value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
            return
        }
        separate()
        var text = value.description
        text.withUTF8 { utf8 in
            var count = utf8.count
            if count >= 2, utf8[count - 2] == UInt8(ascii: "."), utf8[count - 1] == UInt8(ascii: "0") { count -= 2 }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<count]))
        }
        afterValue = true
    }

    /// The bytes of a value already written as JSON (by this writer or by JSONEncoder).
    @inlinable
    package mutating func rawValue(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        afterValue = true
    }

    // MARK: Dictionaries

    /// A dictionary's keys in JSONEncoder's `.sortedKeys` order: by their UTF-8 bytes.
    @inlinable
    package static func sortedKeys<Value>(_ dictionary: [String: Value]) -> [String] {
        dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// An object with a dictionary's members, keys sorted, each value written by `value`.
    @inlinable
    package mutating func dictionary<Value>(_ dictionary: [String: Value], _ value: (inout JSONWriter, Value) -> Void) {
        beginObject()
        if dictionary.count == 1, let (key, element) = dictionary.first {
            self.key(key)
            value(&self, element)
        } else {
            for key in Self.sortedKeys(dictionary) {
                self.key(key)
                value(&self, dictionary[key]!)
            }
        }
        endObject()
    }

    @inlinable
    package mutating func doubles(_ dictionary: [String: Double]) {
        self.dictionary(dictionary) { $0.double($1) }
    }

    @inlinable
    package mutating func strings(_ dictionary: [String: String]) {
        self.dictionary(dictionary) { $0.string($1) }
    }
}

extension JSONWriter {
    /// A parameter value as `ParameterValue.encode(to:)` writes it: a bare number or string.
    @inlinable
    package mutating func parameterValue(_ value: ParameterValue) {
        switch value {
        case .int(let value): int(value)
        case .double(let value): double(value)
        case .string(let value): string(value)
        }
    }

    @inlinable
    package mutating func parameters(_ parameters: Parameters) {
        dictionary(parameters) { $0.parameterValue($1) }
    }
}
