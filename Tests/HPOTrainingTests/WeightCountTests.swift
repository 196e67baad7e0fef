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
}
