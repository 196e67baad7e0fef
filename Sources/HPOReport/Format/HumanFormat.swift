import Foundation
import HPOCore

/// Numbers, durations and times as people read them: `1.2e-4`, `0.0123`, `1,234`, `4m 05s`.
package enum HumanFormat {
    /// A real number with about `significant` significant digits: scientific notation below 1e-3 and
    /// from 1e5 (`1.2e-4`, `3.4e6`), fixed otherwise with thousands grouped (`0.0123`, `1,234.5`).
    package static func number(_ value: Double, significant: Int = 4) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        let digits = max(1, significant)
        if magnitude < 1e-3 || magnitude >= 1e5 { return scientific(value, significant: digits) }
        let exponent = Int(floor(log10(magnitude)))
        let decimals = max(0, digits - 1 - exponent)
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return grouped(text)
    }

    /// `1.2e-4`, `3e6`: a mantissa with at most `significant` digits and no padding in the exponent.
    package static func scientific(_ value: Double, significant: Int = 3) -> String {
        let text = String(format: "%.\(max(0, significant - 1))e", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        var mantissa = String(text[..<e])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        return "\(mantissa)e\(exponent)"
    }

    /// An integer with thousands grouped: `1,234`.
    package static func count(_ value: Int) -> String {
        grouped(String(value))
    }

    /// A fraction as a percentage: `83%`, `4.2%`, `0.3%`.
    package static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        let percent = fraction * 100
        if percent == 0 { return "0%" }
        return percent >= 10 || percent == percent.rounded()
            ? "\(Int(percent.rounded()))%" : String(format: "%.1f%%", percent)
    }

    /// A duration: `420 µs`, `35 ms`, `4.2 s`, `4m 05s`, `2h 03m`, `3d 04h`.
    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let s = max(0, seconds)
        if s < 0.001 { return s == 0 ? "0 s" : "\(Int((s * 1e6).rounded())) µs" }
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        if s < 60 { return s < 10 ? String(format: "%.1f s", s) : "\(Int(s.rounded())) s" }
        let total = Int(s.rounded())
        if total < 3600 { return String(format: "%dm %02ds", total / 60, total % 60) }
        if total < 86400 { return String(format: "%dh %02dm", total / 3600, total / 60 % 60) }
        return String(format: "%dd %02dh", total / 86400, total / 3600 % 24)
    }

    /// A pace: `35.7 trials/s` when at least one a second, else `12.5 trials/h`.
    package static func rate(perHour: Double) -> String {
        guard perHour.isFinite else { return "–" }
        if perHour >= 3600 { return "\(number(perHour / 3600, significant: 3)) trials/s" }
        return "\(number(perHour, significant: 3)) trials/h"
    }

    /// A parameter value: integers and strings as they are, reals with 4 significant digits.
    package static func parameter(_ value: ParameterValue) -> String {
        switch value {
        case .int(let x): String(x)
        case .double(let x): number(x)
        case .string(let x): x
        }
    }

    /// A log time (seconds since 1970) in UTC: `2026-11-29 18:15:00 UTC`.
    package static func timestamp(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Inserts thousands separators into the integer part of a plain decimal text.
    static func grouped(_ text: String) -> String {
        var sign = ""
        var body = Substring(text)
        if body.hasPrefix("-") {
            sign = "-"
            body = body.dropFirst()
        }
        let integer = body.prefix { $0 != "." }
        let rest = body.dropFirst(integer.count)
        guard integer.count > 3 else { return text }
        var result = ""
        for (i, digit) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return sign + result + rest
    }
}
