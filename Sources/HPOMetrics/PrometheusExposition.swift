import Foundation

/// A strict reader of the Prometheus text format (0.0.4), for tests and checks of what
/// `PrometheusText` writes: every line is `# HELP`, `# TYPE` or a sample `name{labels} value`;
/// every sample belongs to a family typed before it; a histogram's buckets are cumulative with
/// ascending bounds and end at `+Inf`, equal to its `_count`.
package struct PrometheusExposition: Sendable {
    package struct Sample: Sendable, Equatable {
        package var name: String
        package var labels: [String: String]
        package var value: Double
    }

    package struct Family: Sendable {
        package var type: String
        package var help: String?
    }

    package private(set) var families: [String: Family] = [:]
    package private(set) var samples: [Sample] = []

    package struct Invalid: Error, CustomStringConvertible {
        package let line: Int
        package let reason: String
        package var description: String { "line \(line): \(reason)" }
    }

    package init(parsing text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Invalid(line: 0, reason: "no newline at the end") }
        var current: String?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", PrometheusText.isValidName(parts[2]) else {
                    throw Invalid(line: number, reason: "bad comment: \(line)")
                }
                if parts[1] == "HELP" {
                    families[parts[2], default: Family(type: "untyped")].help = parts.count > 3 ? parts[3] : ""
                } else if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else {
                        throw Invalid(line: number, reason: "bad TYPE: \(line)")
                    }
                    guard samples.allSatisfy({ Self.family(of: $0.name, in: families) != parts[2] }) else {
                        throw Invalid(line: number, reason: "TYPE after samples of \(parts[2])")
                    }
                    families[parts[2], default: Family(type: "untyped")].type = parts[3]
                    current = parts[2]
                }
                continue
            }
            let sample = try Self.sample(String(line), line: number)
            guard let family = Self.family(of: sample.name, in: families), family == current else {
                throw Invalid(line: number, reason: "\(sample.name) has no TYPE just before its samples")
            }
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// The samples named `name` (with the labels given, if any).
    package func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(
            \.value)
    }

    /// The one value of `name` with `labels`, nil when there is none or several.
    package func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = values(name, labels)
        return found.count == 1 ? found[0] : nil
    }

    /// The family a sample name belongs to: itself, or a histogram's, from its suffix.
    static func family(of name: String, in families: [String: Family]) -> String? {
        if families[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let family = families[base], family.type == "histogram" || family.type == "summary" { return base }
        }
        return nil
    }

    static func sample(_ line: String, line number: Int) throws -> Sample {
        var rest = Substring(line)
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
        guard !name.isEmpty, PrometheusText.isValidName(String(name)) else {
            throw Invalid(line: number, reason: "bad name: \(line)")
        }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = rest.prefix { $0 != "=" }
                guard !key.isEmpty, PrometheusText.isValidName(String(key)), !key.contains(":") else {
                    throw Invalid(line: number, reason: "bad label name: \(line)")
                }
                rest = rest.dropFirst(key.count)
                guard rest.hasPrefix("=\"") else { throw Invalid(line: number, reason: "bad label: \(line)") }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first else {
                            throw Invalid(line: number, reason: "bad escape: \(line)")
                        }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw Invalid(line: number, reason: "bad escape: \(line)")
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard rest.first == "\"" else {
                    throw Invalid(line: number, reason: "unterminated label value: \(line)")
                }
                rest = rest.dropFirst()
                guard labels.updateValue(value, forKey: String(key)) == nil else {
                    throw Invalid(line: number, reason: "label repeated: \(line)")
                }
                if rest.first == "," {
                    rest = rest.dropFirst()
                } else if rest.first != "}" {
                    throw Invalid(line: number, reason: "bad label list: \(line)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Invalid(line: number, reason: "no value: \(line)") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = parseValue(String(fields[0])) else {
            throw Invalid(line: number, reason: "bad value: \(line)")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw Invalid(line: number, reason: "bad timestamp: \(line)") }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    private func checkHistograms() throws {
        for (name, family) in families where family.type == "histogram" {
            // One series per label set without `le`.
            let buckets = samples.filter { $0.name == name + "_bucket" }
            let series = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
            guard !series.isEmpty else { throw Invalid(line: 0, reason: "histogram \(name) has no buckets") }
            for (labels, buckets) in series {
                var previousBound = -Double.infinity
                var previousCount = 0.0
                for bucket in buckets {
                    guard let le = bucket.labels["le"], let bound = Self.parseValue(le), bound > previousBound else {
                        throw Invalid(line: 0, reason: "histogram \(name): bucket bounds not ascending")
                    }
                    guard bucket.value >= previousCount else {
                        throw Invalid(line: 0, reason: "histogram \(name): buckets not cumulative")
                    }
                    previousBound = bound
                    previousCount = bucket.value
                }
                guard previousBound == .infinity else {
                    throw Invalid(line: 0, reason: "histogram \(name): no +Inf bucket")
                }
                let count = samples.filter { $0.name == name + "_count" && $0.labels == labels }.map(\.value)
                let sum = samples.filter { $0.name == name + "_sum" && $0.labels == labels }
                guard count == [previousCount], sum.count == 1 else {
                    throw Invalid(
                        line: 0, reason: "histogram \(name): +Inf bucket \(previousCount) but _count \(count)")
                }
            }
        }
    }
}
