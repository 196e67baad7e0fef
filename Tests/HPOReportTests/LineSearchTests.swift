import Foundation
import Testing

@testable import HPOReport

@Suite struct LineSearchTests {
    /// What `split` and `range(of:)` find: the non-empty lines that contain the word.
    static func reference(_ text: String, _ word: String) -> [Data] {
        Data(text.utf8).split(separator: 0x0A).filter { $0.range(of: Data(word.utf8)) != nil }.map { Data($0) }
    }

    @Test("the lines that mention a word, wherever it is on them, once each", arguments: [
        "lr_range_test at the start\nnone here\nends with lr_range_test",
        "\n\nlr_range_test\n\n",
        "twice: lr_range_test lr_range_test\nlr_range_tes\nlr_range_tesX lr_range_test\n",
        "lr_range_tes",
        "l\nll\nlr_\nlr_range_test",
        "",
    ])
    func lines(text: String) {
        #expect(LineSearch.lines(containing: "lr_range_test", in: Data(text.utf8)) == Self.reference(text, "lr_range_test"))
    }
}
