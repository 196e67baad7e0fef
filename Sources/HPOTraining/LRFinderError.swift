/// A bad setting of the LR range test, or a series that cannot be analysed or read.
public struct LRFinderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
