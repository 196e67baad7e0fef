/// "Did you mean …?" for the names a user types: study-file keys, trainer hyperparameters.
package enum Spelling {
    /// The Levenshtein distance between two strings (insertions, deletions, substitutions).
    package static func distance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The candidate nearest to `name` (compared in lower case), if it is within `maxDistance`
    /// edits and closer than the length of `name` (so that "x" does not suggest "lr").
    package static func closest(to name: String, in candidates: [String], maxDistance: Int) -> String? {
        let lowered = name.lowercased()
        let scored = candidates.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= maxDistance, best.1 < name.count else { return nil }
        return best.0
    }
}
