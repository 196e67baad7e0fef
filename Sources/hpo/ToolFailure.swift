/// A failure to report in one line ("Error: …"), without the usage text a ValidationError adds.
struct ToolFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
