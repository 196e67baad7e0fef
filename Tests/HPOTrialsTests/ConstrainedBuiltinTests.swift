import Foundation
import HPOCore
import Testing

@testable import HPOTrials

/// The constrained built-ins report the objective and each constraint with the values of their
/// definitions, and their documented best feasible points are feasible and reach `minimum`.
@Suite struct ConstrainedBuiltinTests {
    @Test("gramacy reports objective, c1 and c2; its optimum is feasible (within rounding) and the origin is not")
    func gramacy() throws {
        let gramacy = try #require(BuiltinFunction.named("gramacy"))
        let origin = gramacy.metrics(at: [0, 0])
        #expect(Set(origin.keys) == ["objective", "c1", "c2"])
        #expect(origin["objective"] == 0 && origin["c1"] == 1.5 && origin["c2"] == -1.5)
        let best = gramacy.metrics(at: [0.1951227, 0.4046654])
        #expect(abs(best["objective"]! - gramacy.minimum) < 1e-6)
        #expect(best["c1"]! < 1e-6 && best["c2"]! < 0)
        // Slightly closer to the origin along the diagonal: infeasible (c1 > 0).
        #expect(gramacy.metrics(at: [0.19, 0.40])["c1"]! > 0)
    }

    @Test("gardner: feasible at its optimum (3π/2, asin 0.95), infeasible at the centre of the square")
    func gardner() throws {
        let gardner = try #require(BuiltinFunction.named("gardner"))
        let best = gardner.metrics(at: [3 * Double.pi / 2, asin(0.95)])
        #expect(Set(best.keys) == ["objective", "c1"])
        #expect(abs(best["objective"]! - gardner.minimum) < 1e-6 && best["c1"]! <= 1e-12)
        #expect(gardner.metrics(at: [3, 3])["c1"]! > 0)
    }
}
