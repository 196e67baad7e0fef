import Foundation
import HPOCore
import Testing

@testable import HPOJournal

/// Numbers are where two JSON readers most easily differ: the fast path must read every number
/// bit for bit as JSONDecoder does, as a double, an integer or a parameter value.
@Suite struct FastPathNumberTests {
    /// Number texts: shortest round-trip forms of random doubles, long and odd decimal forms.
    static func numberTexts(count: Int) -> [String] {
        var random = Seeded(seed: 42)
        var texts: [String] = [
            "0", "-0", "0.0", "1", "-1", "0.1", "1e-5", "1E+5", "2.5e-308", "2.2250738585072014e-308",
            "1.7976931348623157e308", "9007199254740993", "123456789012345678901234567890",
            "0.30000000000000004", "1.00000000000000011102230246251565404236316680908203125"
        ]
        for _ in 0..<count {
            let bits = random.next() & ~(0x7FF << 52) | (UInt64.random(in: 1...2046, using: &random) << 52)
            let value = Double(bitPattern: bits)
            texts.append("\(value)")
            texts.append(String(format: "%.25e", value))
            let digits = (0..<Int.random(in: 1...24, using: &random)).map { _ in
                String(Int.random(in: 0...9, using: &random))
            }
            let exponent = Int.random(in: -320...320, using: &random)
            let sign = Bool.random(using: &random) ? "-" : ""
            let lead = Int.random(in: 1...9, using: &random)
            texts.append("\(sign)\(lead).\(digits.joined())e\(exponent)")
            texts.append(String(Int.random(in: Int.min...Int.max, using: &random)))
        }
        return texts
    }

    @Test("numbers as doubles, integers and parameter values read as JSONDecoder reads them")
    func numbers() throws {
        var taken = 0
        let texts = Self.numberTexts(count: 1500)
        for text in texts {
            for line in [
                #"{"event":"trial_report","time":\#(text),"trial":1,"attempt":1,"step":1,"metrics":{"m":\#(text)}}"#,
                #"{"event":"trial_dispatched","time":1,"trial":1,"attempt":1,"worker":"w","params":{"p":\#(text)}}"#,
                #"{"event":"trial_report","time":1,"trial":\#(text),"attempt":1,"step":1,"metrics":{}}"#
            ] {
                guard let fast = Paths.fast(line) else { continue }
                taken += 1
                let slow = try #require(try Paths.slow(line).get(), "\(line)")
                #expect(fast == slow, "\(line)")
                #expect(Self.bits(fast) == Self.bits(slow), "\(line)")
            }
        }
        // Most of them are ordinary numbers the fast path takes.
        #expect(taken > texts.count * 3 / 2)
    }

    /// The bit patterns of a record's doubles (== would call 0.0 and -0.0 equal).
    static func bits(_ record: JournalRecord) -> [UInt64] {
        switch record.event {
        case .trialReport(let e): [record.time.bitPattern] + e.metrics.values.map(\.bitPattern)
        case .trialDispatched(let e):
            [record.time.bitPattern] + e.params.values.compactMap { $0.doubleValue?.bitPattern }
        default: [record.time.bitPattern]
        }
    }
}

/// A small seeded generator (SplitMix64), so that a failure can be reproduced.
private struct Seeded: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
