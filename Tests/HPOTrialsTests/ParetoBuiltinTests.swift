import Foundation
import HPOCore
import Testing

@testable import HPOTrials

/// The two-objective built-ins report f1 and f2 with the values of their definitions.
@Suite struct ParetoBuiltinTests {
    @Test("on the front (x1… = 0) ZDT1 gives f2 = 1 − √f1 and ZDT2 f2 = 1 − f1²; off it f2 grows with g")
    func zdt() throws {
        let zdt1 = try #require(BuiltinFunction.named("zdt1"))
        let zdt2 = try #require(BuiltinFunction.named("zdt2"))
        let onFront = [0.25, 0, 0, 0, 0, 0]
        #expect(zdt1.metrics(at: onFront) == ["f1": 0.25, "f2": 0.5])
        #expect(zdt2.metrics(at: onFront) == ["f1": 0.25, "f2": 1 - 0.0625])
        // g = 1 + 9 · (1 + 1)/2 = 10 for x = (0, 1, 1): f2 = 10 · (1 − 0) = 10.
        #expect(zdt1.metrics(at: [0, 1, 1]) == ["f1": 0, "f2": 10])
    }

    @Test("DTLZ2 with two objectives: the unit quarter circle where x1… = ½, a larger radius elsewhere")
    func dtlz2() throws {
        let dtlz2 = try #require(BuiltinFunction.named("dtlz2"))
        let front = dtlz2.metrics(at: [1.0 / 3, 0.5, 0.5])
        #expect(abs(front["f1"]! - cos(Double.pi / 6)) < 1e-12 && abs(front["f2"]! - sin(Double.pi / 6)) < 1e-12)
        let off = dtlz2.metrics(at: [0, 1, 0.5])
        #expect(off == ["f1": 1.25, "f2": 0])
    }

    @Test("a built-in trial of zdt1 reports both objectives")
    func trialReportsBoth() throws {
        let function = try #require(BuiltinFunction.named("zdt1"))
        let x = try BuiltinTrial.inputs(for: function, from: ["x0": .double(0.25), "x1": .double(0), "x2": .int(0)])
        #expect(x == [0.25, 0, 0])
        #expect(Set(function.metrics(at: x).keys) == ["f1", "f2"])
    }
}
