import Foundation

/// Reads a results log back: every event in order.
public enum JournalReader {
    /// What a log holds.
    public struct Contents: Sendable {
        public var records: [JournalRecord]
        /// The last line was cut short (a crash mid-write) and was skipped.
        public var tornTail: Bool
        /// Lines with an event name this version does not know, skipped.
        public var unknownEvents: Int
    }

    /// Reads the whole log. A torn last line is tolerated; any other bad line is an error naming it.
    public static func read(path: String) throws(JournalError) -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JournalError.io(path: path, operation: "read", errno: (error as NSError).code == 260 ? ENOENT : EIO)
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws(JournalError) -> Contents {
        var contents = Contents(records: [], tornTail: false, unknownEvents: 0)
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let endsWithNewline = data.last == 0x0A
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
            do {
                if let record = try JournalCoding.decode(Data(line)) {
                    contents.records.append(record)
                } else {
                    contents.unknownEvents += 1
                }
            } catch {
                // Only an unterminated final line can be a torn write; anything else is corruption.
                if isLast && !endsWithNewline {
                    contents.tornTail = true
                } else {
                    throw JournalError.corruptLine(path: path, line: index + 1, reason: Self.describe(error))
                }
            }
        }
        return contents
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field \"\(path)\": expected \(type)"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
