import HPOCore
import Testing

@testable import HPOSearch

/// A space with every kind of parameter the encoding treats differently.
let mixedSpace = SearchSpace([
    ParameterSpec(name: "lr", domain: .float(low: 1e-5, high: 1, log: true)),
    ParameterSpec(name: "momentum", domain: .float(low: 0, high: 0.99, log: false)),
    ParameterSpec(name: "layers", domain: .int(low: 1, high: 4, log: false)),
    ParameterSpec(name: "width", domain: .int(low: 8, high: 512, log: true)),
    ParameterSpec(name: "units", domain: .choice([.int(32), .int(64), .int(128), .int(256)])),
    ParameterSpec(name: "act", domain: .choice([.string("relu"), .string("tanh"), .string("gelu")]))
])

@Suite struct UnitCubeEncodingTests {
    let encoding = UnitCubeEncoding(space: mixedSpace)

    @Test("ordered numeric choices are ordinal, other choices one-hot")
    func layout() {
        #expect(encoding.dimension == 1 + 1 + 1 + 1 + 1 + 3)
        #expect(
            encoding.slots.map(\.kind) == [
                .continuous, .continuous, .cells(count: 4), .cells(count: 505), .cells(count: 4), .oneHot(count: 3)
            ])
        #expect(encoding.continuousMask == [true, true, true, true, true, false, false, false])
        #expect(!UnitCubeEncoding.isOrdered([.int(3), .int(1), .int(2)]))
        #expect(!UnitCubeEncoding.isOrdered([.int(1), .int(2)]))
    }

    @Test("configurations round-trip through the encoding, and their encodings are already snapped")
    func roundTrip() {
        var generator = SplitMix64(seed: 5)
        for _ in 0..<500 {
            let configuration = mixedSpace.configuration(atUnit: (0..<6).map { _ in generator.nextUnit() })
            let point = encoding.encode(configuration)
            #expect(point.allSatisfy { $0 >= 0 && $0 <= 1 })
            let decoded = encoding.decode(point)
            #expect(decoded["layers"] == configuration["layers"])
            #expect(decoded["width"] == configuration["width"])
            #expect(decoded["units"] == configuration["units"])
            #expect(decoded["act"] == configuration["act"])
            for name in ["lr", "momentum"] {
                let a = decoded[name]?.doubleValue ?? .nan
                let b = configuration[name]?.doubleValue ?? .nan
                #expect(abs(a - b) <= 1e-12 * max(1, abs(b)))
            }
            #expect(encoding.snap(point) == point)
        }
    }

    @Test("every point of the cube decodes to a valid configuration; log scales are linear in the cube")
    func anyPointDecodesValidly() {
        var generator = SplitMix64(seed: 9)
        for _ in 0..<2000 {
            let point = (0..<encoding.dimension).map { _ in generator.nextUnit() * 1.2 - 0.1 }  // a little outside too
            let configuration = encoding.decode(point)
            #expect(mixedSpace.contains(configuration), "\(configuration)")
            #expect(encoding.decode(encoding.snap(point)) == configuration)
        }
        let middle = encoding.decode([0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 0])
        #expect(abs((middle["lr"]?.doubleValue ?? 0) - 10e-3 * 0.31622776601683794) < 1e-12)  // 10^-2.5
        #expect(middle["act"] == .string("relu"))
        let integerCentre = encoding.encode(["layers": .int(2)])[2]
        #expect(integerCentre == 0.375)  // the centre of the second of four cells
    }
}
