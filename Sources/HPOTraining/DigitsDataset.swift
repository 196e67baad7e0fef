import Foundation

/// The bundled handwritten-digits data (UCI, 1,797 8×8 images, classes 0…9), decoded from the
/// copy embedded in the binary, so a worker needs nothing but its executable.
package struct DigitsDataset: Sendable {
    package static let featureCount = 64
    package static let classCount = 10

    /// The pixel intensities 0…16, row-major, `count × featureCount`.
    package let pixels: [Double]
    /// One label 0…9 per row.
    package let labels: [Int]
    package var count: Int { labels.count }

    /// The embedded data set, decoded once per process.
    package static let bundled = DigitsDataset()

    private init() {
        guard let bytes = Data(base64Encoded: DigitsData.base64, options: .ignoreUnknownCharacters),
            bytes.count == DigitsData.rows * DigitsData.columns
        else {
            preconditionFailure("DigitsData.generated.swift is corrupt: rerun scripts/embed-digits.py")
        }
        var pixels: [Double] = []
        pixels.reserveCapacity(DigitsData.rows * Self.featureCount)
        var labels: [Int] = []
        for (offset, value) in bytes.enumerated() {
            if offset % DigitsData.columns == Self.featureCount {
                labels.append(Int(value))
            } else {
                pixels.append(Double(value))
            }
        }
        self.pixels = pixels
        self.labels = labels
    }

    /// The raw integers of row `index` (64 pixels 0…16, then the label), as in `data/digits.csv.gz`.
    package func rawRow(_ index: Int) -> [Int] {
        pixels[(index * Self.featureCount)..<((index + 1) * Self.featureCount)].map { Int($0) } + [labels[index]]
    }

    /// The seed of the standard split: the one every study and benchmark uses unless told otherwise.
    package static let standardSplitSeed: UInt64 = 0

    /// A stratified, seeded split with standardised features. Within each class the rows are
    /// shuffled with `seed` and the first `round(validationFraction × class size)` go to
    /// validation, so both sets keep the class proportions of the whole. Index lists are sorted.
    package func split(validationFraction: Double = 0.2, seed: UInt64 = standardSplitSeed) -> DataSplit {
        precondition(validationFraction > 0 && validationFraction < 1, "validationFraction must be in (0, 1)")
        var generator = SeededGenerator(seed: seed, stream: 101)
        var training: [Int] = []
        var validation: [Int] = []
        for label in 0..<Self.classCount {
            var members = labels.indices.filter { labels[$0] == label }
            generator.shuffle(&members)
            let held = Int((validationFraction * Double(members.count)).rounded())
            validation += members.prefix(held)
            training += members.dropFirst(held)
        }
        training.sort()
        validation.sort()
        let scaler = Standardizer(pixels: pixels, rows: training, columns: Self.featureCount)
        return DataSplit(
            trainingIndices: training, validationIndices: validation, seed: seed,
            training: LabelledData(
                features: scaler.features(pixels, rows: training), labels: training.map { labels[$0] }),
            validation: LabelledData(
                features: scaler.features(pixels, rows: validation), labels: validation.map { labels[$0] }))
    }
}

/// Per-pixel standardisation with the statistics of the training rows only (nothing leaks from
/// the validation rows): `(pixel − mean) / max(sd, 1)`. The floor of one intensity level keeps
/// pixels that are nearly always blank (sd ≈ 0.1 at the image border) from turning a rare ink
/// dot into an input of 50 or more.
struct Standardizer {
    static let minimumDeviation = 1.0
    let mean: [Double]
    let deviation: [Double]

    init(pixels: [Double], rows: [Int], columns: Int) {
        var mean = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        for row in rows {
            for c in 0..<columns {
                let value = pixels[row * columns + c]
                mean[c] += value
                squares[c] += value * value
            }
        }
        let n = Double(max(rows.count, 1))
        self.mean = mean.map { $0 / n }
        deviation = zip(self.mean, squares).map { mean, squares in
            max((max(squares / n - mean * mean, 0)).squareRoot(), Self.minimumDeviation)
        }
    }

    func features(_ pixels: [Double], rows: [Int]) -> Matrix {
        let columns = mean.count
        var values: [Double] = []
        values.reserveCapacity(rows.count * columns)
        for row in rows {
            for c in 0..<columns { values.append((pixels[row * columns + c] - mean[c]) / deviation[c]) }
        }
        return Matrix(rows: rows.count, columns: columns, values: values)
    }
}

/// Features (one row per example) and their labels.
package struct LabelledData: Sendable {
    package let features: Matrix
    package let labels: [Int]
    package var count: Int { labels.count }

    package init(features: Matrix, labels: [Int]) {
        precondition(features.rows == labels.count)
        self.features = features
        self.labels = labels
    }
}

/// The training and validation sets, with the row indices (into the data set) they came from.
package struct DataSplit: Sendable {
    package let trainingIndices: [Int]
    package let validationIndices: [Int]
    package let seed: UInt64
    package let training: LabelledData
    package let validation: LabelledData
}
