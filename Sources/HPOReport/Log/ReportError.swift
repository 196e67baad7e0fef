import Foundation
import HPOJournal

/// Why a results log cannot be summarised, reported or exported. Every case names the file.
package enum ReportError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The file holds no events at all (a study that has not written its first line yet).
    case empty(path: String)
    /// The file is not a results log: a line that is not an event, or no `study_started` first.
    case notAResultsLog(path: String, reason: String)
    /// An output file cannot be written.
    case cannotWrite(path: String, reason: String)

    package var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .empty(let path): "\(path): the results log is empty (has the study started?)"
        case .notAResultsLog(let path, let reason): "\(path) is not a results log: \(reason)"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        }
    }

    package var errorDescription: String? { description }

    /// Maps the journal's error for `path` to the report's words.
    init(_ error: JournalError, path: String) {
        switch error {
        case .io(_, _, let code):
            self = .unreadable(path: path, reason: String(cString: strerror(code)))
        case .corruptLine(_, let line, let reason):
            self = .notAResultsLog(path: path, reason: "line \(line): \(reason)")
        case .encoding(_, _, let reason):
            self = .notAResultsLog(path: path, reason: reason)
        }
    }
}
