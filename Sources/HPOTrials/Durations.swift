extension Duration {
    /// A number of seconds from a study file as a `Duration`; `nil` for NaN or more than a century
    /// (which `Duration` cannot hold or nobody means: no limit), zero for negative values.
    static func studySeconds(_ seconds: Double?) -> Duration? {
        guard let seconds, !seconds.isNaN, seconds < 3e9 else { return nil }
        return .seconds(max(seconds, 0))
    }

    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    var millisecondsRoundedUp: Int64 { (microseconds + 999) / 1000 }
}

/// Seconds as people write them in a reason: `10`, `0.5`.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
}
