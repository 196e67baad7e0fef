import Testing

@testable import HPOTraining

@Suite struct ScheduleTests {
    func schedule(_ kind: ScheduleKind, cycle: Int = 10, total: Int = 100) -> Schedule {
        Schedule(
            kind: kind, maxRate: 1, minRate: 0.1, cycleSteps: cycle, totalSteps: total, momentum: 0.9, lowMomentum: 0.8)
    }

    @Test("constant is learning_rate throughout")
    func constant() {
        #expect((0..<50).allSatisfy { schedule(.constant).at(step: $0) == (1, 0.9) })
    }

    @Test("triangular goes lr_min → learning_rate → lr_min every cycle")
    func triangular() {
        let s = schedule(.triangular)
        let rates = (0...20).map { s.at(step: $0).lr }
        #expect(abs(rates[0] - 0.1) < 1e-12)
        #expect(abs(rates[5] - 1) < 1e-12)
        #expect(abs(rates[10] - 0.1) < 1e-12)
        #expect(abs(rates[15] - 1) < 1e-12)
        #expect(abs(rates[3] - (0.1 + 0.9 * 0.6)) < 1e-12)
        #expect((0...20).allSatisfy { s.at(step: $0).momentum == 0.9 })
    }

    @Test(
        """
        one-cycle rises to learning_rate at 45%, returns to lr_min at 90%, ends at lr_min/100; momentum moves \
        against it
        """
    )
    func oneCycle() {
        let s = schedule(.oneCycle, total: 101)  // steps 0…100: t = step / 100
        #expect(abs(s.at(step: 0).lr - 0.1) < 1e-12)
        #expect(abs(s.at(step: 45).lr - 1) < 1e-12)
        #expect(abs(s.at(step: 90).lr - 0.1) < 1e-12)
        #expect(abs(s.at(step: 100).lr - 0.001) < 1e-12)
        #expect(abs(s.at(step: 0).momentum - 0.9) < 1e-12)
        #expect(abs(s.at(step: 45).momentum - 0.8) < 1e-12)
        #expect(abs(s.at(step: 95).momentum - 0.9) < 1e-12)
    }

    @Test("the trainer's one-cycle cycles momentum only for SGD with cycle_momentum")
    func momentumCycling() throws {
        var h = TrainerHyperparameters()
        h.schedule = .oneCycle
        #expect(Schedule(h, batchesPerEpoch: 10).lowMomentum == 0.8)
        h.cycleMomentum = false
        #expect(Schedule(h, batchesPerEpoch: 10).lowMomentum == 0.9)
        h.cycleMomentum = true
        h.optimizer = .adam
        #expect(Schedule(h, batchesPerEpoch: 10).lowMomentum == 0.9)
    }
}
