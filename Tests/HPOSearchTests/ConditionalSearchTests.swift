import Foundation
import HPOCore
import Testing

@testable import HPOSearch

/// optimizer ∈ {sgd, adam}; momentum only with sgd; layers 1…3; units_3 only with 3 layers;
/// units; forbidden: 3 layers with 512 units, and adam with units_3 = 64.
let conditionalSpace = SearchSpace(
    [
        ParameterSpec(name: "optimizer", domain: .choice([.string("sgd"), .string("adam")])),
        ParameterSpec(
            name: "momentum", domain: .float(low: 0, high: 0.99, log: false), gridSteps: 3,
            when: [ParameterMatch(name: "optimizer", values: [.string("sgd")])]),
        ParameterSpec(name: "layers", domain: .int(low: 1, high: 3, log: false)),
        ParameterSpec(
            name: "units_3", domain: .choice([.int(64), .int(512)]),
            when: [ParameterMatch(name: "layers", values: [.int(3)])]),
        ParameterSpec(name: "units", domain: .choice([.int(64), .int(512)]))
    ],
    forbidden: [
        ForbiddenCombination([
            ParameterMatch(name: "layers", values: [.int(3)]), ParameterMatch(name: "units", values: [.int(512)])
        ]),
        ForbiddenCombination([
            ParameterMatch(name: "optimizer", values: [.string("adam")]),
            ParameterMatch(name: "units_3", values: [.int(64)])
        ])
    ])

/// Checks the rules of a proposal: exactly its active parameters, valid values, not forbidden.
func checkValid(_ configuration: Parameters, in space: SearchSpace = conditionalSpace) {
    #expect(space.contains(configuration), "\(configuration)")
    #expect(!space.isForbidden(configuration), "forbidden: \(configuration)")
    let sgd = configuration["optimizer"] == .string("sgd")
    #expect((configuration["momentum"] != nil) == sgd, "\(configuration)")
    #expect((configuration["units_3"] != nil) == (configuration["layers"] == .int(3)), "\(configuration)")
}

/// Every valid configuration of the grid, by brute force over the full product.
private func expectedGrid() -> Set<Parameters> {
    var result = Set<Parameters>()
    for optimizer in ["sgd", "adam"] {
        for momentum in [0, 0.495, 0.99] {
            for layers in 1...3 {
                for units3 in [64, 512] {
                    for units in [64, 512] {
                        var c: Parameters = [
                            "optimizer": .string(optimizer), "layers": .int(layers), "units": .int(units)
                        ]
                        if optimizer == "sgd" { c["momentum"] = .double(momentum) }
                        if layers == 3 { c["units_3"] = .int(units3) }
                        if layers == 3 && units == 512 { continue }
                        if optimizer == "adam" && c["units_3"] == .int(64) { continue }
                        result.insert(c)
                    }
                }
            }
        }
    }
    return result
}

@Suite struct ConditionalSearchTests {
    @Test("random search samples only active parameters and never a forbidden configuration")
    func random() {
        var search = RandomSearch(space: conditionalSpace, seed: 3)
        let samples = search.propose(3000, history: SearchHistory())
        #expect(samples.count == 3000)
        for sample in samples { checkValid(sample) }
        // Both branches, and the conditional child, do occur.
        #expect(samples.contains { $0["momentum"] != nil } && samples.contains { $0["optimizer"] == .string("adam") })
        #expect(samples.contains { $0["units_3"] == .int(512) } && samples.contains { $0["units_3"] == .int(64) })
    }

    @Test("grid search visits every valid combination exactly once, also across a resume")
    func grid() {
        let expected = expectedGrid()
        var search = GridSearch(space: conditionalSpace)
        var seen: [Parameters] = []
        while !search.isExhausted { seen += search.propose(5, history: SearchHistory()) }
        #expect(seen.count == expected.count)
        #expect(Set(seen) == expected)
        for configuration in seen { checkValid(configuration) }
        // A resumed study after 7 proposals continues with the 8th.
        var resumed = GridSearch(space: conditionalSpace, alreadyProposed: 7)
        #expect(resumed.proposedCount == 7)
        #expect(resumed.propose(100, history: SearchHistory()) == Array(seen[7...]))
    }

    @Test("inactive parameters are imputed: configurations differing only there encode alike")
    func encoding() throws {
        let encoding = UnitCubeEncoding(space: conditionalSpace)
        // optimizer (one-hot, 2) + momentum + layers + units_3 + units (2 choices: one-hot) + 2 indicators.
        #expect(encoding.dimension == 2 + 1 + 1 + 2 + 2 + 2)
        let adam: Parameters = ["optimizer": .string("adam"), "layers": .int(2), "units": .int(64)]
        let point = encoding.encode(adam)
        #expect(encoding.decode(point) == adam)
        let withStray = encoding.snap(encoding.encode(adam.merging(["momentum": .double(0.3)]) { $1 }))
        #expect(withStray == encoding.snap(point))
        let momentumSlot = encoding.slots[1]
        let indicator = try #require(momentumSlot.indicator)
        #expect(point[momentumSlot.offset] == 0.5)
        #expect(point[indicator] == 0)
        let sgd = encoding.encode([
            "optimizer": .string("sgd"), "momentum": .double(0.5), "layers": .int(2), "units": .int(64)
        ])
        #expect(sgd[indicator] == 1)
        // Snapping a point moved into adam's branch drops momentum and imputes it.
        var moved = sgd
        moved[0] = 0
        moved[1] = 1
        let snapped = encoding.snap(moved)
        #expect(encoding.decode(snapped)["momentum"] == nil)
        #expect(snapped[momentumSlot.offset] == 0.5 && snapped[indicator] == 0)
    }

    @Test("bayes proposals, with running trials and batches, carry only active parameters and are never forbidden")
    func bayes() {
        var search = BayesianSearch(space: conditionalSpace, seed: 5, workers: 4)
        var history = SearchHistory()
        func objective(_ c: Parameters) -> Double {
            let base = c["optimizer"] == .string("sgd") ? abs((c["momentum"]?.doubleValue ?? 0) - 0.9) : 0.5
            return base + Double(c["layers"].flatMap(\.doubleValue) ?? 0) * 0.1
                + (c["units_3"] == .int(512) ? -0.25 : 0)
        }
        var proposed = 0
        for round in 0..<10 {
            let batch = search.propose(4, history: history)
            #expect(!batch.isEmpty)
            proposed += batch.count
            for configuration in batch { checkValid(configuration) }
            // Half the batch finishes, the rest keeps running into the next round.
            let finishing = round == 9 ? history.running + batch : Array(history.running) + batch.prefix(2)
            history.running = round == 9 ? [] : Array(batch.dropFirst(2))
            history.finished += finishing.map { ($0, objective($0)) }
        }
        #expect(proposed == 40)
        let all = history.finished.map(\.parameters)
        #expect(Set(all).count == all.count, "no configuration proposed twice")
    }

    @Test("a space with conditions and rules survives its JSON (the results log's study line)")
    func codable() throws {
        let data = try JSONEncoder().encode(conditionalSpace)
        #expect(try JSONDecoder().decode(SearchSpace.self, from: data) == conditionalSpace)
        let plain = SearchSpace([ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false))])
        let plainJSON = try JSONEncoder().encode(plain)
        #expect(String(decoding: plainJSON, as: UTF8.self).hasPrefix("["), "a space without rules is a list, as before")
        #expect(try JSONDecoder().decode(SearchSpace.self, from: plainJSON) == plain)
    }

    @Test("every configuration forbidden is detected; a space that still has one is not")
    func allForbidden() {
        var space = conditionalSpace
        #expect(space.hasAllowedConfiguration() == true)
        space.forbidden.append(ForbiddenCombination([ParameterMatch(name: "layers", values: [.int(1), .int(2)])]))
        space.forbidden.append(ForbiddenCombination([ParameterMatch(name: "units_3", values: [.int(512)])]))
        #expect(space.hasAllowedConfiguration() == true)  // sgd, 3 layers, units_3 64, units 64
        space.forbidden.append(ForbiddenCombination([ParameterMatch(name: "optimizer", values: [.string("sgd")])]))
        #expect(space.hasAllowedConfiguration() == false)
    }
}
