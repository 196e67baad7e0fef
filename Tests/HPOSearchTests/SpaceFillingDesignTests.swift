import Testing

@testable import HPOSearch

@Suite struct SpaceFillingDesignTests {
    @Test("a Latin hypercube hits every stratum of every coordinate once, reproducibly")
    func latinHypercube() {
        let points = SpaceFillingDesign.latinHypercube(count: 10, dimension: 3, seed: 4)
        #expect(points.count == 10)
        for k in 0..<3 {
            #expect(Set(points.map { Int($0[k] * 10) }) == Set(0..<10))
        }
        #expect(points == SpaceFillingDesign.latinHypercube(count: 10, dimension: 3, seed: 4))
        #expect(points != SpaceFillingDesign.latinHypercube(count: 10, dimension: 3, seed: 5))
    }

    @Test("the R_d sequence fills the cube evenly and continues where a block ended")
    func kronecker() {
        let d = 4
        let count = 4096
        let points = SpaceFillingDesign.kronecker(count: count, dimension: d, seed: 1)
        // Every one of the 2^4 half-boxes gets close to its share.
        var boxes = [Int](repeating: 0, count: 16)
        for i in 0..<count {
            boxes[(0..<d).reduce(0) { $0 * 2 + (points[i * d + $1] < 0.5 ? 0 : 1) }] += 1
        }
        // Independent uniform points would scatter the counts with a variance of about 240 each
        // (3,840 in all); a low-discrepancy sequence stays well inside that, whatever its shift.
        let squares = boxes.reduce(0) { $0 + ($1 - count / 16) * ($1 - count / 16) }
        #expect(squares < 3840 / 3, "\(boxes)")
        #expect(boxes.allSatisfy { abs($0 - count / 16) <= 16 }, "\(boxes)")
        let tail = SpaceFillingDesign.kronecker(count: 96, dimension: d, seed: 1, start: 4000)
        #expect(Array(points[(4000 * d)...]) == tail)
    }
}
