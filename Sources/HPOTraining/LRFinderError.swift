/// A bad setting of the LR range test, or a series that cannot be analysed or read.
package struct LRFinderError: Error, Equatable, Sendable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
