import Foundation
import HPOJSON

/// A line of the log as written: `{"event": …, "time": …, <the event's fields>}`.
package struct JournalRecord: Hashable, Sendable {
    package var event: JournalEvent
    /// Seconds since 1970 (UTC) when the coordinator wrote the line.
    package var time: Double
    package init(event: JournalEvent, time: Double) {
        self.event = event
        self.time = time
    }
}

enum JournalCoding {
    private struct Header: Codable {
        var event: String
        var time: Double
    }

    /// `{"event":…,"time":…,` then the event's own fields in sorted order: stable bytes, and the
    /// kind of each line is the first thing a person sees in `tail -f`.
    static func encode(_ record: JournalRecord) throws -> Data {
        var line: [UInt8] = []
        try append(record, to: &line)
        return Data(line)
    }

    /// Appends one line (without its newline) to `buffer`: the lines of every trial written by
    /// hand (`JournalFastEncoding`, the same bytes), the rest with JSONEncoder.
    static func append(_ record: JournalRecord, to buffer: inout [UInt8]) throws {
        let time = (record.time * 1000).rounded() / 1000
        var json = JSONWriter(escapesSlashes: false)
        swap(&json.bytes, &buffer)
        defer { swap(&json.bytes, &buffer) }
        json.bytes.append(contentsOf: "{\"event\":\"\(record.event.name)\",\"time\":\(time)".utf8)
        json.afterValue = true
        if JournalFastEncoding.appendBody(of: record.event, to: &json) { return }
        let body = try encodeBodyWithCodable(record.event)
        // The body is a JSON object: drop its opening brace and join it on.
        if body.count > 2 {
            json.bytes.append(UInt8(ascii: ","))
            json.bytes.append(contentsOf: body.dropFirst())
        } else {
            json.bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The line as JSONEncoder alone writes it: the reference for the fast path.
    static func encodeWithCodable(_ record: JournalRecord) throws -> Data {
        let body = try encodeBodyWithCodable(record.event)
        let time = (record.time * 1000).rounded() / 1000
        var line = Data("{\"event\":\"\(record.event.name)\",\"time\":\(time)".utf8)
        // The body is a JSON object: drop its opening brace and join it on.
        line.append(body.count > 2 ? Data(",".utf8) + body.dropFirst() : Data("}".utf8))
        return line
    }

    private static func encodeBodyWithCodable(_ event: JournalEvent) throws -> Data {
        let encoder = makeEncoder()
        switch event {
        case .studyStarted(let event): return try encoder.encode(event)
        case .studyResumed(let event): return try encoder.encode(event)
        case .resultDropped(let event): return try encoder.encode(event)
        case .lrRangeTest(let event): return try encoder.encode(event)
        case .studyStopped(let event): return try encoder.encode(event)
        case .workerJoined(let event): return try encoder.encode(event)
        case .workerLeft(let event): return try encoder.encode(event)
        case .placementWarning(let event): return try encoder.encode(event)
        case .trialDispatched(let event): return try encoder.encode(event)
        case .trialReport(let event): return try encoder.encode(event)
        case .trialCompleted(let event): return try encoder.encode(event)
        case .trialFailed(let event): return try encoder.encode(event)
        case .trialPruned(let event): return try encoder.encode(event)
        case .studyFinished(let event): return try encoder.encode(event)
        case .trialCheckpoint(let event): return try encoder.encode(event)
        case .trialResumed(let event): return try encoder.encode(event)
        case .trialPreempted(let event): return try encoder.encode(event)
        case .controlAction(let event): return try encoder.encode(event)
        case .trialEnqueued(let event): return try encoder.encode(event)
        }
    }

    /// Decodes one line; `nil` for an event name this version does not know (newer writers).
    /// The frequent kinds take the fast path; the rest, and any line it declines, `decoder`.
    static func decode(_ line: UnsafeRawBufferPointer, using decoder: JSONDecoder) throws -> JournalRecord? {
        if let record = JournalFastPath.decode(line) { return record }
        return try decode(Data(line), using: decoder)
    }

    /// Decodes one line with Foundation's decoder.
    static func decode(_ line: Data, using decoder: JSONDecoder = makeDecoder()) throws -> JournalRecord? {
        let header = try decoder.decode(Header.self, from: line)
        let event: JournalEvent
        switch header.event {
        case "study_started": event = .studyStarted(try decoder.decode(StudyStarted.self, from: line))
        case "worker_joined": event = .workerJoined(try decoder.decode(WorkerJoined.self, from: line))
        case "worker_left": event = .workerLeft(try decoder.decode(WorkerLeft.self, from: line))
        case "placement_warning": event = .placementWarning(try decoder.decode(PlacementWarning.self, from: line))
        case "trial_dispatched": event = .trialDispatched(try decoder.decode(TrialDispatched.self, from: line))
        case "trial_report": event = .trialReport(try decoder.decode(TrialReported.self, from: line))
        case "trial_completed": event = .trialCompleted(try decoder.decode(TrialCompleted.self, from: line))
        case "trial_failed": event = .trialFailed(try decoder.decode(TrialFailed.self, from: line))
        case "trial_pruned": event = .trialPruned(try decoder.decode(TrialPruned.self, from: line))
        case "study_resumed": event = .studyResumed(try decoder.decode(StudyResumed.self, from: line))
        case "lr_range_test": event = .lrRangeTest(try decoder.decode(LRRangeTestRan.self, from: line))
        case "result_dropped": event = .resultDropped(try decoder.decode(ResultDropped.self, from: line))
        case "study_stopped": event = .studyStopped(try decoder.decode(StudyFinished.self, from: line))
        case "study_finished": event = .studyFinished(try decoder.decode(StudyFinished.self, from: line))
        case "trial_checkpoint": event = .trialCheckpoint(try decoder.decode(TrialCheckpointed.self, from: line))
        case "trial_resumed": event = .trialResumed(try decoder.decode(TrialResumed.self, from: line))
        case "trial_preempted": event = .trialPreempted(try decoder.decode(TrialPreempted.self, from: line))
        case "control_action": event = .controlAction(try decoder.decode(ControlActionTaken.self, from: line))
        case "trial_enqueued": event = .trialEnqueued(try decoder.decode(TrialEnqueued.self, from: line))
        default: return nil
        }
        return JournalRecord(event: event, time: header.time)
    }

    static func makeEncoder() -> JSONEncoder { JSONCoding.makeEncoder(escapingSlashes: false) }

    static func makeDecoder() -> JSONDecoder { JSONCoding.makeDecoder() }
}
