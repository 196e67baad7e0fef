import Foundation
import HPOCore
import HPOJournal

/// A results log as read for people: its records (through `JournalReader`).
package struct StudyLog: Sendable {
    /// The file it was read from (for messages and the report's header).
    package var path: String
    package var records: [JournalRecord]
    /// Learning-rate range tests recorded in the log that can be drawn (as many losses as
    /// learning rates, at least one); others are left out of the report.
    package var rangeTests: [LRRangeTestRan] {
        records.compactMap {
            guard case .lrRangeTest(let test) = $0.event, !test.lrs.isEmpty, test.lrs.count == test.losses.count else {
                return nil
            }
            return test
        }
    }
    /// The last line was cut short (the study is being written, or crashed) and was skipped.
    package var tornTail: Bool
    /// Lines of event kinds this version does not know.
    package var unknownEvents: Int

    package init(
        path: String, records: [JournalRecord], tornTail: Bool = false,
        unknownEvents: Int = 0
    ) {
        self.path = path
        self.records = records
        self.tornTail = tornTail
        self.unknownEvents = unknownEvents
    }

    /// Reads the log at `path`. A torn last line is tolerated (a log still being written).
    package static func load(path: String) throws(ReportError) -> StudyLog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(data, path: path)
    }

    /// Parses a log's bytes; `path` names it in errors.
    package static func parse(_ data: Data, path: String) throws(ReportError) -> StudyLog {
        let contents: JournalReader.Contents
        do {
            contents = try JournalReader.parse(data, path: path)
        } catch {
            throw ReportError(error, path: path)
        }
        if contents.records.isEmpty {
            if contents.unknownEvents == 0 && !contents.tornTail { throw .empty(path: path) }
            throw .notAResultsLog(path: path, reason: "no study_started line")
        }
        guard case .studyStarted = contents.records[0].event else {
            throw .notAResultsLog(
                path: path, reason: "the first event is \(contents.records[0].event.name), not study_started")
        }
        return StudyLog(
            path: path, records: contents.records, tornTail: contents.tornTail,
            unknownEvents: contents.unknownEvents)
    }

    /// The study as it was started (the first line).
    package var started: StudyStarted? {
        guard case .studyStarted(let started)? = records.first?.event else { return nil }
        return started
    }
}
