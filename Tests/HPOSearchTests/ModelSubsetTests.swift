import Testing

@testable import HPOSearch

@Suite struct ModelSubsetTests {
    private func results(_ count: Int) -> [(point: [Double], value: Double)] {
        // Values in a scrambled order, so "best" and "first" differ.
        (0..<count).map { i in ([Double(i)], Double((i * 7919) % count)) }
    }

    @Test("up to the cap every result is kept, as it was")
    func underTheCap() {
        let all = results(50)
        let subset = ModelSubset.select(all, cap: 50)
        #expect(subset.map(\.point) == all.map(\.point))
    }

    @Test("beyond the cap: the cap's size, the best half all in, the rest spread over arrival order, in arrival order")
    func overTheCap() {
        let all = results(2000)
        let subset = ModelSubset.select(all, cap: 300)
        #expect(subset.count == 300)
        let indices = subset.map { Int($0.point[0]) }
        #expect(indices == indices.sorted())
        #expect(Set(indices).count == 300)
        let best150 = Set(all.indices.sorted { all[$0].value < all[$1].value }.prefix(150))
        #expect(best150.isSubset(of: Set(indices)))
        // The other half covers the whole history, early design points included.
        let others = indices.filter { !best150.contains($0) }
        #expect(others.first! < 20 && others.last! > 1980)
    }
}
