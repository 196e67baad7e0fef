import Foundation
import Testing

@testable import HPOTraining

@Suite struct DigitsDataTests {
    @Test("the embedded data equals data/digits.csv.gz, row by row")
    func embeddedMatchesFile() throws {
        let path = repositoryRoot.appendingPathComponent("data/digits.csv.gz").path
        let run = try runProgram("/bin/gzip", ["-dc", path])
        #expect(run.status == 0)
        let lines = String(decoding: run.output, as: UTF8.self).split(separator: "\n")
        let data = DigitsDataset.bundled
        #expect(lines.count == 1797)
        #expect(data.count == 1797)
        for (index, line) in lines.enumerated() {
            let expected = line.split(separator: ",").compactMap { Int($0) }
            #expect(data.rawRow(index) == expected, "row \(index + 1)")
        }
    }

    @Test("the .gz file's sha256 is the one data/README.md gives")
    func checksum() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("data/README.md"), encoding: .utf8)
        let documented = try #require(readme.firstMatch(of: /sha256 ([0-9a-f]{64})/)?.1)
        let run = try runProgram(
            "/usr/bin/sha256sum", [repositoryRoot.appendingPathComponent("data/digits.csv.gz").path])
        #expect(run.status == 0)
        #expect(String(decoding: run.output, as: UTF8.self).hasPrefix(String(documented) + " "))
        let generated = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Sources/HPOTraining/DigitsData.generated.swift"),
            encoding: .utf8)
        #expect(generated.contains("Source sha256 \(documented)"), "regenerate with scripts/embed-digits.py")
    }

    @Test("labels are 0…9 and pixels 0…16, with the class sizes of the UCI test set")
    func ranges() {
        let data = DigitsDataset.bundled
        #expect(data.pixels.allSatisfy { (0...16).contains($0) })
        let counts = (0..<10).map { label in data.labels.filter { $0 == label }.count }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    }
}

@Suite struct SplitTests {
    let data = DigitsDataset.bundled

    @Test("the split is stratified: each class keeps its share in both sets (to one row)")
    func stratified() {
        let split = data.split(validationFraction: 0.2, seed: 7)
        #expect(Set(split.trainingIndices).isDisjoint(with: split.validationIndices))
        #expect(split.trainingIndices.count + split.validationIndices.count == data.count)
        for label in 0..<10 {
            let total = data.labels.filter { $0 == label }.count
            let held = split.validation.labels.filter { $0 == label }.count
            #expect(abs(Double(held) - 0.2 * Double(total)) <= 0.5, "class \(label): \(held) of \(total)")
        }
        #expect(split.validation.count == 359)  // 20% of each class, rounded
        #expect(split.training.count == 1438)
    }

    @Test("the split is seeded: the same seed gives the same rows, another seed others")
    func seeded() {
        #expect(data.split(seed: 3).validationIndices == data.split(seed: 3).validationIndices)
        #expect(data.split(seed: 3).validationIndices != data.split(seed: 4).validationIndices)
        #expect(data.split().validationIndices == data.split(seed: DigitsDataset.standardSplitSeed).validationIndices)
    }

    @Test("features are standardised with the training rows' statistics only")
    func standardised() {
        let split = data.split()
        let training = split.training.features
        for column in [10, 27, 36] {
            let values = (0..<training.rows).map { training[$0, column] }
            let mean = values.reduce(0, +) / Double(values.count)
            #expect(abs(mean) < 1e-9)
        }
        // Row 0 of the validation set, by hand.
        let scaler = Standardizer(pixels: data.pixels, rows: split.trainingIndices, columns: 64)
        let row = split.validationIndices[0]
        #expect(
            abs(
                split.validation.features[0, 20] - (data.pixels[row * 64 + 20] - scaler.mean[20]) / scaler.deviation[20]
            ) < 1e-12)
        #expect(scaler.deviation.allSatisfy { $0 >= 1 })
    }
}
