extension JSONCursor {
    /// The value of an integer's text (`-?[0-9]+`), if it fits an `Int`.
    @inlinable
    package static func integer(_ text: UnsafeRawBufferPointer) -> Int? {
        let negative = text.first == UInt8(ascii: "-")
        var value = 0
        for digit in text.dropFirst(negative ? 1 : 0) {
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(Int(digit &- UInt8(ascii: "0")))
            guard !overflowed, !carried else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// The nearest double to a number's text (correctly rounded, in any locale, as `JSONDecoder`
    /// reads it). Numbers `JSONDecoder` refuses (too large, too small) or that would land on a
    /// subnormal are left to it.
    @inlinable
    package static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite, value == 0 || value.isNormal
        else { return nil }
        // An underflow reads as zero.
        let mantissa = text.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
        if value == 0, mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) { return nil }
        return value
    }
}
