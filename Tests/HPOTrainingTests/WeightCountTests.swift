import HPOCore
import HPOTraining
import Testing

@Suite struct WeightCountTests {
    @Test("the weight count is every weight and bias of 64 → units × layers → 10, counted by hand")
    func byHand() throws {
        // 64·32 + 32 + 32·10 + 10.
        #expect(try TrainerHyperparameters(["layers": .int(1), "units": .int(32)]).weightCount == 2410)
        // 64·16 + 16 + 16·16 + 16 + 16·10 + 10.
        #expect(try TrainerHyperparameters(["layers": .int(2), "units": .int(16)]).weightCount == 1482)
    }

    @Test("the memory estimate counts weights, gradients, optimizer state and one batch's activations, in floats")
    func memoryByHand() throws {
        // sgd: 2410 · 3 floats; batch 64 · (64 + 3·32·1 + 2·10) activations; 4 bytes each.
        let sgd = try TrainerHyperparameters(["layers": .int(1), "units": .int(32)])
        #expect(sgd.memoryEstimateMB == Double((2410 * 3 + 64 * (64 + 96 + 20)) * 4) / 1_048_576)
        // adam keeps two moment buffers: one more copy of the weights.
        let adam = try TrainerHyperparameters(["layers": .int(1), "units": .int(32), "optimizer": .string("adam")])
        #expect(adam.memoryEstimateMB - sgd.memoryEstimateMB == Double(2410 * 4) / 1_048_576)
    }
}
