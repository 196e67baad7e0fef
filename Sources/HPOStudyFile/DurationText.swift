import Yams

/// Durations in the study file: seconds as a number (`90`, `0.5`), or a string of amounts with
/// units from the largest to the smallest: `90s`, `10m`, `2h`, `1h30m`, `1.5h`, `500ms`, `1d`.
enum DurationText {
    /// The units in the order they must appear, with their length in seconds.
    static let units: [(name: String, seconds: Double)] = [
        ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1), ("ms", 0.001)
    ]

    /// What a duration looks like, for error messages.
    static let expectation = "a duration (seconds as a number, or a string like '90s', '10m', '2h', '1h30m')"

    /// The number of seconds `text` stands for, or nil if it is not a duration.
    static func seconds(_ text: String) -> Double? {
        if let plain = YAMLField.number(text) { return plain }
        var rest = Substring(text)
        var total = 0.0
        var previousUnit = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let amount = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(amount.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard let value = Double(amount),
                let index = units.firstIndex(where: { $0.name == unit }), index > previousUnit
            else { return nil }
            total += value * units[index].seconds
            previousUnit = index
        }
        return total
    }
}

extension YAMLField {
    /// A duration in seconds, at least zero (or above zero when `positive`).
    func duration(positive: Bool) throws -> Double {
        guard case .scalar(let scalar) = node, !isNull, let seconds = DurationText.seconds(scalar.string) else {
            throw expected(DurationText.expectation)
        }
        if positive, seconds <= 0 { throw error("expected a duration above zero, found '\(scalar.string)'") }
        if seconds < 0 { throw error("expected a duration of zero or more, found '\(scalar.string)'") }
        return seconds
    }
}
