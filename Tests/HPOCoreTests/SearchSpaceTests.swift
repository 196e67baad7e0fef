import HPOCore
import HPOSearch
import Testing

@Suite struct SearchSpaceTests {
    let space = SearchSpace([
        ParameterSpec(name: "lr", domain: .float(low: 1e-5, high: 1, log: true)),
        ParameterSpec(name: "momentum", domain: .float(low: 0, high: 0.99, log: false)),
        ParameterSpec(name: "layers", domain: .int(low: 1, high: 4, log: false)),
        ParameterSpec(name: "batch", domain: .int(low: 16, high: 512, log: true)),
        ParameterSpec(name: "units", domain: .choice([.int(32), .int(64), .int(128)])),
        ParameterSpec(name: "activation", domain: .choice([.string("relu"), .string("tanh")]))
    ])

    @Test("random samples stay inside their bounds and have the right types")
    func samplesInBounds() {
        var search = RandomSearch(space: space, seed: 1)
        let samples = search.propose(2000, history: SearchHistory())
        #expect(samples.count == 2000)
        for sample in samples {
            #expect(space.contains(sample), "\(sample)")
            guard case .double = sample["lr"], case .int = sample["layers"], case .int = sample["batch"],
                case .string = sample["activation"]
            else {
                Issue.record("wrong value types in \(sample)")
                continue
            }
        }
    }

    @Test("a log-scaled float is uniform in log space: about half the samples fall below the geometric middle")
    func logScale() {
        var search = RandomSearch(space: space, seed: 2)
        let rates = search.propose(4000, history: SearchHistory()).compactMap { $0["lr"]?.doubleValue }
        let belowMiddle = rates.filter { $0 < 10e-3 / 3.1623 }.count  // sqrt(1e-5 * 1) ≈ 3.16e-3
        #expect(abs(Double(belowMiddle) / Double(rates.count) - 0.5) < 0.04)
        // On a linear scale, values under 0.1 would be 10%; log-uniform puts 80% there.
        let underTenth = rates.filter { $0 < 0.1 }.count
        #expect(abs(Double(underTenth) / Double(rates.count) - 0.8) < 0.04)
    }

    @Test("integers and choices reach every value, including both ends")
    func intsAndChoicesCoverTheirRange() {
        var search = RandomSearch(space: space, seed: 3)
        let samples = search.propose(1000, history: SearchHistory())
        #expect(Set(samples.compactMap { $0["layers"] }) == [.int(1), .int(2), .int(3), .int(4)])
        #expect(Set(samples.compactMap { $0["units"] }) == [.int(32), .int(64), .int(128)])
        let batches = samples.compactMap { if case .int(let b) = $0["batch"] { b } else { nil } }
        #expect(batches.min()! < 20 && batches.max()! > 450)
    }

    @Test("consecutive random proposals are independent: no value carries over to the next trial")
    func consecutiveProposalsIndependent() {
        let square = SearchSpace([
            ParameterSpec(name: "x0", domain: .float(low: 0, high: 1, log: false)),
            ParameterSpec(name: "x1", domain: .float(low: 0, high: 1, log: false))
        ])
        var search = RandomSearch(space: square, seed: 1)
        let samples = search.propose(500, history: SearchHistory()).map {
            ($0["x0"]?.doubleValue ?? .nan, $0["x1"]?.doubleValue ?? .nan)
        }
        // Each stream used to be its neighbour shifted by one: x1 of trial t was x0 of trial t+1.
        let carried = zip(samples, samples.dropFirst()).filter { $0.0.1 == $0.1.0 }.count
        #expect(carried == 0)
        // And x1 of one trial says nothing about x0 of the next: correlation near 0.
        let pairs = zip(samples, samples.dropFirst()).map { ($0.0.1, $0.1.0) }
        #expect(abs(correlation(pairs)) < 0.15)
    }

    private func correlation(_ pairs: [(Double, Double)]) -> Double {
        let n = Double(pairs.count)
        let mx = pairs.map(\.0).reduce(0, +) / n
        let my = pairs.map(\.1).reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (x, y) in pairs {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
            syy += (y - my) * (y - my)
        }
        return sxy / (sxx * syy).squareRoot()
    }

    @Test("random search is reproducible from its seed and can continue its stream")
    func reproducible() {
        var a = RandomSearch(space: space, seed: 42)
        var b = RandomSearch(space: space, seed: 42)
        var c = RandomSearch(space: space, seed: 43)
        let first = a.propose(10, history: SearchHistory())
        #expect(first == b.propose(10, history: SearchHistory()))
        #expect(first != c.propose(10, history: SearchHistory()))
        // A resumed search that already proposed 4 continues with the 5th.
        var resumed = RandomSearch(space: space, seed: 42, alreadyProposed: 4)
        #expect(resumed.propose(6, history: SearchHistory()) == Array(first[4...]))
    }

    @Test("grid points of a float with steps are evenly spaced and include both ends")
    func floatGrid() {
        let linear = ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false), gridSteps: 5)
        #expect(linear.gridPoints == [0, 0.25, 0.5, 0.75, 1].map(ParameterValue.double))
        let log = ParameterSpec(name: "lr", domain: .float(low: 1e-4, high: 1, log: true), gridSteps: 5)
        let values = log.gridPoints.compactMap(\.doubleValue)
        for (value, expected) in zip(values, [1e-4, 1e-3, 1e-2, 1e-1, 1]) {
            #expect(abs(value / expected - 1) < 1e-9)
        }
    }

    @Test("an int grid without steps is every integer; with steps, distinct rounded points")
    func intGrid() {
        #expect(
            ParameterSpec(name: "n", domain: .int(low: 2, high: 5, log: false)).gridPoints
                == [2, 3, 4, 5].map(ParameterValue.int))
        let stepped = ParameterSpec(name: "n", domain: .int(low: 1, high: 100, log: false), gridSteps: 3)
        #expect(stepped.gridPoints == [1, 51, 100].map(ParameterValue.int))
        let explicit = ParameterSpec(
            name: "n", domain: .int(low: 1, high: 100, log: false), gridValues: [.int(7), .int(9)])
        #expect(explicit.gridPoints == [.int(7), .int(9)])
    }

    @Test("grid search visits every point of the product exactly once, then is exhausted")
    func gridEnumeration() {
        let grid = SearchSpace([
            ParameterSpec(name: "a", domain: .float(low: 0, high: 1, log: false), gridSteps: 3),
            ParameterSpec(name: "b", domain: .choice([.string("x"), .string("y")])),
            ParameterSpec(name: "c", domain: .int(low: 1, high: 4, log: false))
        ])
        #expect(grid.gridSize == 24)
        var search = GridSearch(space: grid)
        var seen: [Parameters] = []
        while !search.isExhausted {
            seen += search.propose(5, history: SearchHistory())
        }
        #expect(seen.count == 24)
        #expect(Set(seen).count == 24)
        #expect(search.propose(3, history: SearchHistory()).isEmpty)
        #expect(seen.allSatisfy(grid.contains))
        // The last parameter varies fastest.
        #expect(seen[0] == ["a": .double(0), "b": .string("x"), "c": .int(1)])
        #expect(seen[1] == ["a": .double(0), "b": .string("x"), "c": .int(2)])
    }

    @Test("contains rejects missing, extra and out-of-range parameters")
    func containsChecks() {
        let small = SearchSpace([ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false))])
        #expect(small.contains(["x": .double(0.5)]))
        #expect(!small.contains(["x": .double(1.5)]))
        #expect(!small.contains([:]))
        #expect(!small.contains(["x": .double(0.5), "y": .int(1)]))
        #expect(!small.contains(["x": .string("a")]))
    }

    @Test("objective direction decides what is better")
    func direction() {
        #expect(Objective(metric: "loss", direction: .minimize).isBetter(1, than: 2))
        #expect(Objective(metric: "acc", direction: .maximize).isBetter(2, than: 1))
        #expect(!Objective(metric: "acc", direction: .maximize).isBetter(1, than: 1))
    }
}
