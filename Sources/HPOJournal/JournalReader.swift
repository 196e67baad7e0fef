import Foundation
import HPOJSON

/// Reads a results log back: every event in order.
package enum JournalReader {
    /// What a log holds.
    package struct Contents: Sendable {
        package var records: [JournalRecord]
        /// The last line was cut short (a crash mid-write) and was skipped.
        package var tornTail: Bool
        /// Lines with an event name this version does not know, skipped.
        package var unknownEvents: Int
    }

    /// Reads the whole log. A torn last line is tolerated; any other bad line is an error naming it.
    package static func read(path: String) throws(JournalError) -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JournalError.io(path: path, operation: "read", errno: (error as NSError).code == 260 ? ENOENT : EIO)
        }
        return try parse(data, path: path)
    }

    /// Parses a log's bytes; `path` names it in errors.
    package static func parse(_ data: Data, path: String) throws(JournalError) -> Contents {
        let (chunks, unterminatedLine) = data.withUnsafeBytes { bytes in
            let lines = JournalLines(bytes)
            return (JournalLineBatch.decode(lines.lines, in: bytes), lines.unterminatedLine)
        }
        var contents = Contents(records: [], tornTail: false, unknownEvents: 0)
        contents.records.reserveCapacity(chunks.reduce(0) { $0 + $1.records.count })
        for chunk in chunks {
            contents.records += chunk.records
            contents.unknownEvents += chunk.unknownEvents
            guard let failure = chunk.failure else { continue }
            // Only an unterminated final line can be a torn write; anything else is corruption.
            guard failure.line == unterminatedLine else {
                throw JournalError.corruptLine(
                    path: path, line: failure.line, reason: JSONCoding.describe(failure.error))
            }
            contents.tornTail = true
        }
        return contents
    }
}
