import Foundation

/// The Prometheus text exposition format (version 0.0.4), written by hand: a few families with
/// `# HELP` and `# TYPE` lines and their samples. Names must match `[a-zA-Z_:][a-zA-Z0-9_:]*`
/// (checked: the names are this program's own, so a bad one is a programming error); label
/// values are escaped (a study name is user text).
package struct PrometheusText {
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    package private(set) var text = ""

    package init() {}

    package enum Kind: String { case counter, gauge, histogram, untyped }

    /// One family with one sample per label set.
    package mutating func family(
        _ name: String, _ kind: Kind, help: String, samples: [(labels: [(String, String)], value: Double)]
    ) {
        header(name, kind, help: help)
        for sample in samples { line(name, sample.labels, sample.value) }
    }

    /// One family with a single unlabelled sample.
    package mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        family(name, kind, help: help, samples: [([], value)])
    }

    /// A histogram: `_bucket{le="…"}` (cumulative, ending with `+Inf` equal to `_count`), `_sum`, `_count`.
    package mutating func histogram(
        _ name: String, help: String, labels: [(String, String)] = [], _ histogram: HistogramSnapshot
    ) {
        header(name, .histogram, help: help)
        for (bound, cumulative) in zip(histogram.bounds, histogram.cumulative) {
            line(name + "_bucket", labels + [("le", Self.format(bound))], Double(cumulative))
        }
        line(name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
        line(name + "_sum", labels, histogram.sum)
        line(name + "_count", labels, Double(histogram.count))
    }

    private mutating func header(_ name: String, _ kind: Kind, help: String) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    private mutating func line(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escapeLabelValue($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(Self.format(value))\n"
    }

    /// Integers without a fraction, `+Inf`/`-Inf`/`NaN` as the format spells them, others in full precision.
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `\` → `\\`, newline → `\n`, `"` → `\"`.
    package static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"": out += "\\\""
            default: out.append(character)
            }
        }
        return out
    }

    /// `\` → `\\`, newline → `\n`.
    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || first == "_" || first == ":"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":")
        }
    }
}
