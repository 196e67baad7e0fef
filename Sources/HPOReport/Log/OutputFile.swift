import Foundation

/// Writes a command's output file, atomically, with an error that names it.
package enum OutputFile {
    package static func write(_ text: String, to path: String) throws(ReportError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(
                path: path, reason: (error as NSError).localizedFailureReason ?? error.localizedDescription)
        }
    }
}
