/// The results a model is fitted to once a study has more than it can afford: every result up to
/// `cap`; beyond, the best half of the cap (where expected improvement looks) and the other half
/// spread evenly over the rest in the order they arrived (the space-filling design first, so the
/// subset still covers the space). A proposal's cost then stops growing with the study.
///
/// Every result still counts as taken: no point is proposed twice, whatever is in the subset.
enum ModelSubset {
    static func select(_ observed: [(point: [Double], value: Double)], cap: Int) -> [(point: [Double], value: Double)] {
        guard cap > 0, observed.count > cap else { return observed }
        let best = cap / 2
        let byValue = observed.indices.sorted {
            observed[$0].value < observed[$1].value || (observed[$0].value == observed[$1].value && $0 < $1)
        }
        var chosen = Set(byValue.prefix(best))
        let rest = observed.indices.filter { !chosen.contains($0) }
        let spread = cap - best
        for i in 0..<spread { chosen.insert(rest[i * rest.count / spread]) }
        // In arrival order, as the full list would be.
        return observed.indices.filter(chosen.contains).map { observed[$0] }
    }
}
