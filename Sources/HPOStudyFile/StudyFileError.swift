import Foundation

/// A problem with a study file, located by file, line, column and the dotted path of the field.
///
/// Its `description` is what a user sees:
/// `examples/x.yaml:12:7: space.learning_rate.low: expected a number, found 'abc'`.
package struct StudyFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it.
    package var file: String
    /// The 1-based line of the offending node, when known.
    package var line: Int?
    /// The 1-based column of the offending node, when known.
    package var column: Int?
    /// The dotted path of the field, e.g. `space.learning_rate.low`, `trial.command[2]`;
    /// empty for problems that belong to no field (YAML syntax, unreadable file).
    package var field: String
    /// What was expected and what was found.
    package var message: String

    package init(file: String, line: Int? = nil, column: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    package var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}

extension StudyFileError: LocalizedError {
    package var errorDescription: String? { description }
}
