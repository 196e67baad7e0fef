import Testing

@testable import HPOStudyFile

/// The small text grammars inside values: durations and command placeholders.
@Suite struct TextRulesTests {
    @Test(
        "strings that are not durations",
        arguments: ["", "h", "1x", "1h1h", "30s1m", "-5s", "1 h", "1.h2", "inf", "0x10"])
    func notDurations(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test(
        "placeholders are {name}; {{ and }} are literal braces",
        arguments: [
            ("--lr={lr}", ["lr"]), ("{a}{b}", ["a", "b"]), ("{{lr}}", []), ("{{{lr}}}", ["lr"]),
            ("plain", []), ("json={{\"x\": {x0}}}", ["x0"]), ("a}b", [])
        ])
    func placeholders(argument: String, names: [String]) throws {
        #expect(try CommandTemplate.placeholders(in: argument) == names)
    }

    @Test("malformed placeholders are rejected", arguments: ["{lr", "{}", "{a{b}}", "}{"])
    func malformedPlaceholders(_ argument: String) {
        #expect(throws: CommandTemplate.SyntaxError.self) { try CommandTemplate.placeholders(in: argument) }
    }

    @Test(
        "a typo is matched to the closest allowed key",
        arguments: [
            ("hihg", "high"), ("tpye", "type"), ("wall-time", "wall_time"), ("Seed", "seed"), ("zzzz", nil)
        ] as [(String, String?)])
    func suggestion(typo: String, suggestion: String?) {
        let allowed = ["type", "low", "high", "log", "steps", "values", "wall_time", "seed"]
        #expect(YAMLMapping.closest(to: typo, in: allowed) == suggestion)
    }
}
