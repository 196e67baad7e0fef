import HPOCore
import Testing

@Suite struct ParetoFrontTests {
    @Test("the front keeps the points nothing dominates, equal points included")
    func nonDominated() {
        let points: [[Double]] = [[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [5, 5], [1, 6]]
        // [3, 4] is dominated by [2, 3]; [5, 5] by all; [1, 6] by [1, 5].
        #expect(ParetoFront.nonDominated(points) == [0, 1, 3, 4])
        #expect(ParetoFront.dominates([1, 1], [1, 2]) && !ParetoFront.dominates([1, 2], [1, 2]))
    }

    @Test("2-d hypervolume, computed by hand: a staircase of rectangles")
    func twoDimensional() {
        // Reference (6, 6): [1, 5] adds 5 × 1, [2, 3] adds 4 × 2, [4, 1] adds 2 × 2 → 5 + 8 + 4 = 17.
        let points: [[Double]] = [[1, 5], [2, 3], [4, 1], [3, 4], [7, 0]]
        #expect(ParetoFront.hypervolume(points, reference: [6, 6]) == 17)
        #expect(ParetoFront.hypervolume([[6, 1]], reference: [6, 6]) == 0, "a point on the reference adds nothing")
        #expect(ParetoFront.hypervolume([], reference: [1, 1]) == 0)
    }

    @Test("3-d hypervolume, computed by hand: the union of boxes")
    func threeDimensional() {
        // Reference (2, 2, 2). [0, 0, 1] dominates a 2 × 2 × 1 box (4); [1, 1, 0] a 1 × 1 × 2 box
        // (2); they overlap in 1 × 1 × 1 (1): 4 + 2 − 1 = 5.
        #expect(ParetoFront.hypervolume([[0, 0, 1], [1, 1, 0]], reference: [2, 2, 2]) == 5)
        // One point: the box to the reference.
        #expect(ParetoFront.hypervolume([[0.5, 1, 1.5]], reference: [2, 2, 2]) == 1.5 * 1 * 0.5)
        // Each of three boxes is 2 × 1 × 1; every pair, and all three, share the cube [1, 2]³:
        // 6 − 3 + 1 = 4.
        #expect(ParetoFront.hypervolume([[0, 1, 1], [1, 0, 1], [1, 1, 0]], reference: [2, 2, 2]) == 4)
    }

    @Test(
        "the default reference is the worst value plus a tenth of the range; a given one wins, negated when maximised")
    func reference() {
        #expect(ParetoFront.defaultReference([[0, 10], [1, 20]]) == [1.1, 21])
        var config = StudyConfig(
            name: "t", objective: Objective(metric: "a", direction: .minimize), budget: Budget(trials: 1),
            strategy: StrategyConfig(kind: .random), seed: 0,
            space: SearchSpace([]), trial: TrialSpec(program: .builtin("zdt1")))
        config.paretoObjectives = [
            Objective(metric: "a", direction: .minimize), Objective(metric: "b", direction: .maximize, reference: 0.5)
        ]
        #expect(config.hypervolumeReference(losses: [[0, -1], [1, -2]]) == [1.1, -0.5])
        #expect(config.losses(of: ["a": 1, "b": 2]) == [1, -2])
        #expect(config.losses(of: ["a": 1]) == nil)
        #expect(config.missingObjective(in: ["a": 1, "b": .nan]) == "objective metric 'b' is NaN")
    }

    @Test("a constraint holds inside its bounds, inclusive; a missing or non-finite metric breaks it")
    func constraints() {
        let both = OutcomeConstraint(metric: "m", min: 1, max: 2)
        #expect(both.isSatisfied(by: ["m": 1]) && both.isSatisfied(by: ["m": 2]))
        #expect(!both.isSatisfied(by: ["m": 0.5]) && !both.isSatisfied(by: ["m": 2.5]))
        #expect(!both.isSatisfied(by: [:]) && !both.isSatisfied(by: ["m": .nan]))
        var config = StudyConfig(
            name: "t", objective: Objective(metric: "a", direction: .minimize), budget: Budget(trials: 1),
            strategy: StrategyConfig(kind: .random), seed: 0,
            space: SearchSpace([]), trial: TrialSpec(program: .builtin("zdt1")))
        #expect(config.feasibility(of: [:]) == nil, "no constraints: neither feasible nor not")
        config.constraints = [OutcomeConstraint(metric: "m", max: 2), OutcomeConstraint(metric: "n", min: 0)]
        #expect(config.feasibility(of: ["m": 1, "n": 0]) == true)
        #expect(config.feasibility(of: ["m": 1]) == false)
        #expect(config.feasibility(of: ["m": 3, "n": 1]) == false)
    }

    @Test("the archive, fed point by point, keeps exactly the front of all points", arguments: [1, 2, 3])
    func archiveMatchesFront(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        // Coarse values so that equal points and ties in one coordinate occur.
        let points = (0..<200).map { _ in (0..<3).map { _ in Double(Int.random(in: 0..<8, using: &generator)) } }
        var archive = ParetoArchive()
        for point in points { archive.insert(point) }
        let front = ParetoFront.nonDominated(points).map { points[$0] }
        #expect(
            archive.points.sorted { $0.lexicographicallyPrecedes($1) }
                == front.sorted { $0.lexicographicallyPrecedes($1) })
    }
}
